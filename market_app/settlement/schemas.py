"""Payout run and payout schemas."""

from marshmallow import fields, validate

from market_app.core.fields import day, string
from market_app.core.schemas import BaseSchema, DateRangeSchema
from market_app.settlement.models import Payout


class PeriodSchema(DateRangeSchema):
    """A payout period: both days required."""

    max_days = 93

    from_ = day(required=True, data_key="from", metadata={"description": "First local day"})
    to = day(required=True, metadata={"description": "Last local day, inclusive"})


class PayoutLineSchema(BaseSchema):
    stall_order_id = fields.Integer(allow_none=True)
    quick_pay_id = fields.Integer(allow_none=True)
    sold_at = fields.DateTime()
    gross = fields.Integer()
    refunds = fields.Integer()
    commission = fields.Integer()
    delivery_fee = fields.Integer(metadata={"description": "The sale's share of a free delivery the stalls pay"})
    net = fields.Integer()
    commission_bps = fields.Integer(metadata={"description": "The commission rate snapshotted at the sale"})


class PayoutSchema(BaseSchema):
    id = fields.Integer()
    market_id = fields.Integer()
    stall_id = fields.Integer()
    period_start = fields.Date()
    period_end = fields.Date()
    gross = fields.Integer()
    refunds = fields.Integer()
    commission = fields.Integer()
    commission_bps = fields.Integer()
    delivery_fees = fields.Integer()
    net = fields.Integer()
    method = fields.String()
    status = fields.String()
    transfer_group = fields.String()
    stripe_transfer_id = fields.String(allow_none=True)
    last_error = fields.String(allow_none=True)
    attempts = fields.Integer(metadata={"description": "Stripe transfer attempts so far (pending: retried)"})
    last_attempt_at = fields.DateTime(allow_none=True)
    resends = fields.Integer(metadata={"description": "Times a market admin sent a failed Stripe transfer again"})
    paid_at = fields.DateTime(allow_none=True, metadata={"description": "When Stripe confirmed the transfer, or "
                                                                       "when the bank transfer was recorded"})
    bank_reference = fields.String(allow_none=True, metadata={"description": "Paid by bank: the transfer's "
                                                                             "reference"})
    paid_by_id = fields.Integer(allow_none=True, metadata={"description": "Paid by bank: who recorded it"})
    created_at = fields.DateTime()
    lines = fields.List(fields.Nested(PayoutLineSchema))


class BankTransferSchema(BaseSchema):
    reference = string(Payout.bank_reference, 1, required=True, extra=[
        validate.Regexp(r"(?s).*\S", error="Give the bank transfer's reference (not only spaces).")],
        metadata={"description": "The bank transfer's reference as the bank shows it (이체 메모 or 거래번호)"})
