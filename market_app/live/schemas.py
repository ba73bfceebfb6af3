"""Live session schemas: times in with any offset, out in the market's local time with its offset."""

from zoneinfo import ZoneInfo

from marshmallow import ValidationError, fields, validate, validates_schema

from market_app.core.fields import Boolean, identifier, moment
from market_app.core.schemas import BaseSchema, DateRangeSchema, won
from market_app.live.models import LiveKind, LiveStatus
from market_app.live.services import MAX_DURATION

MAX_OFFERS = 20


def https_url(**kwargs) -> fields.String:
    return fields.String(validate=[validate.Length(max=500),
                                   validate.URL(schemes={"https"}, error="Must be an https:// URL.")], **kwargs)


class LocalDateTime(fields.DateTime):
    """A UTC time shown in the session's market timezone, e.g. 2026-11-26T19:00:00+09:00."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return super()._serialize(value.astimezone(ZoneInfo(obj.stall.market.timezone)), attr, obj, **kwargs)


class OfferInSchema(BaseSchema):
    product_id = identifier(required=True)
    live_price = won(minimum=1, required=True, metadata={"description": "Below the product's list price"})
    quantity_cap = fields.Integer(strict=True, required=True, validate=validate.Range(1, 10_000),
                                  metadata={"description": "Units sold at the live price in all"})
    per_shopper_limit = fields.Integer(strict=True, load_default=None, allow_none=True,
                                       validate=validate.Range(1, 99),
                                       metadata={"description": "Units one shopper may buy at the live price"})


class OfferSchema(BaseSchema):
    product_id = fields.Integer()
    name = fields.String(attribute="product.name")
    unit = fields.String(attribute="product.unit")
    list_price = fields.Integer(attribute="product.price")
    live_price = fields.Integer()
    quantity_cap = fields.Integer()
    per_shopper_limit = fields.Integer(allow_none=True)
    sold = fields.Integer(metadata={"description": "Units held at the live price by orders not closed"})
    remaining = fields.Integer()


class LiveSessionCreateSchema(BaseSchema):
    kind = fields.Enum(LiveKind, by_value=True, load_default=LiveKind.LIVE,
                       metadata={"description": "live: a broadcast; flash: a sale without a stream (마감세일)"})
    title = fields.String(required=True, validate=validate.Length(1, 100))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    starts_at = moment(required=True, metadata={"description": "ISO 8601 with an offset"})
    ends_at = moment(required=True, metadata={"description": "At most 4 hours after starts_at"})
    stream_url = https_url(load_default=None, allow_none=True)
    thumbnail_url = https_url(load_default=None, allow_none=True)
    auto_start = Boolean(load_default=False, metadata={
        "description": "Start by itself at starts_at (a flash sale always does)"})
    offers = fields.List(fields.Nested(OfferInSchema), load_default=list, validate=validate.Length(max=MAX_OFFERS))

    @validates_schema
    def _times_in_order(self, data: dict, **_kwargs) -> None:
        if "starts_at" in data and "ends_at" in data:
            if data["ends_at"] <= data["starts_at"]:
                raise ValidationError("Must be after starts_at.", "ends_at")
            if data["ends_at"] - data["starts_at"] > MAX_DURATION:
                raise ValidationError("A session lasts at most 4 hours.", "ends_at")


class LiveSessionUpdateSchema(LiveSessionCreateSchema):
    """Partial update of a scheduled session (offers, when given, replace the list); an ended one: replay_url."""

    replay_url = https_url(allow_none=True)


class LiveSessionSchema(BaseSchema):
    id = fields.Integer()
    stall_id = fields.Integer()
    stall_name = fields.String(attribute="stall.name")
    market_id = fields.Integer()
    kind = fields.Enum(LiveKind, by_value=True)
    title = fields.String()
    description = fields.String()
    starts_at = LocalDateTime()
    ends_at = LocalDateTime()
    timezone = fields.String(attribute="stall.market.timezone")
    stream_url = fields.String(allow_none=True)
    thumbnail_url = fields.String(allow_none=True)
    replay_url = fields.String(allow_none=True)
    auto_start = fields.Boolean()
    status = fields.Enum(LiveStatus, by_value=True)
    started_at = LocalDateTime(allow_none=True)
    ended_at = LocalDateTime(allow_none=True)
    cancelled_at = LocalDateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    offers = fields.List(fields.Nested(OfferSchema))
    subscribers = fields.Integer(attribute="subscriber_count")
    peak_viewers = fields.Integer()
    sequence = fields.Integer(metadata={"description": "Raised on every change of time or status (iCalendar)"})
    updated_at = fields.DateTime()


class ScheduleQueryArgsSchema(DateRangeSchema):
    status = fields.Enum(LiveStatus, by_value=True, metadata={"description": "Default: all but cancelled"})
    kind = fields.Enum(LiveKind, by_value=True)


class EndSchema(BaseSchema):
    replay_url = https_url(load_default=None, allow_none=True)


class LiveCancelSchema(BaseSchema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255))


class SubscriptionSchema(BaseSchema):
    live_session_id = fields.Integer()
    subscribed = fields.Boolean()
    subscribers = fields.Integer()


class FollowSchema(BaseSchema):
    stall_id = fields.Integer()
    following = fields.Boolean()
    followers = fields.Integer()


class HeartbeatSchema(BaseSchema):
    viewer_id = fields.String(load_default=None, allow_none=True, validate=[validate.Length(8, 64), validate.Regexp(
        r"^[A-Za-z0-9_-]{8,64}$", error="8-64 letters, digits, - or _ (a random id the player keeps).")],
        metadata={"description": "Anonymous viewers only: a random id the player keeps for the session"})


class ViewersSchema(BaseSchema):
    live_session_id = fields.Integer()
    viewers = fields.Integer(metadata={"description": "Distinct viewers seen in the last minute"})
    peak_viewers = fields.Integer()


class OfferStatsSchema(BaseSchema):
    product_id = fields.Integer()
    name = fields.String()
    live_price = fields.Integer()
    quantity_cap = fields.Integer()
    sold = fields.Integer()
    remaining = fields.Integer()
    orders = fields.Integer()
    units = fields.Integer()
    gross = fields.Integer()


class LiveEventSchema(BaseSchema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor_id = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    created_at = fields.DateTime()


class LiveStatsSchema(BaseSchema):
    live_session_id = fields.Integer()
    status = fields.Enum(LiveStatus, by_value=True)
    orders = fields.Integer(metadata={"description": "Paid orders with a line at the live price"})
    units = fields.Integer(metadata={"description": "Units sold at the live price (paid orders)"})
    gross = fields.Integer(metadata={"description": "Won of those lines at the live price"})
    list_gross = fields.Integer(metadata={"description": "What they would have cost at list prices"})
    savings = fields.Integer()
    pending_orders = fields.Integer(metadata={"description": "Orders at the live price not paid yet"})
    subscribers = fields.Integer()
    peak_viewers = fields.Integer()
    viewers = fields.Integer(metadata={"description": "Distinct viewers over the whole session"})
    orders_per_100_viewers = fields.Float(allow_none=True)
    offers = fields.List(fields.Nested(OfferStatsSchema))
    events = fields.List(fields.Nested(LiveEventSchema))
