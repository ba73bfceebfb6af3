"""The project's Blueprint: page size defaults and a one-line way to document error responses."""

from http import HTTPStatus

import flask_smorest


class Blueprint(flask_smorest.Blueprint):
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": 100}

    def errors(self, *status_codes: int):
        """Document the error responses a route can give (they all use the Error schema)."""

        def decorator(view):
            for code in status_codes:
                view = self.alt_response(code, response=HTTPStatus(code).name)(view)
            return view

        return decorator
