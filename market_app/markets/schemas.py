"""Request and response schemas for markets, members and stalls."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from market_app.accounts.schemas import UserSchema
from market_app.core.hours import HoursError, validate_hours
from market_app.core.schemas import BaseSchema
from market_app.markets.models import STALL_CATEGORIES, MemberRole, StallStatus


def _check_hours(value: dict | None) -> None:
    if value is None:
        return
    try:
        validate_hours(value)
    except HoursError as error:
        raise ValidationError(str(error)) from error


def hours_field(**kwargs) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(), values=fields.String(allow_none=True), allow_none=True, validate=_check_hours,
        metadata={"description": 'Local opening hours, e.g. {"mon": "09:00-21:00", "sun": null}; '
                                 '"18:00-02:00" runs past midnight; several ranges joined by commas.'},
        **kwargs,
    )


class MarketSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 100))
    slug = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$",
                                                                 error="lower-case letters, digits and dashes"))
    region = fields.String(required=True, validate=validate.Length(1, 60))
    address = fields.String(required=True, validate=validate.Length(1, 255))
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))
    lng = fields.Float(required=True, validate=validate.Range(-180, 180))
    timezone = fields.String(load_default="Asia/Seoul")
    currency = fields.String(dump_only=True)
    commission_bps = fields.Integer(strict=True, load_default=0, validate=validate.Range(0, 3000),
                                    metadata={"description": "Platform/association commission in basis points "
                                                             "(100 = 1%), at most 30%"})
    hours = hours_field(load_default=None)
    map_width = fields.Integer(strict=True, load_default=100, validate=validate.Range(1, 10000))
    map_height = fields.Integer(strict=True, load_default=100, validate=validate.Range(1, 10000))
    distance_km = fields.Float(dump_only=True, metadata={"description": "km from lat/lng; null unless they were given"})

    @validates("timezone")
    def _known_timezone(self, value: str, **_kwargs) -> None:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValidationError("Unknown IANA timezone.") from error


class MarketUpdateSchema(MarketSchema):
    """Partial update: only the fields sent change."""


class MarketQueryArgsSchema(BaseSchema):
    q = fields.String(validate=validate.Length(1, 100), metadata={"description": "Name contains"})
    region = fields.String(validate=validate.Length(1, 60))
    lat = fields.Float(validate=validate.Range(-90, 90))
    lng = fields.Float(validate=validate.Range(-180, 180))

    @validates_schema
    def _both_coordinates(self, data: dict, **_kwargs) -> None:
        if ("lat" in data) != ("lng" in data):
            raise ValidationError("Give both lat and lng, or neither.", "lat" if "lat" not in data else "lng")


class MemberCreateSchema(BaseSchema):
    email = fields.Email(required=True)
    role = fields.Enum(MemberRole, by_value=True, required=True)


class MemberSchema(BaseSchema):
    id = fields.Integer()
    market_id = fields.Integer()
    user_id = fields.Integer()
    role = fields.Enum(MemberRole, by_value=True)
    email = fields.String(attribute="user.email")
    name = fields.String(attribute="user.name")


class StallSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    market_id = fields.Integer(dump_only=True)
    owner_id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 100))
    category = fields.String(required=True, validate=validate.OneOf(STALL_CATEGORIES))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    phone = fields.String(load_default=None, allow_none=True,
                          validate=validate.Regexp(r"^0\d{1,2}-?\d{3,4}-?\d{4}$", error="a Korean phone number"))
    aisle = fields.String(load_default=None, allow_none=True,
                          validate=validate.Regexp(r"^[A-Z]{1,3}-\d{1,4}$", error="an aisle code such as B-12"))
    hours = hours_field(load_default=None)
    x = fields.Integer(strict=True, attribute="map_x", load_default=None, allow_none=True,
                       validate=validate.Range(0, 10000))
    y = fields.Integer(strict=True, attribute="map_y", load_default=None, allow_none=True,
                       validate=validate.Range(0, 10000))
    has_payout_account = fields.Boolean(dump_only=True, metadata={
        "description": "Payouts go to a Stripe connected account (set by the platform admin); else by bank"})
    status = fields.Enum(StallStatus, by_value=True, dump_only=True)
    status_reason = fields.String(dump_only=True)
    open_now = fields.Boolean(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class StallUpdateSchema(StallSchema):
    """Partial update: only the fields sent change."""


class StallQueryArgsSchema(BaseSchema):
    category = fields.String(validate=validate.OneOf(STALL_CATEGORIES))
    q = fields.String(validate=validate.Length(1, 100))
    open_now = fields.Boolean()
    status = fields.Enum(StallStatus, by_value=True,
                         metadata={"description": "Market admins only; the public always sees active stalls"})


class StallStatusChangeSchema(BaseSchema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255))


class MapStallSchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    category = fields.String()
    aisle = fields.String()
    x = fields.Integer(attribute="map_x")
    y = fields.Integer(attribute="map_y")
    open_now = fields.Boolean()


class MarketMapSchema(BaseSchema):
    market_id = fields.Integer()
    name = fields.String()
    width = fields.Integer()
    height = fields.Integer()
    stalls = fields.List(fields.Nested(MapStallSchema))


class MembershipSummarySchema(BaseSchema):
    market_id = fields.Integer()
    market_name = fields.String(attribute="market.name")
    role = fields.String()


class OwnedStallSchema(BaseSchema):
    id = fields.Integer()
    market_id = fields.Integer()
    name = fields.String()
    status = fields.String()


class MeSchema(UserSchema):
    is_platform_admin = fields.Boolean()
    memberships = fields.List(fields.Nested(MembershipSummarySchema))
    stalls = fields.List(fields.Nested(OwnedStallSchema))


class PayoutAccountChangeSchema(BaseSchema):
    actor_id = fields.Integer()
    old_account_id = fields.String(allow_none=True)
    new_account_id = fields.String(allow_none=True)
    created_at = fields.DateTime()


class PayoutAccountSchema(BaseSchema):
    stall_id = fields.Integer(dump_only=True)
    stripe_account_id = fields.String(required=True, allow_none=True,
                                      validate=validate.Regexp(r"^acct_[A-Za-z0-9]{1,59}$",
                                                               error="a Stripe connected account id (acct_...)"),
                                      metadata={"description": "null: pay the stall by bank transfer"})
    changes = fields.List(fields.Nested(PayoutAccountChangeSchema), dump_only=True)
