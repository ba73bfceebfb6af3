"""Cart, order, stall order, item snapshot and stall-order history models."""

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from market_app.core.db import TimestampMixin, UTCDateTime, db, str_enum, utcnow
from market_app.core.statemachine import TimelineEventMixin
from market_app.markets.models import Stall


class OrderStatus(enum.StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"  # paid, no stall has started yet
    PREPARING = "preparing"  # at least one stall accepted
    READY = "ready"  # every remaining stall order is ready: the delivery can be picked up
    COMPLETED = "completed"  # every remaining stall order handed over
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class StallOrderStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    READY = "ready"
    HANDED_OVER = "handed_over"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


CLOSED_STALL_ORDER_STATUSES = (StallOrderStatus.REJECTED, StallOrderStatus.CANCELLED)


class Fulfillment(enum.StrEnum):
    PICKUP = "pickup"
    DELIVERY = "delivery"


class Cart(TimestampMixin, db.Model):
    __tablename__ = "carts"
    __table_args__ = (sa.UniqueConstraint("user_id", "market_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    market_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("markets.id", ondelete="CASCADE"))
    items: so.Mapped[list["CartItem"]] = so.relationship(cascade="all, delete-orphan", order_by="CartItem.id")


class CartItem(db.Model):
    __tablename__ = "cart_items"
    __table_args__ = (sa.UniqueConstraint("cart_id", "product_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    cart_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    quantity: so.Mapped[int]


class Order(TimestampMixin, db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        # Idempotency keys are scoped to the shopper; the database refuses a second order for one key.
        sa.UniqueConstraint("user_id", "idempotency_key"),
        sa.CheckConstraint("total = subtotal + delivery_fee - discount", name="total_adds_up"),
        sa.Index("ix_orders_market_created", "market_id", "created_at"),
        sa.Index("ix_orders_status_expires", "status", "expires_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    reference: so.Mapped[str] = so.mapped_column(sa.String(36), unique=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    market_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("markets.id"))
    status: so.Mapped[OrderStatus] = so.mapped_column(str_enum(OrderStatus, 20), default=OrderStatus.PENDING_PAYMENT)
    fulfillment: so.Mapped[Fulfillment] = so.mapped_column(str_enum(Fulfillment, 20))
    subtotal: so.Mapped[int]
    delivery_fee: so.Mapped[int] = so.mapped_column(default=0)
    discount: so.Mapped[int] = so.mapped_column(default=0)
    total: so.Mapped[int]
    note: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    delivery_address: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    delivery_lat: so.Mapped[float | None]
    delivery_lng: so.Mapped[float | None]
    delivery_slot_start: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    delivery_slot_end: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # The distance and ring the delivery fee was computed from at checkout, kept like the items' prices.
    delivery_distance_km: so.Mapped[float | None]
    delivery_zone_km: so.Mapped[float | None]
    # Set by the delivery domain when the order is paid (through services.link_fulfillment). Plain ids, not
    # foreign keys: orders sits below delivery and never names its tables.
    delivery_id: so.Mapped[int | None]
    pickup_id: so.Mapped[int | None]
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(255))
    request_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    paid_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    closed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    stall_orders: so.Mapped[list["StallOrder"]] = so.relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="StallOrder.id"
    )
    # Read-only link to the payments domain (which owns the foreign key).
    payment: so.Mapped[Any] = so.relationship("Payment", uselist=False, viewonly=True)

    @property
    def partially_rejected(self) -> bool:
        closed = [so_ for so_ in self.stall_orders if so_.status in CLOSED_STALL_ORDER_STATUSES]
        return 0 < len(closed) < len(self.stall_orders)


class IdempotencyClaim(db.Model):
    """An Idempotency-Key taken before Stripe is called, in the placing transaction: a second request with the
    same key waits on the unique key until the first commits (then replays its order) or rolls back (then places
    it). So exactly one PaymentIntent is ever opened per key."""

    __tablename__ = "idempotency_claims"
    __table_args__ = (sa.UniqueConstraint("user_id", "idempotency_key"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(255))
    order_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)


class StallOrder(TimestampMixin, db.Model):
    __tablename__ = "stall_orders"
    __table_args__ = (sa.Index("ix_stall_orders_stall_status", "stall_id", "status"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    stall_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stalls.id"))
    status: so.Mapped[StallOrderStatus] = so.mapped_column(str_enum(StallOrderStatus, 20),
                                                           default=StallOrderStatus.PENDING)
    subtotal: so.Mapped[int]
    reason: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    # Set when the shopper has paid and the stall has been told about the order.
    notified_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    closed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    order: so.Mapped[Order] = so.relationship(back_populates="stall_orders")
    stall: so.Mapped[Stall] = so.relationship()
    items: so.Mapped[list["OrderItem"]] = so.relationship(cascade="all, delete-orphan", order_by="OrderItem.id")
    events: so.Mapped[list["StallOrderEvent"]] = so.relationship(
        cascade="all, delete-orphan", order_by="StallOrderEvent.id"
    )

    def add_event(self, from_status: str | None, to_status: str, actor_id: int | None, note: str | None) -> None:
        self.events.append(StallOrderEvent(from_status=from_status, to_status=to_status, actor_id=actor_id,
                                           reason=note))


class OrderItem(db.Model):
    """A line with a snapshot of what the shopper saw: name, unit and unit price at order time."""

    __tablename__ = "order_items"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("line_total = unit_price * quantity", name="line_total_adds_up"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    stall_order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stall_orders.id", ondelete="CASCADE"), index=True)
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    unit: so.Mapped[str] = so.mapped_column(sa.String(40))
    unit_price: so.Mapped[int]
    list_price: so.Mapped[int]  # the product's own price, to show what a live offer saved
    quantity: so.Mapped[int]
    line_total: so.Mapped[int]
    # How many units came out of tracked stock (0 when the product did not track stock); released exactly.
    reserved_quantity: so.Mapped[int] = so.mapped_column(default=0)
    # The live session whose price the line got (by table name: orders never imports live).
    live_session_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("live_sessions.id"), index=True)


class StallOrderEvent(TimelineEventMixin, db.Model):
    """The stall order's history: every transition with its actor and time."""

    __tablename__ = "stall_order_events"

    stall_order_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stall_orders.id", ondelete="CASCADE"),
                                                      index=True)
    reason: so.Mapped[str | None] = so.mapped_column(sa.String(255))
