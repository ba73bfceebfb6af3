"""Payment, refund and quick-pay schemas."""

from marshmallow import fields

from market_app.core.fields import string
from market_app.core.money import MIN_PAYMENT_WON
from market_app.core.schemas import BaseSchema, won
from market_app.payments.models import QuickPayRequest, Refund


class RefundSchema(BaseSchema):
    id = fields.Integer()
    stall_order_id = fields.Integer(allow_none=True)
    amount = fields.Integer()
    reason = fields.String()
    status = fields.String()
    stripe_refund_id = fields.String(allow_none=True)
    created_at = fields.DateTime()


class PaymentSchema(BaseSchema):
    id = fields.Integer()
    kind = fields.String()
    order_id = fields.Integer(allow_none=True)
    stall_id = fields.Integer(allow_none=True)
    status = fields.String()
    amount = fields.Integer()
    currency = fields.String()
    refunded_amount = fields.Integer()
    client_secret = fields.String()
    payment_intent_id = fields.String()
    last_error = fields.String(allow_none=True)
    succeeded_at = fields.DateTime(allow_none=True)
    flagged_at = fields.DateTime(allow_none=True)
    flag_reason = fields.String(allow_none=True, metadata={
        "description": "Why Stripe's report was not accepted (another amount or currency); the admins were told"})
    refunds = fields.List(fields.Nested(RefundSchema))


class WebhookResultSchema(BaseSchema):
    received = fields.Boolean()
    event_id = fields.String()
    result = fields.String(metadata={"description": "queued (stored, a job processes it) or duplicate (already "
                                                    "received: nothing more happens)"})


class RefundCreateSchema(BaseSchema):
    amount = won(minimum=1, required=True)
    reason = string(Refund.reason, 1, required=True)


class QuickPayCreateSchema(BaseSchema):
    amount = won(minimum=MIN_PAYMENT_WON, required=True,
                 metadata={"description": f"Won; Stripe needs at least {MIN_PAYMENT_WON} for KRW"})
    memo = string(QuickPayRequest.memo, load_default=None, allow_none=True)


class QuickPaySchema(BaseSchema):
    id = fields.Integer()
    token = fields.String()
    stall_id = fields.Integer()
    stall_name = fields.String()
    amount = fields.Integer()
    memo = fields.String(allow_none=True)
    status = fields.String()
    pay_url = fields.String(metadata={"description": "What the QR code encodes"})
    qr_png = fields.String(metadata={"description": "data: URI of a PNG QR code of pay_url"})
    client_secret = fields.String(metadata={"description": "For Stripe.js on the paying phone"})
    payment_intent_id = fields.String()
    paid_at = fields.DateTime(allow_none=True)
