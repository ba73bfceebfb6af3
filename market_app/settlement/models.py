"""The sales ledger (one row per sale, in-person sale and refund, on the market's local day) and the payouts
that pay each sale once."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from market_app.core.db import TimestampMixin, UTCDateTime, db, str_enum


class PayoutMethod(enum.StrEnum):
    STRIPE_TRANSFER = "stripe_transfer"
    BANK_TRANSFER = "bank_transfer"  # settlement statement; the association pays by bank


class PayoutStatus(enum.StrEnum):
    # Owed: a bank transfer the association makes from the statement, or a Stripe transfer not confirmed yet
    # (sent by the run, else retried by the settlement.sweep_transfers job until Stripe confirms or refuses it).
    PENDING = "pending"
    PAID = "paid"
    # A Stripe transfer that can never go as it is (no connected account, or Stripe refused it): never retried by
    # the sweep; last_error says why. A market admin sends it again once the cause is fixed, or records that the
    # association paid it by bank (the statement lists it).
    FAILED = "failed"


class Payout(TimestampMixin, db.Model):
    __tablename__ = "payouts"
    __table_args__ = (sa.CheckConstraint("net = gross - refunds - commission - delivery_fees", name="net_adds_up"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    market_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("markets.id"), index=True)
    stall_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stalls.id"), index=True)
    period_start: so.Mapped[date]
    period_end: so.Mapped[date]
    gross: so.Mapped[int]
    refunds: so.Mapped[int]
    commission: so.Mapped[int]
    # The stall's shares of free deliveries it helps pay (markets where the stalls pay them), exact to the won.
    delivery_fees: so.Mapped[int] = so.mapped_column(default=0)
    net: so.Mapped[int]
    commission_bps: so.Mapped[int]
    method: so.Mapped[PayoutMethod] = so.mapped_column(str_enum(PayoutMethod, 30))
    status: so.Mapped[PayoutStatus] = so.mapped_column(str_enum(PayoutStatus, 30), default=PayoutStatus.PENDING,
                                                       index=True)
    transfer_group: so.Mapped[str] = so.mapped_column(sa.String(100))
    stripe_transfer_id: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    last_error: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    # Set (and committed) by the one run that sends the Stripe transfer, cleared with the outcome; a claim older
    # than transfers.CLAIM_SECONDS belongs to a run that died, and the sweep takes the payout again.
    claimed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    attempts: so.Mapped[int] = so.mapped_column(default=0, server_default="0")  # transfer attempts with an outcome
    last_attempt_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    # When Stripe confirmed the transfer, or when an admin recorded the bank transfer that paid it.
    paid_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # A payout the association paid by bank: the transfer's reference as the bank shows it, and who recorded it.
    bank_reference: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    paid_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    # Times a failed Stripe transfer was sent again by a market admin: each resend is a new Stripe request.
    resends: so.Mapped[int] = so.mapped_column(default=0, server_default="0")

    lines: so.Mapped[list["PayoutLine"]] = so.relationship(cascade="all, delete-orphan", order_by="PayoutLine.id")


class PayoutLine(db.Model):
    """One settled sale. The unique payment/stall-order keys make paying a sale out twice impossible."""

    __tablename__ = "payout_lines"
    __table_args__ = (sa.CheckConstraint("net = gross - refunds - commission - delivery_fee", name="net_adds_up"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    payout_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("payouts.id", ondelete="CASCADE"), index=True)
    stall_order_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("stall_orders.id"), unique=True)
    quick_pay_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("quick_pay_requests.id"), unique=True)
    sold_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    gross: so.Mapped[int]
    refunds: so.Mapped[int]
    commission: so.Mapped[int]
    delivery_fee: so.Mapped[int] = so.mapped_column(default=0)  # the sale's share of its free delivery's fee
    net: so.Mapped[int]
    commission_bps: so.Mapped[int]  # the rate snapshotted when the sale was made


class LedgerKind(enum.StrEnum):
    SALE = "sale"  # a stall order paid online
    IN_PERSON_SALE = "in_person_sale"  # a quick pay paid at the stall
    REFUND = "refund"  # money going back (or, with a negative refund, a refund Stripe finally refused)
    DELIVERY_FEE_SHARE = "delivery_fee_share"  # the sale's share of a free delivery's fee, when the stalls pay it


SALE_KINDS = (LedgerKind.SALE, LedgerKind.IN_PERSON_SALE)


class LedgerEntry(db.Model):
    """One money event of one stall, on the market's local day, never changed afterwards (except settleable_at).

    gross is the sale's amount (0 on refunds), refund the amount given back (0 on sales; negative when a refund
    that had been counted failed for good). commission is signed: the sale's commission at the rate snapshotted
    at the sale (commission_bps), and on each refund row what that refund gives back, so that the rows of one
    sale always add up to commission_on(gross - refunds, commission_bps), rounded down once per sale.
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        sa.CheckConstraint("gross >= 0", name="gross_not_negative"),
        sa.Index("ix_ledger_entries_market_day", "market_id", "local_date", "stall_id"),
        sa.Index("ix_ledger_entries_stall_day", "stall_id", "local_date",
                 postgresql_include=["kind", "gross", "refund", "commission", "delivery_fee", "sale_id"]),
        sa.Index("ix_ledger_entries_shopper", "market_id", "user_id", "local_date"),
        # The market's shoppers by day without reading the table (one row per order has order_count 1).
        sa.Index("ix_ledger_entries_market_orders", "market_id", "order_count", "local_date",
                 postgresql_include=["user_id", "shopper_since"]),
        sa.Index("ix_ledger_entries_settleable", "market_id", "settleable_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[LedgerKind] = so.mapped_column(str_enum(LedgerKind, 20))
    # What the row records, once: "stall_order:12", "quick_pay:3", "refund:7", "refund_failed:7".
    source: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    market_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("markets.id"))
    stall_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stalls.id"))
    local_date: so.Mapped[date]  # the market's local day of the event, computed in Python when written
    occurred_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    gross: so.Mapped[int] = so.mapped_column(default=0)
    refund: so.Mapped[int] = so.mapped_column(default=0)
    commission: so.Mapped[int] = so.mapped_column(default=0)
    # What the stall pays toward a free delivery of this sale's order (delivery_fee_share rows only).
    delivery_fee: so.Mapped[int] = so.mapped_column(default=0)
    commission_bps: so.Mapped[int]
    sale_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("ledger_entries.id"), index=True)
    order_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("orders.id"))
    stall_order_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("stall_orders.id"), index=True)
    quick_pay_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("quick_pay_requests.id"), index=True)
    refund_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("refunds.id"))
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))  # the shopper, when known
    # The local day of this shopper's first paid order at this market (returning shoppers without a scan).
    shopper_since: so.Mapped[date | None]
    # 1 on exactly one sale row of each online order: paid orders are counted by a sum, not a distinct count.
    order_count: so.Mapped[int] = so.mapped_column(default=0)
    live_session_id: so.Mapped[int | None]
    live_gross: so.Mapped[int] = so.mapped_column(default=0)  # the part of gross sold at a live session's price
    category: so.Mapped[str] = so.mapped_column(sa.String(30))  # the stall's category at the sale
    fulfillment: so.Mapped[str | None] = so.mapped_column(sa.String(20))  # pickup, delivery; None in person
    # When the sale may be paid out: handed over at the desk (pickup orders), delivered (delivery orders: a sale
    # whose delivery fails is refunded, not paid out) or paid (in person); None until then.
    settleable_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    lines: so.Mapped[list["LedgerLine"]] = so.relationship(cascade="all, delete-orphan", order_by="LedgerLine.id")


