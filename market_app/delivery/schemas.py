"""Delivery settings, quote, slot, delivery, desk and pickup schemas."""

from datetime import UTC, date, datetime

from marshmallow import ValidationError, fields, validate, validates_schema

from market_app.core.fields import Boolean, QueryBoolean, day, identifier, latitude, longitude
from market_app.core.hours import HoursError, validate_hours
from market_app.core.schemas import MAX_WON, BaseSchema, won
from market_app.delivery.models import DeliveryStatus, FeePayer, PickupStatus
from market_app.markets.schemas import HoursSchema

MAX_ZONES = 10
MAX_CLOSED_DATES = 366


class StoredDate(fields.Date):
    """A date kept as an ISO string in a JSON column: loaded as a date, dumped as stored."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value if isinstance(value, str) else super()._serialize(value, attr, obj, **kwargs)


def _check_hours(value: dict) -> None:
    try:
        validate_hours(value)
    except HoursError as error:
        raise ValidationError(str(error)) from error


class ZoneSchema(BaseSchema):
    up_to_km = fields.Float(required=True, validate=validate.Range(min=0.1, max=50),
                            metadata={"description": "Outer radius of the ring, km from the market"})
    fee = won(required=True)


class DeliverySettingsSchema(BaseSchema):
    """PUT replaces the whole document; what is left out takes its default."""

    market_id = fields.Integer(dump_only=True)
    enabled = Boolean(required=True)
    zones = fields.List(fields.Nested(ZoneSchema), required=True, validate=validate.Length(max=MAX_ZONES),
                        metadata={"description": "Distance rings, ascending; beyond the last ring no delivery"})
    free_over = won(load_default=None, allow_none=True,
                    metadata={"description": "Subtotal from which delivery is free to the shopper; null: never"})
    min_order = won(load_default=0)
    slot_minutes = fields.Integer(strict=True, required=True, validate=validate.Range(10, 240))
    slot_capacity = fields.Integer(strict=True, required=True, validate=validate.Range(1, 1000),
                                   metadata={"description": "Deliveries one slot takes"})
    cutoff_minutes = fields.Integer(strict=True, load_default=30, validate=validate.Range(0, 1440), metadata={
        "description": "A slot stops taking orders this long before it starts (the desk plans the round)"})
    lead_minutes = fields.Integer(strict=True, load_default=60, validate=validate.Range(0, 2880), metadata={
        "description": "The stalls' preparation time: a slot must start at least this long after the order"})
    days_ahead = fields.Integer(strict=True, load_default=7, validate=validate.Range(1, 30),
                                metadata={"description": "Slots are offered for today and this many days in all"})
    hours = fields.Nested(HoursSchema, required=True, validate=_check_hours, metadata={
        "description": 'Local delivery hours per weekday, e.g. {"mon": "10:00-19:00", "sun": null}; the same form '
                       "as opening hours"})
    closed_dates = fields.List(StoredDate(), load_default=list, validate=validate.Length(max=MAX_CLOSED_DATES),
                               metadata={"description": "Local dates (holidays) without any slot"})
    free_delivery_paid_by = fields.Enum(FeePayer, by_value=True, load_default=FeePayer.MARKET, metadata={
        "description": "Who bears a free delivery's ring fee: the association, or the stalls pro rata"})
    version = fields.Integer(dump_only=True)
    updated_at = fields.DateTime(dump_only=True, allow_none=True)

    @validates_schema
    def _rings_ascending(self, data: dict, **_kwargs) -> None:
        zones = data.get("zones") or []
        for index in range(1, len(zones)):
            if zones[index]["up_to_km"] <= zones[index - 1]["up_to_km"]:
                raise ValidationError({str(index): {"up_to_km": ["Rings must be ascending by up_to_km."]}}, "zones")
        if data.get("enabled") and not zones:
            raise ValidationError("Delivery needs at least one ring.", "zones")
        dates = data.get("closed_dates") or []
        if len(set(dates)) != len(dates):
            raise ValidationError("A date is listed twice.", "closed_dates")


class QuoteArgsSchema(BaseSchema):
    lat = latitude(required=True)
    lng = longitude(required=True)
    subtotal = fields.Integer(load_default=0, validate=validate.Range(0, MAX_WON),
                              metadata={"description": "The basket's subtotal (won); 0 if left out"})


class SlotSchema(BaseSchema):
    start = fields.DateTime(metadata={"description": "ISO 8601 with the market's offset"})
    end = fields.DateTime()
    capacity = fields.Integer()
    remaining = fields.Integer()
    open = fields.Boolean(metadata={"description": "Still takes orders (before its cut-off and lead time)"})
    closes_at = fields.DateTime()


class QuoteSlotSchema(BaseSchema):
    start = fields.DateTime()
    end = fields.DateTime()
    remaining = fields.Integer()
    closes_at = fields.DateTime()


class QuoteSchema(BaseSchema):
    market_id = fields.Integer()
    deliverable = fields.Boolean()
    reason = fields.String(allow_none=True, metadata={
        "description": "null, or why not: disabled, too_far, below_min_order, no_slots"})
    distance_km = fields.Float()
    fee = fields.Integer(allow_none=True, metadata={"description": "Charged for this subtotal; null beyond the rings"})
    zone_up_to_km = fields.Float(allow_none=True)
    free_over = fields.Integer(allow_none=True)
    remaining_for_free = fields.Integer(allow_none=True)
    min_order = fields.Integer()
    slots = fields.List(fields.Nested(QuoteSlotSchema), metadata={"description": "The next open slots with places"})


def _within_a_year(value: date | datetime) -> None:
    """Slots are planned days ahead, and read back for a while: a year either way is plenty."""
    day = value.date() if isinstance(value, datetime) else value
    if abs((day - datetime.now(UTC).date()).days) > 366:
        raise ValidationError("Must be within a year of today.")


class SlotsArgsSchema(BaseSchema):
    date = fields.Date(required=True, validate=_within_a_year,
                       metadata={"description": "A local date of the market (YYYY-MM-DD), within a year of today"})


class DeliveryEventSchema(BaseSchema):
    status = fields.String(attribute="to_status")
    from_status = fields.String(allow_none=True)
    at = fields.DateTime(attribute="created_at")
    actor_id = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)


class FeeShareSchema(BaseSchema):
    stall_order_id = fields.Integer()
    stall_id = fields.Integer()
    amount = fields.Integer()


class DeliverySchema(BaseSchema):
    id = fields.Integer()
    order_id = fields.Integer()
    market_id = fields.Integer()
    status = fields.Enum(DeliveryStatus, by_value=True)
    ready_for_pickup = fields.Boolean()
    slot_start = fields.DateTime(allow_none=True)
    slot_end = fields.DateTime(allow_none=True)
    courier_id = fields.Integer(allow_none=True)
    address = fields.String()
    lat = fields.Float()
    lng = fields.Float()
    fee = fields.Integer(metadata={"description": "What the shopper paid for delivery"})
    distance_km = fields.Float(allow_none=True)
    zone_up_to_km = fields.Float(allow_none=True)
    waived_fee = fields.Integer(metadata={"description": "The ring fee a free delivery did not charge"})
    waived_paid_by = fields.Enum(FeePayer, by_value=True, allow_none=True)
    fee_shares = fields.List(fields.Nested(FeeShareSchema), metadata={
        "description": "The stalls' shares of the waived fee (adding up to it); the desk's view only"})
    note = fields.String(allow_none=True)
    failure_reason = fields.String(allow_none=True)
    ready_at = fields.DateTime(allow_none=True)
    picked_up_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    failed_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    events = fields.List(fields.Nested(DeliveryEventSchema))


class DeliveryQueryArgsSchema(BaseSchema):
    status = fields.Enum(DeliveryStatus, by_value=True)
    date = day(metadata={"description": "The slot's local date"})
    courier_id = identifier(strict=False)
    ready = QueryBoolean(metadata={"description": "true: only those ready for pickup"})


class AssignSchema(BaseSchema):
    courier_id = identifier(required=True)


class DeliverSchema(BaseSchema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255))


class FailSchema(BaseSchema):
    reason = fields.String(required=True, validate=validate.Length(1, 255))


class ReslotSchema(BaseSchema):
    slot_start = fields.AwareDateTime(required=True, validate=_within_a_year)


class DeliveryCancelSchema(BaseSchema):
    reason = fields.String(required=True, validate=validate.Length(1, 255))


class PickListArgsSchema(BaseSchema):
    slot_start = fields.AwareDateTime(required=True, validate=_within_a_year,
                                      metadata={"description": "The slot's start, any offset"})


class PickItemSchema(BaseSchema):
    item_id = fields.Integer()
    product_id = fields.Integer()
    name = fields.String()
    unit = fields.String()
    quantity = fields.Integer()
    short = fields.Integer(metadata={"description": "Units the stall did not bring (refunded)"})


class PickStallOrderSchema(BaseSchema):
    stall_order_id = fields.Integer()
    order_id = fields.Integer()
    delivery_id = fields.Integer()
    status = fields.String()
    at_desk = fields.Boolean()
    items = fields.List(fields.Nested(PickItemSchema))


class PickStallSchema(BaseSchema):
    stall_id = fields.Integer()
    stall_name = fields.String()
    aisle = fields.String(allow_none=True)
    stall_orders = fields.List(fields.Nested(PickStallOrderSchema))


class PickDeliverySchema(BaseSchema):
    delivery_id = fields.Integer()
    order_id = fields.Integer()
    status = fields.String()
    ready_for_pickup = fields.Boolean()
    courier_id = fields.Integer(allow_none=True)


class PickListSchema(BaseSchema):
    market_id = fields.Integer()
    slot_start = fields.DateTime()
    slot_end = fields.DateTime(allow_none=True)
    deliveries = fields.List(fields.Nested(PickDeliverySchema))
    stalls = fields.List(fields.Nested(PickStallSchema))
    stall_orders = fields.Integer()
    at_desk = fields.Integer()


class ShortfallSchema(BaseSchema):
    item_id = identifier(required=True)
    missing = fields.Integer(strict=True, required=True, validate=validate.Range(1, 99))


class ReceiveSchema(BaseSchema):
    shortfalls = fields.List(fields.Nested(ShortfallSchema), load_default=list, validate=validate.Length(max=50),
                             metadata={"description": "Lines the stall brought fewer units of than ordered"})


class DeskItemSchema(PickItemSchema):
    unit_price = fields.Integer()


class ShortPickSchema(BaseSchema):
    item_id = fields.Integer()
    quantity = fields.Integer()
    amount = fields.Integer()
    refund_id = fields.Integer(allow_none=True)
    at = fields.DateTime()


class DeskStallOrderSchema(BaseSchema):
    id = fields.Integer()
    order_id = fields.Integer()
    stall_id = fields.Integer()
    stall_name = fields.String()
    status = fields.String()
    at_desk = fields.Boolean()
    subtotal = fields.Integer()
    short_amount = fields.Integer(metadata={"description": "Refunded for units the stall did not bring"})
    items = fields.List(fields.Nested(DeskItemSchema))
    short_picks = fields.List(fields.Nested(ShortPickSchema))


class PickupSchema(BaseSchema):
    id = fields.Integer()
    order_id = fields.Integer()
    market_id = fields.Integer()
    status = fields.Enum(PickupStatus, by_value=True)
    ready_at = fields.DateTime(allow_none=True)
    collected_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    events = fields.List(fields.Nested(DeliveryEventSchema))


class PickupQueryArgsSchema(BaseSchema):
    status = fields.Enum(PickupStatus, by_value=True)
