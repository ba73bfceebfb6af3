"""URL converters with the database's limits: an id in a path past PostgreSQL's integer, or a string with a NUL or
longer than any token, matches no route and is a plain 404 instead of an overflow in the query."""

from werkzeug.routing import IntegerConverter, UnicodeConverter, ValidationError

from market_app.core.fields import MAX_ID

MAX_PATH_STRING = 200


class IdConverter(IntegerConverter):
    """<int:...> in routes: 1..2^31-1."""

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class PathStringConverter(UnicodeConverter):
    """<string:...> in routes: at most 200 characters, never a NUL."""

    def __init__(self, map, minlength=1, maxlength=MAX_PATH_STRING, length=None):  # noqa: A002
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)

    def to_python(self, value: str) -> str:
        if "\x00" in value:
            raise ValidationError()
        return value


def install(url_map) -> None:
    """Before any route is added: rules bind their converters when they are created."""
    url_map.converters.update({"int": IdConverter, "string": PathStringConverter, "default": PathStringConverter})
