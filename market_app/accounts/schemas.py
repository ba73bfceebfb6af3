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
