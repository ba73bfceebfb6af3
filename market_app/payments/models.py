"""Payments (Stripe PaymentIntents), refunds, processed webhook events and quick-pay requests."""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from market_app.core.db import TimestampMixin, UTCDateTime, db, str_enum, utcnow


class PaymentKind(enum.StrEnum):
    ORDER = "order"
    QUICK_PAY = "quick_pay"  # in person at the stall, by QR code


class PaymentStatus(enum.StrEnum):
    REQUIRES_PAYMENT_METHOD = "requires_payment_method"
    REQUIRES_CONFIRMATION = "requires_confirmation"
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    FAILED = "failed"
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"


# Succeeded and canceled are final: no later event moves a payment out of them.
FINAL_PAYMENT_STATUSES = (PaymentStatus.SUCCEEDED, PaymentStatus.CANCELED)


class RefundStatus(enum.StrEnum):
    PENDING = "pending"  # recorded, not yet confirmed by Stripe (retried until it is; claimed_at while being sent)
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Payment(TimestampMixin, db.Model):
    __tablename__ = "payments"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[PaymentKind] = so.mapped_column(str_enum(PaymentKind, 30))
    order_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    stall_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("stalls.id"), index=True)
    market_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("markets.id"), index=True)
    amount: so.Mapped[int]
    currency: so.Mapped[str] = so.mapped_column(sa.String(3), default="krw")
    status: so.Mapped[PaymentStatus] = so.mapped_column(str_enum(PaymentStatus, 30))
    payment_intent_id: so.Mapped[str] = so.mapped_column(sa.String(255), unique=True)
    client_secret: so.Mapped[str] = so.mapped_column(sa.String(255))
    last_error: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    succeeded_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # Set when Stripe reported something that does not match this payment (another amount or currency): the
    # payment is not treated as paid and the market's admins are told.
    flagged_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    flag_reason: so.Mapped[str | None] = so.mapped_column(sa.String(255))

    refunds: so.Mapped[list["Refund"]] = so.relationship(back_populates="payment", order_by="Refund.id")

    @property
    def refunded_amount(self) -> int:
        """Refunds that count against the payment: confirmed ones and those still being sent."""
        return sum(r.amount for r in self.refunds if r.status != RefundStatus.FAILED)


class Refund(TimestampMixin, db.Model):
    __tablename__ = "refunds"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    payment_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("payments.id", ondelete="CASCADE"), index=True)
    # None for the delivery fee and for refunds of a whole quick-pay sale.
    stall_order_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("stall_orders.id"), index=True)
    amount: so.Mapped[int]
    reason: so.Mapped[str] = so.mapped_column(sa.String(255))
    status: so.Mapped[RefundStatus] = so.mapped_column(str_enum(RefundStatus, 30), default=RefundStatus.PENDING,
                                                       index=True)
    stripe_refund_id: so.Mapped[str | None] = so.mapped_column(sa.String(255), unique=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    last_error: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    # Set (and committed) by the one run that sends the refund to Stripe, cleared with the outcome: a second
    # run never sends a claimed refund. A claim older than REFUND_CLAIM_SECONDS belongs to a run that died.
    claimed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    attempts: so.Mapped[int] = so.mapped_column(default=0, server_default="0")

    payment: so.Mapped[Payment] = so.relationship(back_populates="refunds")


class WebhookEventStatus(enum.StrEnum):
    RECEIVED = "received"  # stored and answered 200; a job processes it (retried until it succeeds)
    PROCESSED = "processed"


class WebhookEvent(db.Model):
    """Every verified Stripe event, stored on receipt (a redelivered id is acknowledged and ignored), then
    processed once by a job."""

    __tablename__ = "webhook_events"

    id: so.Mapped[str] = so.mapped_column(sa.String(255), primary_key=True)
    type: so.Mapped[str] = so.mapped_column(sa.String(100))
    received_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    payload: so.Mapped[str | None] = so.mapped_column(sa.Text)  # the verified body, as Stripe sent it
    status: so.Mapped[WebhookEventStatus] = so.mapped_column(
        str_enum(WebhookEventStatus, 20), default=WebhookEventStatus.RECEIVED, server_default="processed",
        index=True)
    result: so.Mapped[str | None] = so.mapped_column(sa.String(40))  # processed, unchanged, ignored, ...
    attempts: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    processed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())


class QuickPayStatus(enum.StrEnum):
    OPEN = "open"
    PAID = "paid"
    CANCELED = "canceled"


class QuickPayRequest(TimestampMixin, db.Model):
    """A merchant's request for an in-person payment, paid by scanning its QR code."""

    __tablename__ = "quick_pay_requests"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    token: so.Mapped[str] = so.mapped_column(sa.String(43), unique=True)
    stall_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stalls.id"), index=True)
    amount: so.Mapped[int]
    memo: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    status: so.Mapped[QuickPayStatus] = so.mapped_column(str_enum(QuickPayStatus, 30), default=QuickPayStatus.OPEN)
    payment_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("payments.id"), unique=True)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    paid_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    payment: so.Mapped[Payment] = so.relationship()