class LedgerLine(db.Model):
    """A product line of an online sale, for the sales report and the product-day rollup; commission is the sale's
    commission shared out over its lines (largest remainder), so the lines add up to the sale."""

    __tablename__ = "ledger_lines"
    __table_args__ = (
        sa.Index("ix_ledger_lines_stall_day", "stall_id", "local_date",
                 postgresql_include=["product_id", "quantity", "gross"]),
        sa.Index("ix_ledger_lines_market_day", "market_id", "local_date"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    entry_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("ledger_entries.id", ondelete="CASCADE"), index=True)
    market_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("markets.id"))
    stall_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stalls.id"))
    local_date: so.Mapped[date]
    order_item_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("order_items.id"), unique=True)
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id"))
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    unit_price: so.Mapped[int]
    quantity: so.Mapped[int]
    gross: so.Mapped[int]
    commission: so.Mapped[int]
    live_session_id: so.Mapped[int | None]


class LedgerDay(db.Model):
    """The ledger added up per market, stall, local day, category and live session (0: none), kept in step by
    an upsert with every ledger row, so dashboards read a few thousand rows for a year, not every sale."""

    __tablename__ = "ledger_days"
    __table_args__ = (sa.Index("ix_ledger_days_stall_day", "stall_id", "local_date"),)

    market_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("markets.id"), primary_key=True)
    local_date: so.Mapped[date] = so.mapped_column(primary_key=True)
    stall_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stalls.id"), primary_key=True)
    category: so.Mapped[str] = so.mapped_column(sa.String(30), primary_key=True)
    live_session_id: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=False)
    online_gross: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    in_person_gross: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    in_person_count: so.Mapped[int] = so.mapped_column(default=0)
    stall_orders: so.Mapped[int] = so.mapped_column(default=0)
    refunds: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    commission: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    orders: so.Mapped[int] = so.mapped_column(default=0)
    live_gross: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
    live_orders: so.Mapped[int] = so.mapped_column(default=0)
    delivery_fees: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)


class LedgerProductDay(db.Model):
    """The ledger's product lines added up per stall, local day and product, kept in step with every sale (an
    upsert), so a stall's top products over a year are a few thousand rows, not every line it sold."""

    __tablename__ = "ledger_product_days"

    stall_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stalls.id"), primary_key=True)
    local_date: so.Mapped[date] = so.mapped_column(primary_key=True)
    product_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("products.id"), primary_key=True)
    market_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("markets.id"))
    quantity: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    gross: so.Mapped[int] = so.mapped_column(sa.BigInteger)


DAY_FIGURES = ("online_gross", "in_person_gross", "in_person_count", "stall_orders", "refunds", "commission", "orders",
               "live_gross", "live_orders", "delivery_fees")
