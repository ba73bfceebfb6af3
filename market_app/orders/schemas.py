"""Order, stall order and cart schemas."""

from marshmallow import ValidationError, fields, validate, validates_schema

from market_app.core.fields import Boolean, identifier, latitude, longitude, moment, string
from market_app.core.schemas import BaseSchema, DateRangeSchema
from market_app.orders.models import Fulfillment, Order, OrderStatus, StallOrder, StallOrderStatus

MAX_LINES = 50


class OrderLineInSchema(BaseSchema):
    product_id = identifier(required=True)
    quantity = fields.Integer(strict=True, required=True, validate=validate.Range(1, 99))


class DeliveryInSchema(BaseSchema):
    address = string(Order.delivery_address, 1, required=True)
    lat = latitude(required=True)
    lng = longitude(required=True)
    slot_start = moment(load_default=None, allow_none=True, metadata={
        "description": "Start of an open slot (GET /markets/{id}/delivery/slots); required for delivery"})


class OrderCreateSchema(BaseSchema):
    market_id = identifier(required=True)
    items = fields.List(fields.Nested(OrderLineInSchema), validate=validate.Length(1, MAX_LINES),
                        metadata={"description": "Leave out and set use_cart to check out the saved cart"})
    use_cart = Boolean(load_default=False)
    fulfillment = fields.Enum(Fulfillment, by_value=True, required=True)
    delivery = fields.Nested(DeliveryInSchema, load_default=None, allow_none=True)
    note = string(Order.note, load_default=None, allow_none=True)

    @validates_schema
    def _items_or_cart(self, data: dict, **_kwargs) -> None:
        if data.get("use_cart") and "items" in data:
            raise ValidationError("Send items or use_cart, not both.", "items")
        if not data.get("use_cart") and "items" not in data:
            raise ValidationError("Missing data for required field.", "items")
        if data.get("fulfillment") == Fulfillment.DELIVERY and not data.get("delivery"):
            raise ValidationError("Delivery needs an address with lat and lng.", "delivery")


class IdempotencyHeaderSchema(BaseSchema):
    idempotency_key = string(Order.idempotency_key, 1, required=True, data_key="Idempotency-Key",
                             metadata={"description": "A fresh key per order; a retry reuses it"})


class OrderItemSchema(BaseSchema):
    product_id = fields.Integer()
    name = fields.String()
    unit = fields.String()
    unit_price = fields.Integer()
    list_price = fields.Integer()
    quantity = fields.Integer()
    line_total = fields.Integer()
    live_session_id = fields.Integer(allow_none=True)


class StallOrderEventSchema(BaseSchema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    created_at = fields.DateTime()


class StallOrderSchema(BaseSchema):
    id = fields.Integer()
    order_id = fields.Integer()
    stall_id = fields.Integer()
    stall_name = fields.String(attribute="stall.name")
    status = fields.Enum(StallOrderStatus, by_value=True)
    subtotal = fields.Integer()
    reason = fields.String(allow_none=True)
    items = fields.List(fields.Nested(OrderItemSchema))


class MerchantStallOrderSchema(StallOrderSchema):
    """What a stall sees: its part, how it leaves the market, and its history."""

    fulfillment = fields.String(attribute="order.fulfillment")
    note = fields.String(attribute="order.note", allow_none=True)
    paid_at = fields.DateTime(attribute="order.paid_at")
    created_at = fields.DateTime()
    events = fields.List(fields.Nested(StallOrderEventSchema))


class PaymentSummarySchema(BaseSchema):
    id = fields.Integer()
    status = fields.String()
    amount = fields.Integer()
    currency = fields.String()
    client_secret = fields.String(metadata={"description": "Give to Stripe.js to confirm the payment"})
    payment_intent_id = fields.String()
    refunded_amount = fields.Integer()


class DeliveryOutSchema(BaseSchema):
    address = fields.String(attribute="delivery_address")
    lat = fields.Float(attribute="delivery_lat")
    lng = fields.Float(attribute="delivery_lng")
    slot_start = fields.DateTime(attribute="delivery_slot_start", allow_none=True)
    slot_end = fields.DateTime(attribute="delivery_slot_end", allow_none=True)
    distance_km = fields.Float(attribute="delivery_distance_km", allow_none=True,
                               metadata={"description": "Great-circle distance from the market the fee was set by"})
    zone_up_to_km = fields.Float(attribute="delivery_zone_km", allow_none=True,
                                 metadata={"description": "The delivery ring (its outer radius) the fee came from"})


class OrderSchema(BaseSchema):
    id = fields.Integer()
    market_id = fields.Integer()
    user_id = fields.Integer()
    status = fields.Enum(OrderStatus, by_value=True)
    partially_rejected = fields.Boolean()
    fulfillment = fields.String()
    subtotal = fields.Integer()
    delivery_fee = fields.Integer()
    discount = fields.Integer()
    total = fields.Integer()
    note = fields.String(allow_none=True)
    delivery = fields.Method("_delivery")
    delivery_id = fields.Integer(allow_none=True, metadata={"description": "null until the order is paid"})
    pickup_id = fields.Integer(allow_none=True, metadata={
        "description": "A pickup order's ticket at the market's desk; null until the order is paid"})
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    paid_at = fields.DateTime(allow_none=True)
    stall_orders = fields.List(fields.Nested(StallOrderSchema))
    payment = fields.Nested(PaymentSummarySchema, allow_none=True)

    def _delivery(self, order) -> dict | None:
        return DeliveryOutSchema().dump(order) if order.fulfillment == "delivery" else None


class OrderQueryArgsSchema(BaseSchema):
    status = fields.Enum(OrderStatus, by_value=True)


class MarketOrderQueryArgsSchema(OrderQueryArgsSchema, DateRangeSchema):
    stall_id = identifier(strict=False)


class StallOrderQueryArgsSchema(BaseSchema):
    status = fields.Enum(StallOrderStatus, by_value=True)


class RejectSchema(BaseSchema):
    reason = string(StallOrder.reason, 1, required=True)


class CartLineSchema(OrderItemSchema):
    """A cart line at today's price, with its stall and what (if anything) stops buying it."""

    stall_id = fields.Integer()
    stall_name = fields.String()
    problem = fields.String(allow_none=True, metadata={
        "description": "null, or why it cannot be bought now: unavailable, stall_closed, sold_out, not_enough_stock"})


class CartSchema(BaseSchema):
    market_id = fields.Integer()
    items = fields.List(fields.Nested(CartLineSchema))
    subtotal = fields.Integer(metadata={"description": "Lines that can be bought now"})
    delivery_available = fields.Boolean()
    delivery_fee = fields.Integer(metadata={"description": "The nearest ring's fee; the address may cost more"})
    total_with_delivery = fields.Integer()
    min_order_amount = fields.Integer()
    free_delivery_threshold = fields.Integer(allow_none=True)


class CartUpdateSchema(BaseSchema):
    items = fields.List(fields.Nested(OrderLineInSchema), required=True, validate=validate.Length(0, 100))
