"""Input fields with the limits the database has: string lengths taken from the model's own columns, ids that fit
PostgreSQL's integer, coordinates that cannot underflow, days a timezone can hold, booleans that are booleans."""

import unicodedata
from datetime import UTC, date, datetime

from marshmallow import fields, validate
from sqlalchemy.orm import InstrumentedAttribute

# PostgreSQL `integer` (int4) ids: anything larger is no row of ours, and would overflow the query's parameter.
MAX_ID = 2**31 - 1
# Business days the platform can hold: past the year 9999 (or before year 1) a local day plus a timezone
# offset overflows Python's datetime; nothing on this platform happened before 2000 or will after 2100.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
FIRST_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)
LAST_MOMENT = datetime(2100, 12, 31, 23, 59, 59, tzinfo=UTC)
# Seven decimals of a degree are about 1 cm: finer input is noise, and 1e-200 squared underflows PostgreSQL.
COORDINATE_DECIMALS = 7


def normalize_email(email: str) -> str:
    """One spelling per address, everywhere it is stored or compared: NFKC (full-width letters become ASCII),
    case-folded ("Straße" matches "STRASSE"), no surrounding spaces."""
    return unicodedata.normalize("NFKC", email).strip().casefold()


class EmailAddress(fields.Email):
    """An email, normalized before it is validated and loaded."""

    def _deserialize(self, value, attr, data, **kwargs):
        return normalize_email(super()._deserialize(value, attr, data, **kwargs))


def column_length(column: InstrumentedAttribute) -> int:
    """The VARCHAR length of a model column (Market.slug -> 60): the schema can never accept what it cannot hold."""
    length = column.property.columns[0].type.length
    if length is None:
        raise TypeError(f"{column} has no length; give the schema its own limit")
    return length


def string(limit: int | InstrumentedAttribute, min_length: int = 0, *, extra=(), **kwargs) -> fields.String:
    """A string of at most `limit` characters (a number, or a model column whose length is the limit)."""
    maximum = limit if isinstance(limit, int) else column_length(limit)
    return fields.String(validate=[validate.Length(min_length or None, maximum), *extra], **kwargs)


def identifier(*, strict: bool = True, **kwargs) -> fields.Integer:
    """A row id: 1..2^31-1. Strict (JSON numbers only) in bodies; query strings pass strict=False."""
    return fields.Integer(strict=strict, validate=validate.Range(1, MAX_ID), **kwargs)


class Coordinate(fields.Float):
    """Degrees, rounded to about a centimetre."""

    def __init__(self, limit: float, **kwargs):
        super().__init__(validate=validate.Range(-limit, limit), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        number = super()._deserialize(value, attr, data, **kwargs)
        return round(number, COORDINATE_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def latitude(**kwargs) -> Coordinate:
    return Coordinate(90, **kwargs)


def longitude(**kwargs) -> Coordinate:
    return Coordinate(180, **kwargs)


# The years above as a pattern in the document of a day, so clients (and the fuzzer) know them: 2000-2099, 2100.
_YEARS = r"^(20[0-9]{2}|2100)-"


def _documented_years(kwargs: dict) -> dict:
    return kwargs | {"metadata": {"pattern": _YEARS, **kwargs.get("metadata", {})}}


def day(**kwargs) -> fields.Date:
    return fields.Date(validate=validate.Range(FIRST_DAY, LAST_DAY), **_documented_years(kwargs))


def moment(**kwargs) -> fields.AwareDateTime:
    # No pattern here: with the date-time format it leaves generators too few strings to draw (the fuzzer gives up).
    return fields.AwareDateTime(validate=validate.Range(FIRST_MOMENT, LAST_MOMENT), **kwargs)


class Boolean(fields.Boolean):
    """JSON true or false only: 0, 1, "yes" and "true" are refused (marshmallow would take them all)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is True or value is False:
            return value
        raise self.make_error("invalid", input=value)


class QueryBoolean(fields.Boolean):
    """A query parameter: exactly "true" or "false", as the OpenAPI document says."""

    def __init__(self, **kwargs):
        super().__init__(truthy={"true"}, falsy={"false"}, **kwargs)
