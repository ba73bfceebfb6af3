"""Market, membership and stall models."""

import enum
import math
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from market_app.accounts.models import User
from market_app.core.db import TimestampMixin, UTCDateTime, db, str_enum, utcnow
from market_app.core.hours import is_open
from market_app.core.versions import (
    MARKET_LIST,
    CachedContent,
    delivery_scope,
    live_scope,
    market_scope,
    products_scope,
)


class MemberRole(enum.StrEnum):
    ADMIN = "admin"
    COURIER = "courier"


class StallStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"


KM_PER_DEGREE = 6371.0 * math.pi / 180

STALL_CATEGORIES = (
    "produce", "fruit", "seafood", "meat", "side_dishes", "kimchi", "rice_cakes", "dry_goods",
    "grains", "snacks", "restaurant", "bakery", "health", "clothing", "housewares", "flowers", "other",
)


class Market(CachedContent, TimestampMixin, db.Model):
    __tablename__ = "markets"
    __table_args__ = (
        sa.CheckConstraint("commission_bps >= 0 AND commission_bps <= 10000", name="commission_bps_range"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    slug: so.Mapped[str] = so.mapped_column(sa.String(60), unique=True)
    region: so.Mapped[str] = so.mapped_column(sa.String(60), index=True)
    address: so.Mapped[str] = so.mapped_column(sa.String(255))
    lat: so.Mapped[float]
    lng: so.Mapped[float]
    timezone: so.Mapped[str] = so.mapped_column(sa.String(64), default="Asia/Seoul")
    currency: so.Mapped[str] = so.mapped_column(sa.String(3), default="KRW")
    commission_bps: so.Mapped[int] = so.mapped_column(default=0)
    hours: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    map_width: so.Mapped[int] = so.mapped_column(default=100)
    map_height: so.Mapped[int] = so.mapped_column(default=100)
    # Delivery terms (rings, free-over, minimum order, slots) live in the delivery domain's settings.

    stalls: so.WriteOnlyMapped["Stall"] = so.relationship(back_populates="market")
    def cache_scopes(self):
        return (MARKET_LIST, market_scope(self.id), products_scope(self.id), live_scope(self.id),
                delivery_scope(self.id))

    @property
    def distance_km(self) -> None:
        """Only the market list, asked from a point, has a distance (services.market_rows)."""
        return None


def distance_km(nearness: float | None) -> float | None:
    """km from squared degrees of equirectangular distance (services.market_rows); None when not asked from a point."""
    return None if nearness is None else round(math.sqrt(nearness) * KM_PER_DEGREE, 3)


class Membership(TimestampMixin, db.Model):
    """A user's role on one market; a person can be admin of one market and courier of another."""

    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("user_id", "market_id", "role"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    market_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("markets.id", ondelete="CASCADE"), index=True)
    role: so.Mapped[MemberRole] = so.mapped_column(str_enum(MemberRole, 20))

    market: so.Mapped[Market] = so.relationship()
    user: so.Mapped[User] = so.relationship()


class Stall(CachedContent, TimestampMixin, db.Model):
    __tablename__ = "stalls"
    __table_args__ = (sa.Index("ix_stalls_market_status_name", "market_id", "status", "name"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    market_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("markets.id", ondelete="CASCADE"))
    owner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    category: so.Mapped[str] = so.mapped_column(sa.String(30), index=True)
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    phone: so.Mapped[str | None] = so.mapped_column(sa.String(30))
    hours: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    aisle: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    map_x: so.Mapped[int | None]
    map_y: so.Mapped[int | None]
    status: so.Mapped[StallStatus] = so.mapped_column(
        str_enum(StallStatus, 20),
        default=StallStatus.PENDING,
    )
    status_reason: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    approved_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    stripe_account_id: so.Mapped[str | None] = so.mapped_column(sa.String(64))

    market: so.Mapped[Market] = so.relationship(back_populates="stalls")
    opening_periods: so.Mapped[list["StallOpeningPeriod"]] = so.relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    def cache_scopes(self):
        # Product search and the live schedule show the stall's name and only active stalls' products and sessions.
        return market_scope(self.market_id), products_scope(self.market_id), live_scope(self.market_id)

    @property
    def open_now(self) -> bool:
        return is_open(self.hours, self.market.timezone, utcnow())  # listings compute it per row (services)

    @property
    def has_payout_account(self) -> bool:
        return self.stripe_account_id is not None


class PayoutAccountChange(db.Model):
    """Audit of where a stall's payouts go: who changed the connected account, when, from what to what."""

    __tablename__ = "payout_account_changes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    stall_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stalls.id", ondelete="CASCADE"), index=True)
    actor_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    old_account_id: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    new_account_id: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)


class StallOpeningPeriod(CachedContent, db.Model):
    """Opening hours flattened to (weekday, minute range) rows so "open now" is one SQL filter.

    A period past midnight (e.g. 18:00-02:00) is stored as two rows, one on each day.
    """

    __tablename__ = "stall_opening_periods"
    __table_args__ = (
        sa.CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        sa.CheckConstraint("opens_minute >= 0 AND opens_minute < closes_minute AND closes_minute <= 1440",
                           name="minute_range"),
        # "Open now" for each stall of a listing, answered from the index alone (and a stall's periods found by it).
        sa.Index("ix_stall_opening_periods_open", "stall_id", "weekday", "opens_minute", "closes_minute"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    stall_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stalls.id", ondelete="CASCADE"))
    weekday: so.Mapped[int]  # Monday = 0, like datetime.weekday()
    opens_minute: so.Mapped[int]
    closes_minute: so.Mapped[int]

    def cache_scopes(self):
        stall = so.object_session(self).get(Stall, self.stall_id)
        return stall.cache_scopes() if stall is not None else ()
