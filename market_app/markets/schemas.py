"""Request and response schemas for markets, members and stalls."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from market_app.accounts.models import User
from market_app.accounts.schemas import UserSchema
from market_app.core.fields import (
    EmailAddress,
    QueryBoolean,
    column_length,
    latitude,
    longitude,
    string,
)
from market_app.core.hours import HoursError, validate_hours
from market_app.core.schemas import BaseSchema
from market_app.markets.models import STALL_CATEGORIES, Market, MemberRole, Stall, StallStatus

# One day's opening hours: up to four HH:MM-HH:MM ranges joined by commas.
_DAY_RANGES = r"^ *\d\d:\d\d-\d\d:\d\d *(, *\d\d:\d\d-\d\d:\d\d *){0,3}$"


def _check_hours(value: dict | None) -> None:
    if value is None:
        return
    try:
        validate_hours(value)
    except HoursError as error:
        raise ValidationError(str(error)) from error


def _day() -> fields.String:
    return string(60, allow_none=True, extra=[validate.Regexp(_DAY_RANGES, error="HH:MM-HH:MM, at most 4 ranges")])


class HoursSchema(BaseSchema):
    """The seven weekdays and nothing else; a day left out or null is closed."""

    mon, tue, wed, thu, fri, sat, sun = (_day() for _ in range(7))


def hours_field(**kwargs) -> fields.Nested:
    return fields.Nested(
        HoursSchema, allow_none=True, validate=_check_hours,
        metadata={"description": 'Local opening hours, e.g. {"mon": "09:00-21:00", "sun": null}; '
                                 '"18:00-02:00" runs past midnight; up to four ranges joined by commas.'},
        **kwargs,
    )


class MarketSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    name = string(Market.name, 1, required=True)
    slug = string(Market.slug, 1, required=True, extra=[validate.Regexp(
        r"^[a-z0-9]+(-[a-z0-9]+)*$", error="lower-case letters, digits and dashes")])
    region = string(Market.region, 1, required=True)
    address = string(Market.address, 1, required=True)
    lat = latitude(required=True)
    lng = longitude(required=True)
    timezone = string(Market.timezone, 1, load_default="Asia/Seoul")
    currency = fields.String(dump_only=True)
    commission_bps = fields.Integer(strict=True, load_default=0, validate=validate.Range(0, 3000),
                                    metadata={"description": "Platform/association commission in basis points "
                                                             "(100 = 1%), at most 30%"})
    hours = hours_field(load_default=None)
    map_width = fields.Integer(strict=True, load_default=100, validate=validate.Range(1, 10000))
    map_height = fields.Integer(strict=True, load_default=100, validate=validate.Range(1, 10000))
    distance_km = fields.Float(dump_only=True, allow_none=True,
                               metadata={"description": "km from lat/lng; null unless they were given"})

    @validates("timezone")
    def _known_timezone(self, value: str, **_kwargs) -> None:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as error:
            raise ValidationError("Unknown IANA timezone.") from error


class MarketUpdateSchema(MarketSchema):
    """Partial update: only the fields sent change."""


class MarketQueryArgsSchema(BaseSchema):
    q = string(Market.name, 1, metadata={"description": "Name contains"})
    region = string(Market.region, 1)
    lat = latitude()
    lng = longitude()

    @validates_schema
    def _both_coordinates(self, data: dict, **_kwargs) -> None:
        if ("lat" in data) != ("lng" in data):
            raise ValidationError("Give both lat and lng, or neither.", "lat" if "lat" not in data else "lng")


class MemberCreateSchema(BaseSchema):
    email = EmailAddress(required=True, validate=validate.Length(max=column_length(User.email)))
    role = fields.Enum(MemberRole, by_value=True, required=True,
                       metadata={"description": "admin: appointed by the platform admin only; courier: by the "
                                                "market's admins"})


class MemberRemoveArgsSchema(BaseSchema):
    role = fields.Enum(MemberRole, by_value=True, metadata={
        "description": "Remove only this role; without it every membership of the user in this market goes"})


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
    name = string(Stall.name, 1, required=True)
    category = fields.String(required=True, validate=validate.OneOf(STALL_CATEGORIES))
    description = string(2000, load_default="")
    phone = string(Stall.phone, load_default=None, allow_none=True, extra=[
        validate.Regexp(r"^0\d{1,2}-?\d{3,4}-?\d{4}$", error="a Korean phone number")])
    aisle = string(Stall.aisle, load_default=None, allow_none=True, extra=[
        validate.Regexp(r"^[A-Z]{1,3}-\d{1,4}$", error="an aisle code such as B-12")])
    hours = hours_field(load_default=None)
    x = fields.Integer(strict=True, attribute="map_x", load_default=None, allow_none=True,
                       validate=validate.Range(0, 10000))
    y = fields.Integer(strict=True, attribute="map_y", load_default=None, allow_none=True,
                       validate=validate.Range(0, 10000))
    has_payout_account = fields.Boolean(dump_only=True, metadata={
        "description": "Payouts go to a Stripe connected account (set by the platform admin); else by bank"})
    status = fields.Enum(StallStatus, by_value=True, dump_only=True)
    status_reason = fields.String(dump_only=True, allow_none=True)
    open_now = fields.Boolean(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class StallUpdateSchema(StallSchema):
    """Partial update: only the fields sent change."""


class StallQueryArgsSchema(BaseSchema):
    category = fields.String(validate=validate.OneOf(STALL_CATEGORIES))
    q = string(100, 1)
    open_now = QueryBoolean()
    status = fields.Enum(StallStatus, by_value=True,
                         metadata={"description": "Market admins only; the public always sees active stalls"})


class StallStatusChangeSchema(BaseSchema):
    reason = string(Stall.status_reason, load_default=None, allow_none=True)


class MapStallSchema(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    category = fields.String()
    aisle = fields.String(allow_none=True)
    x = fields.Integer(attribute="map_x", allow_none=True)
    y = fields.Integer(attribute="map_y", allow_none=True)
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
                                      validate=[validate.Length(max=column_length(Stall.stripe_account_id)),
                                                validate.Regexp(r"^acct_[A-Za-z0-9]{1,59}$",
                                                                error="a Stripe connected account id (acct_...)")],
                                      metadata={"description": "null: pay the stall by bank transfer"})
    changes = fields.List(fields.Nested(PayoutAccountChangeSchema), dump_only=True)
