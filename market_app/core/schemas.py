"""Schema base classes: unknown fields are refused, ids and timestamps are read-only."""

import functools
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import orjson
import sqlalchemy as sa
from marshmallow import RAISE, Schema, ValidationError, fields, missing, pre_load, validate, validates_schema
from marshmallow.decorators import POST_DUMP, PRE_DUMP

from market_app.core.db import json_text
from market_app.core.fields import day

NUL_MESSAGE = "Must not contain NUL characters."
SURROGATE_MESSAGE = "Must be valid Unicode text: a JSON \\u escape of half a surrogate pair is not a character."


def _unstorable(value) -> str | None:
    """Why a database cannot store this string (or one inside it), or None: a NUL (PostgreSQL text cannot hold
    one), or a lone surrogate, which JSON's \\ud800 escapes can make and no UTF-8 database can encode. Walked with a
    stack, not by recursion: a client's value can nest as deep as the JSON parser allows."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return NUL_MESSAGE
            if not item.isascii():
                try:
                    item.encode()
                except UnicodeEncodeError:
                    return SURROGATE_MESSAGE
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return None


def _is_nested(field: fields.Field) -> bool:
    return isinstance(field, fields.Nested) or isinstance(getattr(field, "inner", None), fields.Nested)


class Dumped(list):
    """Items already in their JSON shape (made by row_dumper from the same schema): dump passes them through."""


class DumpedObject(dict):
    """One object already in its JSON shape: dump passes it through."""


class BaseSchema(Schema):
    """Unknown fields are refused, and so is a string no database can store (a NUL, a lone surrogate)."""

    class Meta:
        unknown = RAISE
        ordered = True

    def dump(self, obj: Any, *, many: bool | None = None):
        if isinstance(obj, Dumped):
            return list(obj)
        if isinstance(obj, DumpedObject):
            return dict(obj)
        return super().dump(obj, many=many)

    @pre_load
    def _refuse_unstorable(self, data, **_kwargs):
        if not hasattr(data, "keys"):
            return data  # not an object: marshmallow refuses it as the wrong type
        wrong = {}
        for name, field in self.load_fields.items():
            key = field.data_key or name
            # Nested schemas check their own fields, so the error names the inner field.
            if key in data and not _is_nested(field) and (why := _unstorable(data[key])):
                wrong[key] = [why]
        if wrong:
            raise ValidationError(wrong)
        return data


def _plain(convert: Callable) -> Callable:
    return lambda value: None if value is None else convert(value)


def _converter(field: fields.Field, attribute: str) -> Callable:
    """What marshmallow's field does to a value when dumping, for the plain kinds of field; others ask the field."""
    kind = _PLAIN_KINDS.get(type(field))  # exact types: a custom field keeps its own way of dumping
    if kind is not None and not getattr(field, "as_string", False):
        return _plain(kind)
    if type(field) is fields.Boolean:
        return as_dumped  # marshmallow 4 dumps a Boolean's value as it is
    if isinstance(field, fields.DateTime) and type(field) in (fields.DateTime, fields.AwareDateTime) \
            and field.format in (None, "iso"):
        return isoformat
    if type(field) is fields.Dict and all(inner is None or type(inner) is fields.String
                                         for inner in (field.key_field, field.value_field)):
        return _plain(lambda value: {str(k): None if v is None else str(v) for k, v in value.items()})
    if isinstance(field, fields.Enum) and field.by_value:
        return _plain(lambda value: value.value)

    def asked(value):
        return field.serialize(attribute, {attribute: value}, lambda obj, key, default: obj.get(key, default))

    if type(field) is fields.Nested:
        return _nested(field, asked)
    if type(field) is fields.List:
        each = _converter(field.inner, attribute)
        return _plain(lambda value: [each(item) for item in value])
    return asked


def _nested(field: fields.Nested, asked: Callable) -> Callable:
    """A nested schema of plain fields dumping mappings (a JSON column such as opening hours): its plan, applied to
    the keys the mapping has (marshmallow leaves missing keys out). Objects, and schemas with hooks, dump defaults
    or dotted attributes, are asked of marshmallow."""
    schema = field.schema
    plan = [(inner.data_key or name, inner.attribute or name, _converter(inner, inner.attribute or name))
            for name, inner in schema.dump_fields.items()]
    if schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP] or any(
            inner.dump_default is not missing or "." in attribute for inner, (_, attribute, _) in
            zip(schema.dump_fields.values(), plan, strict=True)):
        return asked

    many = schema.many or field.many

    def dump(value):
        if value is None:
            return None
        items = value if many else (value,)
        if not all(isinstance(item, Mapping) for item in items):
            return asked(value)
        dumped = [{key: convert(item[attribute]) for key, attribute, convert in plan if attribute in item}
                  for item in items]
        return dumped if many else dumped[0]

    return dump


_PLAIN_KINDS = {fields.Integer: int, fields.Float: float, fields.String: str, fields.Url: str, fields.Email: str}


_NOTHING: Mapping = MappingProxyType({})


