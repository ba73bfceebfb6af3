"""Payouts: what each stall was paid for which sales, once per sale."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from market_app.core.db import TimestampMixin, UTCDateTime, db, str_enum


class PayoutMethod(enum.StrEnum):
    STRIPE_TRANSFER = "stripe_transfer"
    BANK_TRANSFER = "bank_transfer"  # settlement statement; the association pays by bank


class PayoutStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"


class Payout(TimestampMixin, db.Model):
    __tablename__ = "payouts"
    __table_args__ = (sa.CheckConstraint("net = gross - refunds - commission", name="net_adds_up"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    market_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("markets.id"), index=True)
    stall_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stalls.id"), index=True)
    period_start: so.Mapped[date]
    period_end: so.Mapped[date]
    gross: so.Mapped[int]
    refunds: so.Mapped[int]
    commission: so.Mapped[int]
    net: so.Mapped[int]
    commission_bps: so.Mapped[int]
    method: so.Mapped[PayoutMethod] = so.mapped_column(str_enum(PayoutMethod, 30))
    status: so.Mapped[PayoutStatus] = so.mapped_column(str_enum(PayoutStatus, 30), default=PayoutStatus.PENDING)
    transfer_group: so.Mapped[str] = so.mapped_column(sa.String(100))
    stripe_transfer_id: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    last_error: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    lines: so.Mapped[list["PayoutLine"]] = so.relationship(cascade="all, delete-orphan", order_by="PayoutLine.id")


class PayoutLine(db.Model):
    """One settled sale. The unique payment/stall-order keys make paying a sale out twice impossible."""

    __tablename__ = "payout_lines"
    __table_args__ = (sa.CheckConstraint("net = gross - refunds - commission", name="net_adds_up"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    payout_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("payouts.id", ondelete="CASCADE"), index=True)
    stall_order_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("stall_orders.id"), unique=True)
    quick_pay_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("quick_pay_requests.id"), unique=True)
    sold_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    gross: so.Mapped[int]
    refunds: so.Mapped[int]
    commission: so.Mapped[int]
    net: so.Mapped[int]
