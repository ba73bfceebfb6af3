"""Schema base classes: unknown fields are refused, ids and timestamps are read-only."""

from marshmallow import RAISE, Schema, fields, validate


class BaseSchema(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class ErrorSchema(Schema):
    """The one error body of the API."""

    code = fields.Integer(required=True, metadata={"description": "HTTP status code"})
    status = fields.String(required=True, metadata={"description": "HTTP status phrase"})
    message = fields.String(required=True)
    errors = fields.Dict(metadata={"description": "Wrong fields by location, e.g. {json: {price: [...]}}"})


# Money is integer won; ten million won caps a single price or amount.
MAX_WON = 10_000_000


def won(minimum: int = 0, **kwargs) -> fields.Integer:
    """An integer amount of won within [minimum, MAX_WON]; floats and strings are refused."""
    return fields.Integer(strict=True, validate=validate.Range(min=minimum, max=MAX_WON), **kwargs)
