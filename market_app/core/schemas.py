"""Schema base classes: unknown fields are refused, ids and timestamps are read-only."""

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema


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


class DateRangeSchema(BaseSchema):
    """from/to as local days (the market's timezone), 'to' inclusive."""

    max_days = 366

    from_ = fields.Date(data_key="from", metadata={"description": "First local day (market timezone)"})
    to = fields.Date(metadata={"description": "Last local day, inclusive"})

    @validates_schema
    def _ordered_dates(self, data: dict, **_kwargs) -> None:
        if "from_" in data and "to" in data:
            if data["from_"] > data["to"]:
                raise ValidationError("'to' is before 'from'.", "to")
            if (data["to"] - data["from_"]).days >= self.max_days:
                raise ValidationError(f"At most {self.max_days} days at a time.", "to")
