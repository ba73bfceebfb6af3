"""Account schemas; passwords are load-only."""

from marshmallow import ValidationError, fields, validate, validates_schema

from market_app.accounts.models import User
from market_app.accounts.passwords import MIN_LENGTH, password_problem
from market_app.core.fields import EmailAddress, column_length, string
from market_app.core.schemas import BaseSchema

MAX_PASSWORD = 128  # long passphrases welcome (NIST SP 800-63B asks for at least 64)


class RegisterSchema(BaseSchema):
    email = EmailAddress(required=True, validate=validate.Length(max=column_length(User.email)))
    password = string(MAX_PASSWORD, MIN_LENGTH, required=True, load_only=True,
                      metadata={"description": "At least 8 characters; not the email, not a common password"})
    name = string(User.name, 1, required=True)

    @validates_schema
    def _acceptable_password(self, data: dict, **_kwargs) -> None:
        if "password" in data and "email" in data:
            problem = password_problem(data["password"], data["email"])
            if problem:
                raise ValidationError(problem, "password")


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
