"""The project's Blueprint: page size defaults, bounded pages, required bodies that are really required, public
operations marked as such, and a one-line way to document error responses."""

import functools
from http import HTTPStatus

import flask_smorest
import marshmallow as ma
from flask import request
from webargs.flaskparser import FlaskParser, abort

# Far past any real list: page * page_size stays a sane OFFSET on every database.
MAX_PAGE = 10_000

# X-Pagination is sent as a JSON string (flask-smorest json.dumps it): document it as the string it is.
PAGINATION_HEADER_DOC = {
    "description": "Pagination metadata, a JSON object serialized as a string: "
                   '{"total": 28, "total_pages": 2, "first_page": 1, "last_page": 2, "page": 1, "next_page": 2}',
    "schema": {"type": "string"},
}


class Parser(FlaskParser):
    """webargs' parser, but JSON nested past Python's recursion limit is a 400, not a RecursionError; and a schema
    given as a class (flask-smorest's page arguments) is instantiated once, not on every request (deep-copying its
    fields): schemas keep no state between loads."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._schemas: dict[type, ma.Schema] = {}

    def _get_schema(self, argmap, req):
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            if argmap not in self._schemas:
                self._schemas[argmap] = super()._get_schema(argmap, req)
            return self._schemas[argmap]
        return super()._get_schema(argmap, req)

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            abort(400, messages={"json": ["The JSON body is nested too deeply."]})


@functools.cache
def _bounded_page_schema(schema_class: type[ma.Schema]) -> type[ma.Schema]:
    """flask-smorest's pagination schema with an upper bound on page."""
    page = schema_class._declared_fields["page"]
    return type(schema_class.__name__, (schema_class,), {
        "page": ma.fields.Integer(load_default=page.load_default, validate=ma.validate.Range(1, MAX_PAGE)),
    })


class PageParser(Parser):
    def parse(self, argmap, *args, **kwargs):
        if isinstance(argmap, type) and "page" in getattr(argmap, "_declared_fields", {}):
            argmap = _bounded_page_schema(argmap)
        return super().parse(argmap, *args, **kwargs)


def _names_required_fields(schema) -> bool:
    schema = schema() if isinstance(schema, type) else schema
    return not schema.partial and any(field.required for field in schema.load_fields.values())


def require_json_body() -> None:
    if not request.get_data(cache=True):
        abort(422, messages={"json": {"_schema": ["A JSON request body is required."]}})


def _documentation_only(documented, view):
    """view with the documentation flask-smorest's doc and alt_response gave documented. They wrap a view in a
    function that only calls it, to carry the documentation: no call through them on every request."""
    view._apidoc = documented._apidoc
    return view


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()
    PAGINATION_ARGUMENTS_PARSER = PageParser()
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": 100}

    def arguments(self, schema, *, location="json", required=True, **kwargs):
        """As flask-smorest's, and a body documented as required is refused (422) when it is missing."""
        decorator = super().arguments(schema, location=location, required=required, **kwargs)
        if location != "json" or not required or _names_required_fields(schema):
            return decorator  # a schema with required fields already refuses a missing body, naming them

        def with_required_body(view):
            parsed = decorator(view)

            @functools.wraps(parsed)
            def checked(*args, **view_kwargs):
                require_json_body()
                return parsed(*args, **view_kwargs)

            return checked

        return with_required_body

    def _prepare_pagination_doc(self, doc, doc_info, *, spec, **kwargs):
        pagination = doc_info.get("pagination")
        if pagination:
            params = pagination["parameters"]
            params["schema"] = _bounded_page_schema(params["schema"])
        return super()._prepare_pagination_doc(doc, doc_info, spec=spec, **kwargs)

    def _document_pagination_metadata(self, spec, resp_doc):
        resp_doc.setdefault("headers", {})[self.PAGINATION_HEADER_NAME] = PAGINATION_HEADER_DOC

    def errors(self, *status_codes: int):
        """Document the error responses a route can give (they all use the Error schema)."""

        def decorator(view):
            documented = view
            for code in status_codes:
                documented = self.alt_response(code, response=HTTPStatus(code).name)(documented)
            return _documentation_only(documented, view)

        return decorator

    @staticmethod
    def _make_pagination_metadata(page, page_size, item_count):
        """flask-smorest's X-Pagination content: what its PaginationMetadataSchema dumps (whole numbers, in the
        schema's order), built as it is instead of dumped per request."""
        metadata = {"total": item_count}
        if item_count == 0:
            metadata["total_pages"] = 0
        else:
            last_page = (item_count - 1) // page_size + 1
            metadata |= {"total_pages": last_page, "first_page": 1, "last_page": last_page}
            if page <= last_page:
                metadata["page"] = page
                if page > 1:
                    metadata["previous_page"] = page - 1
                if page < last_page:
                    metadata["next_page"] = page + 1
        return metadata

    def public(self, view):
        """An operation anyone may call without a token (a token that is sent must still be valid: else 401)."""
        documented = self.alt_response(401, response="UNAUTHORIZED")(self.doc(security=[])(view))
        return _documentation_only(documented, view)

