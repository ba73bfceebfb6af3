"""Account schemas; passwords are load-only."""

from marshmallow import fields, validate

from market_app.accounts.models import User
from market_app.core.fields import column_length, string
from market_app.core.schemas import BaseSchema

MIN_PASSWORD, MAX_PASSWORD = 8, 128  # NIST SP 800-63B: at least 8, and allow long passphrases


class RegisterSchema(BaseSchema):
    email = fields.Email(required=True, validate=validate.Length(max=column_length(User.email)))
    password = string(MAX_PASSWORD, MIN_PASSWORD, required=True, load_only=True,
                      metadata={"description": "At least 8 characters; not the email, not a common password"})
    name = string(User.name, 1, required=True)


class LoginSchema(BaseSchema):
    email = string(User.email, 1, required=True)
    password = string(MAX_PASSWORD, 1, required=True, load_only=True)


class TokenSchema(BaseSchema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer(metadata={"description": "Seconds until the token expires"})


class UserSchema(BaseSchema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    created_at = fields.DateTime()
