"""Live sessions, their offers and timeline, who subscribes or follows, who watches, and what each order holds
of an offer's cap."""

import enum
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from market_app.catalog.models import Product
from market_app.core.db import UTCDateTime, db, str_enum, utcnow
from market_app.core.statemachine import TimelineEventMixin
from market_app.core.versions import CachedContent, live_scope
from market_app.markets.models import Stall
from market_app.orders.models import OrderItem


class LiveKind(enum.StrEnum):
    LIVE = "live"  # a broadcast with a stream, started and ended by the merchant
    FLASH = "flash"  # 마감세일: no stream; starts and ends by itself at its times


class LiveStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"
    CANCELLED = "cancelled"


OPEN_STATUSES = (LiveStatus.SCHEDULED, LiveStatus.LIVE)


class LiveSession(CachedContent, db.Model):
    __tablename__ = "live_sessions"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.Index("ix_live_sessions_market_starts", "market_id", "starts_at"),
        sa.Index("ix_live_sessions_stall_starts", "stall_id", "starts_at"),
        sa.Index("ix_live_sessions_status_starts", "status", "starts_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    stall_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stalls.id", ondelete="CASCADE"))
    market_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("markets.id", ondelete="CASCADE"))
    kind: so.Mapped[LiveKind] = so.mapped_column(str_enum(LiveKind, 10), default=LiveKind.LIVE)
    title: so.Mapped[str] = so.mapped_column(sa.String(100))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    starts_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    ends_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    stream_url: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    thumbnail_url: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    replay_url: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    auto_start: so.Mapped[bool] = so.mapped_column(default=False)
    status: so.Mapped[LiveStatus] = so.mapped_column(str_enum(LiveStatus, 20), default=LiveStatus.SCHEDULED)
    # iCalendar SEQUENCE: raised on every change of time or status, so calendar clients replace their copy.
    sequence: so.Mapped[int] = so.mapped_column(default=0)
    subscriber_count: so.Mapped[int] = so.mapped_column(default=0)
    peak_viewers: so.Mapped[int] = so.mapped_column(default=0)
    started_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    ended_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    cancelled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    cancel_reason: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    # The start time whose reminder went out (a moved start is reminded again), and when go-live was announced.
    reminded_for: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    start_announced_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    created_by: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    # Set by the services on edits and moves only (not on counters), so LAST-MODIFIED and the feed's ETag move
    # when something a calendar shows changes.
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)

    stall: so.Mapped[Stall] = so.relationship()
    offers: so.Mapped[list["LiveOffer"]] = so.relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="LiveOffer.id")
    events: so.Mapped[list["LiveSessionEvent"]] = so.relationship(
        cascade="all, delete-orphan", order_by="LiveSessionEvent.id")

    def add_event(self, from_status: str | None, to_status: str, actor_id: int | None, note: str | None) -> None:
        self.events.append(LiveSessionEvent(from_status=from_status, to_status=to_status, actor_id=actor_id,
                                            note=note))

    def auto_end_at(self, grace: timedelta) -> datetime:
        """A flash sale ends at its end; a broadcast left running ends itself after a grace period."""
        return self.ends_at if self.kind == LiveKind.FLASH else self.ends_at + grace

    @property
    def starts_by_itself(self) -> bool:
        return self.kind == LiveKind.FLASH or self.auto_start

    def cache_scopes(self):
        return (live_scope(self.market_id),)


class LiveOffer(CachedContent, db.Model):
    """A product of the session's stall at a live price, for at most quantity_cap units in all."""

    __tablename__ = "live_offers"
    __table_args__ = (
        sa.UniqueConstraint("live_session_id", "product_id"),
        sa.CheckConstraint("live_price > 0", name="live_price_positive"),
        sa.CheckConstraint("quantity_cap > 0", name="quantity_cap_positive"),
        # The last line of defence: the cap is never oversold, whatever the code above does.
        sa.CheckConstraint("sold >= 0 AND sold <= quantity_cap", name="sold_within_cap"),
        sa.CheckConstraint("per_shopper_limit IS NULL OR per_shopper_limit > 0", name="per_shopper_limit_positive"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    live_session_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("live_sessions.id", ondelete="CASCADE"))
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id"), index=True)
    live_price: so.Mapped[int]
    quantity_cap: so.Mapped[int]
    per_shopper_limit: so.Mapped[int | None]
    # Units held at the live price by orders that are not closed (released when an order expires or is cancelled).
    sold: so.Mapped[int] = so.mapped_column(default=0)

    session: so.Mapped[LiveSession] = so.relationship(back_populates="offers")
    product: so.Mapped[Product] = so.relationship()

    @property
    def remaining(self) -> int:
        return max(0, self.quantity_cap - self.sold)

    def cache_scopes(self):
        session = self.session or so.object_session(self).get(LiveSession, self.live_session_id)
        return session.cache_scopes() if session is not None else ()


class LiveOfferReservation(db.Model):
    """Units of one order line taken from an offer's cap; released once (released_at) when the line's order
    closes, so a job that closes an order twice gives the units back once."""

    __tablename__ = "live_offer_reservations"
    __table_args__ = (sa.Index("ix_live_offer_reservations_offer_user", "offer_id", "user_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    offer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("live_offers.id", ondelete="CASCADE"))
    order_item_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("order_items.id", ondelete="CASCADE"),
                                                     unique=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    quantity: so.Mapped[int]
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    released_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    # The backref puts reservations on their line (OrderItem.live_reservations), so a reservation made at checkout
    # is saved with the order it belongs to, never before it (orders itself knows nothing of it).
    order_item: so.Mapped[OrderItem] = so.relationship(
        backref=so.backref("live_reservations", passive_deletes=True))


class LiveSessionEvent(TimelineEventMixin, db.Model):
    """The session's history: scheduled, started, ended, cancelled, with who did it (None: the system)."""

    __tablename__ = "live_session_events"

    live_session_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("live_sessions.id", ondelete="CASCADE"),
                                                       index=True)
    note: so.Mapped[str | None] = so.mapped_column(sa.String(255))


class LiveSubscription(db.Model):
    """A shopper asked to be reminded of one session."""

    __tablename__ = "live_subscriptions"
    __table_args__ = (sa.UniqueConstraint("live_session_id", "user_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    live_session_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("live_sessions.id", ondelete="CASCADE"))
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)


class StallFollow(db.Model):
    """A shopper follows a stall: told of each new session, reminded of each like a subscriber."""

    __tablename__ = "stall_follows"
    __table_args__ = (sa.UniqueConstraint("stall_id", "user_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    stall_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stalls.id", ondelete="CASCADE"))
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)


class LiveViewer(db.Model):
    """One viewer of one session (a signed-in user or an anonymous device id), with their last heartbeat."""

    __tablename__ = "live_viewers"
    __table_args__ = (
        sa.UniqueConstraint("live_session_id", "viewer_key"),
        sa.Index("ix_live_viewers_session_seen", "live_session_id", "last_seen_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    live_session_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("live_sessions.id", ondelete="CASCADE"))
    viewer_key: so.Mapped[str] = so.mapped_column(sa.String(80))
    first_seen_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
