"""Delivery settings, slot places, deliveries and desk pickups with their timelines, fee shares and short picks."""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from market_app.core.db import TimestampMixin, UTCDateTime, db, str_enum, utcnow
from market_app.core.statemachine import TimelineEventMixin
from market_app.core.versions import CachedContent, delivery_scope
from market_app.orders.models import Order, StallOrder


class FeePayer(enum.StrEnum):
    """Who bears the ring fee of a delivery the shopper gets free (the courier still costs it)."""

    MARKET = "market"  # the association
    STALLS = "stalls"  # the order's stalls, pro rata to their subtotals, exact to the won


class DeliveryStatus(enum.StrEnum):
    REQUESTED = "requested"
    ASSIGNED = "assigned"
    PICKED_UP = "picked_up"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"


class PickupStatus(enum.StrEnum):
    WAITING = "waiting"  # the stalls are preparing or bringing their parts to the desk
    READY = "ready"  # every remaining part is at the desk: the shopper may come
    COLLECTED = "collected"
    CANCELLED = "cancelled"


class DeliverySettings(CachedContent, TimestampMixin, db.Model):
    """One market's delivery terms. version grows on every change: caches of the compiled rules key on it."""

    __tablename__ = "delivery_settings"
    __table_args__ = (
        sa.CheckConstraint("min_order >= 0", name="min_order_positive"),
        sa.CheckConstraint("slot_minutes > 0 AND slot_capacity >= 0", name="slots_positive"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    market_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("markets.id", ondelete="CASCADE"), unique=True)
    enabled: so.Mapped[bool] = so.mapped_column(default=False)
    zones: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)  # [{up_to_km, fee}], ascending
    free_over: so.Mapped[int | None]
    min_order: so.Mapped[int] = so.mapped_column(default=0)
    slot_minutes: so.Mapped[int] = so.mapped_column(default=60)
    slot_capacity: so.Mapped[int] = so.mapped_column(default=8)
    cutoff_minutes: so.Mapped[int] = so.mapped_column(default=30)
    lead_minutes: so.Mapped[int] = so.mapped_column(default=60)
    days_ahead: so.Mapped[int] = so.mapped_column(default=7)
    hours: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)  # {"mon": "10:00-19:00", ...} local time
    closed_dates: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)  # ["2026-12-25", ...] local dates
    free_delivery_paid_by: so.Mapped[FeePayer] = so.mapped_column(str_enum(FeePayer, 20), default=FeePayer.MARKET)
    version: so.Mapped[int] = so.mapped_column(default=1)

    def cache_scopes(self):
        return (delivery_scope(self.market_id),)


class SlotLoad(CachedContent, db.Model):
    """How many places of one slot are taken: taken by a conditional UPDATE, so a slot is never overbooked."""

    __tablename__ = "delivery_slot_loads"
    __table_args__ = (
        sa.UniqueConstraint("market_id", "slot_start"),
        sa.CheckConstraint("taken >= 0", name="taken_positive"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    market_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("markets.id", ondelete="CASCADE"))
    slot_start: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    taken: so.Mapped[int] = so.mapped_column(default=0)

    def cache_scopes(self):
        return (delivery_scope(self.market_id),)


class SlotBooking(db.Model):
    """The slot place a delivery order holds from placement until it closes, and the fee it was charged."""

    __tablename__ = "delivery_slot_bookings"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    market_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("markets.id", ondelete="CASCADE"), index=True)
    slot_start: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    fee: so.Mapped[int]
    waived_fee: so.Mapped[int] = so.mapped_column(default=0)  # the ring fee a free delivery did not charge
    waived_paid_by: so.Mapped[FeePayer | None] = so.mapped_column(str_enum(FeePayer, 20))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    released_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())  # None: the place is held

    order: so.Mapped[Order] = so.relationship()


