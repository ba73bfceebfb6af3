"""Schema base classes: unknown fields are refused, ids and timestamps are read-only."""

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from market_app.core.fields import day

NUL_MESSAGE = "Must not contain NUL characters."


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


def _is_nested(field: fields.Field) -> bool:
    return isinstance(field, fields.Nested) or isinstance(getattr(field, "inner", None), fields.Nested)


class BaseSchema(Schema):
    """Unknown fields are refused, and so is a NUL character in any string (PostgreSQL text cannot hold one)."""

    class Meta:
        unknown = RAISE
        ordered = True

    @pre_load
    def _refuse_nul(self, data, **_kwargs):
        if not hasattr(data, "keys"):
            return data  # not an object: marshmallow refuses it as the wrong type
        wrong = {}
        for name, field in self.load_fields.items():
            key = field.data_key or name
            # Nested schemas check their own fields, so the error names the inner field.
            if key in data and not _is_nested(field) and _has_nul(data[key]):
                wrong[key] = [NUL_MESSAGE]
        if wrong:
            raise ValidationError(wrong)
        return data


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

    from_ = day(data_key="from", metadata={"description": "First local day (market timezone)"})
    to = day(metadata={"description": "Last local day, inclusive"})

    @validates_schema
    def _ordered_dates(self, data: dict, **_kwargs) -> None:
        if "from_" in data and "to" in data:
            if data["from_"] > data["to"]:
                raise ValidationError("'to' is before 'from'.", "to")
            if (data["to"] - data["from_"]).days >= self.max_days:
                raise ValidationError(f"At most {self.max_days} days at a time.", "to")
