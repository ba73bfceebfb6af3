"""Payment, refund, quick-pay and payout schemas."""

from marshmallow import fields, validate

from market_app.core.schemas import BaseSchema, won


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
    refunds = fields.List(fields.Nested(RefundSchema))


class WebhookResultSchema(BaseSchema):
    received = fields.Boolean()
    result = fields.String(metadata={"description": "processed, unchanged, duplicate, ignored or unknown_payment"})


class RefundCreateSchema(BaseSchema):
    amount = won(minimum=1, required=True)
    reason = fields.String(required=True, validate=validate.Length(1, 255))
