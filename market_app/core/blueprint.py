"""The project's Blueprint: page size defaults and a one-line way to document error responses."""

from http import HTTPStatus

import flask_smorest
from flask_smorest.pagination import PaginationMetadataSchema
from marshmallow import Schema
from webargs.flaskparser import FlaskParser


class SchemaReusingParser(FlaskParser):
    """flask-smorest parses the page arguments with a schema class, which webargs instantiates on every request
    (deep-copying its fields); one instance per class does the same work (schemas keep no state between loads)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._schemas: dict[type, Schema] = {}

    def _get_schema(self, argmap, req):
        if isinstance(argmap, type) and issubclass(argmap, Schema):
            if argmap not in self._schemas:
                self._schemas[argmap] = super()._get_schema(argmap, req)
            return self._schemas[argmap]
        return super()._get_schema(argmap, req)


_pagination_metadata_schema = PaginationMetadataSchema()


class Blueprint(flask_smorest.Blueprint):
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": 100}
    PAGINATION_ARGUMENTS_PARSER = SchemaReusingParser()

    def errors(self, *status_codes: int):
        """Document the error responses a route can give (they all use the Error schema)."""

        def decorator(view):
            for code in status_codes:
                view = self.alt_response(code, response=HTTPStatus(code).name)(view)
            return view

        return decorator

    @staticmethod
    def _make_pagination_metadata(page, page_size, item_count):
        """flask-smorest's X-Pagination content, dumped by one schema instance instead of a new one per request."""
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
        return _pagination_metadata_schema.dump(metadata)
