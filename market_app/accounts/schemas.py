"""Account schemas; passwords are load-only."""

from marshmallow import fields, validate

from market_app.core.schemas import BaseSchema


class RegisterSchema(BaseSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(8, 128))
    name = fields.String(required=True, validate=validate.Length(1, 100))


class LoginSchema(BaseSchema):
    email = fields.String(required=True, validate=validate.Length(1, 254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(1, 128))


class TokenSchema(BaseSchema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer(metadata={"description": "Seconds until the token expires"})


class UserSchema(BaseSchema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    created_at = fields.DateTime()


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