class RowDumper:
    """Dumps one row exactly as schema.dump would dump an object with the same attributes, without marshmallow's
    per-object work: listings of hundreds of rows. row is a mapping from attribute names to values (a Core row's
    _mapping); the schema's computed attributes (open_now, sold_out...) come in a second mapping. The schema stays
    the one truth (and the OpenAPI document's); the listings' tests compare both dumps."""

    def __init__(self, schema: Schema, computed: tuple[str, ...] = (),
                 converters: Mapping[str, Callable] | None = None, json_text: tuple[str, ...] = ()):
        """converters replace the field's own dump for some attributes: a custom field that needs the whole object
        (a time shown in the row's market time zone: the caller computes the local time, the converter formats it),
        or a computed value the caller dumps itself (a nested list dumped by the nested schema's own row dumper).
        json_text names JSON columns the rows carry as their text (columns() selects them so): each distinct text
        is decoded and dumped once (opening hours: a few distinct values across a market's stalls)."""
        self.plan = []
        self.json_text = json_text
        converters = dict(converters or {})
        for name, field in schema.dump_fields.items():
            attribute = field.attribute or name
            if attribute in json_text:
                converters[attribute] = _from_json_text(_converter(field, attribute))
            convert = converters.get(attribute) or _converter(field, attribute)
            self.plan.append((field.data_key or name, attribute, convert, attribute in computed))
        self.attributes = [attribute for _, attribute, _, own in self.plan if not own]
        self._kinds = {attribute: _PLAIN_KINDS.get(type(field)) for name, field in schema.dump_fields.items()
                       if (attribute := field.attribute or name) not in converters
                       and not getattr(field, "as_string", False)}
        self._dump = self._compiled(repr)
        self._by_position: dict[tuple[str, ...], Callable[[Sequence, Mapping], dict]] = {}

    def _compiled(self, key_of: Callable[[str], object]) -> Callable[[Any, Mapping], dict]:
        """The plan as one generated function (as dataclasses and namedtuple make theirs): one dict display, no call
        per value whose type already is what the field dumps (an int for an Integer, a str for a String), the
        field's converter for the others. Same result as applying the plan value by value. key_of gives the
        row's subscript of an attribute (its name for a mapping, its position for a Core row)."""
        names = {}
        entries = []
        for n, (key, attribute, convert, own) in enumerate(self.plan):
            names[f"_c{n}"] = convert
            source = f"computed[{attribute!r}]" if own else f"row[{key_of(attribute)}]"
            kind = self._kinds.get(attribute)
            if convert is as_dumped:
                entries.append(f"{key!r}: {source}")
            elif kind is not None:
                names[f"_k{n}"] = kind
                entries.append(f"{key!r}: (_v if (_v := {source}).__class__ is _k{n} else _c{n}(_v))")
            else:
                entries.append(f"{key!r}: _c{n}({source})")
        code = "def dump(row, computed):\n    return {" + ", ".join(entries) + "}\n"
        exec(compile(code, f"<row dumper of {len(entries)} fields>", "exec"), names)  # noqa: S102 (our own source)
        return names["dump"]

    def columns(self, table, *extra) -> list:
        """The table's columns the schema shows (json_text ones as their text), then extra (what computed values
        are made from)."""
        return [json_text(table.c[attribute]) if attribute in self.json_text else table.c[attribute]
                for attribute in self.attributes if attribute in table.c] + list(extra)

    def __call__(self, row: Mapping, computed: Mapping = _NOTHING) -> dict:
        return self._dump(row, computed)

    def many(self, rows: Sequence[sa.Row], computed_of: Callable[[sa.Row], Mapping] | None = None) -> list[dict]:
        """The Core rows of one result (the same columns), read by position: no mapping built per row, and the
        function for the columns' layout made once."""
        if not rows:
            return []
        fields = rows[0]._fields
        dump = self._by_position.get(fields)
        if dump is None:
            dump = self._by_position[fields] = self._compiled(fields.index)
        if computed_of is None:
            return [dump(row, _NOTHING) for row in rows]
        return [dump(row, computed_of(row)) for row in rows]


def row_dumper(schema: Schema, computed: tuple[str, ...] = (),
               converters: Mapping[str, Callable] | None = None, json_text: tuple[str, ...] = ()) -> RowDumper:
    return RowDumper(schema, computed, converters, json_text)


def _from_json_text(convert: Callable) -> Callable[[str | None], Any]:
    """convert applied to the value a JSON text holds, once per distinct text. The dumped value is shared by every
    row with that text: it goes to the response's JSON as it is and is never changed."""
    @functools.lru_cache(maxsize=4096)
    def dump(text: str | None):
        return convert(None if text is None else orjson.loads(text))

    return dump


def isoformat(value):
    """A datetime as marshmallow's DateTime dumps it (ISO 8601), None as None: a converter for row_dumper."""
    return None if value is None else value.isoformat()


def as_dumped(value):
    """A computed value already in its JSON shape: a converter for row_dumper."""
    return value


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