class FeeShare(db.Model):
    """A stall's share of a free delivery's fee when the stalls pay it (settlement reads it per stall order)."""

    __tablename__ = "delivery_fee_shares"
    __table_args__ = (sa.CheckConstraint("amount >= 0", name="amount_positive"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    stall_order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stall_orders.id", ondelete="CASCADE"),
                                                      unique=True)
    stall_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stalls.id"), index=True)
    amount: so.Mapped[int]

    order: so.Mapped[Order] = so.relationship()
    stall_order: so.Mapped[StallOrder] = so.relationship()


class Delivery(TimestampMixin, db.Model):
    """One per paid delivery order: from the desk to the shopper's door, by one of the market's couriers."""

    __tablename__ = "deliveries"
    __table_args__ = (
        sa.Index("ix_deliveries_market_slot", "market_id", "slot_start"),
        sa.Index("ix_deliveries_market_status", "market_id", "status"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    market_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("markets.id"))
    status: so.Mapped[DeliveryStatus] = so.mapped_column(str_enum(DeliveryStatus, 20),
                                                         default=DeliveryStatus.REQUESTED)
    # Null only for a delivery order placed before slots existed.
    slot_start: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    slot_end: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    courier_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    address: so.Mapped[str] = so.mapped_column(sa.String(255))
    lat: so.Mapped[float]
    lng: so.Mapped[float]
    fee: so.Mapped[int]
    distance_km: so.Mapped[float | None]
    zone_up_to_km: so.Mapped[float | None]
    waived_fee: so.Mapped[int] = so.mapped_column(default=0)
    waived_paid_by: so.Mapped[FeePayer | None] = so.mapped_column(str_enum(FeePayer, 20))
    ready_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    picked_up_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    delivered_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    failed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    failure_reason: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    note: so.Mapped[str | None] = so.mapped_column(sa.String(255))

    order: so.Mapped[Order] = so.relationship()
    events: so.Mapped[list["DeliveryEvent"]] = so.relationship(cascade="all, delete-orphan",
                                                                order_by="DeliveryEvent.id")
    fee_shares: so.Mapped[list[FeeShare]] = so.relationship(
        primaryjoin="Delivery.order_id == foreign(FeeShare.order_id)", viewonly=True,
        order_by="FeeShare.stall_order_id")

    @property
    def ready_for_pickup(self) -> bool:
        return self.ready_at is not None

    def add_event(self, from_status: str | None, to_status: str, actor_id: int | None, note: str | None) -> None:
        self.events.append(DeliveryEvent(from_status=from_status, to_status=to_status, actor_id=actor_id, note=note))


class DeliveryEvent(TimelineEventMixin, db.Model):
    __tablename__ = "delivery_events"

    delivery_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("deliveries.id", ondelete="CASCADE"), index=True)
    note: so.Mapped[str | None] = so.mapped_column(sa.String(255))


class Pickup(TimestampMixin, db.Model):
    """A paid pickup order's ticket at the market's desk: the stalls bring their parts, the shopper collects."""

    __tablename__ = "pickups"
    __table_args__ = (sa.Index("ix_pickups_market_status", "market_id", "status"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    market_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("markets.id"))
    status: so.Mapped[PickupStatus] = so.mapped_column(str_enum(PickupStatus, 20), default=PickupStatus.WAITING)
    ready_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    collected_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    order: so.Mapped[Order] = so.relationship()
    events: so.Mapped[list["PickupEvent"]] = so.relationship(cascade="all, delete-orphan", order_by="PickupEvent.id")

    def add_event(self, from_status: str | None, to_status: str, actor_id: int | None, note: str | None) -> None:
        self.events.append(PickupEvent(from_status=from_status, to_status=to_status, actor_id=actor_id, note=note))


class PickupEvent(TimelineEventMixin, db.Model):
    __tablename__ = "pickup_events"

    pickup_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("pickups.id", ondelete="CASCADE"), index=True)
    note: so.Mapped[str | None] = so.mapped_column(sa.String(255))


class ShortPick(db.Model):
    """Units of an order line a stall did not bring to the desk, refunded to the shopper exactly."""

    __tablename__ = "short_picks"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    stall_order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stall_orders.id", ondelete="CASCADE"),
                                                      index=True)
    order_item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("order_items.id", ondelete="CASCADE"), index=True)
    quantity: so.Mapped[int]
    amount: so.Mapped[int]
    refund_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("refunds.id"))
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
