"""Domain errors and their one mapping to HTTP; every error body is {code, status, message, errors}."""

import logging
from http import HTTPStatus

import sqlalchemy as sa
from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException, UnsupportedMediaType

log = logging.getLogger(__name__)
# Seconds a client should wait before retrying when the database or an outside service (Stripe) is unreachable or
# too slow.
RETRY_AFTER_SECONDS = 5


class DomainError(Exception):
    """A refusal the service layer raises; the view never builds error bodies itself."""

    status_code = 400

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409


class InvalidTransition(Conflict):
    """A state machine was asked for a move its current state does not allow."""


class InvalidInput(DomainError):
    """Input that passed the schema but breaks a business rule; names the field."""

    status_code = 422

    def __init__(self, field: str, message: str, location: str = "json"):
        super().__init__(message, {location: {field: [message]}})
        self.field, self.location = field, location

    def at_item(self, index: int, item_field: str) -> "InvalidInput":
        """Point at one element of a list field: {json: {items: {"2": {quantity: [...]}}}}."""
        self.errors = {self.location: {self.field: {str(index): {item_field: [self.message]}}}}
        return self


class ServiceUnavailable(DomainError):
    """An outside service (Stripe) did not answer: nothing was done, and a retry in a few seconds may work."""

    status_code = 503
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}


class TooManyRequests(DomainError):
    """Refused for now; Retry-After says when to try again."""

    status_code = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.headers = {"Retry-After": str(max(1, retry_after))}


def error_body(status_code: int, message: str, errors: dict | None = None) -> dict:
    body = {"code": status_code, "status": HTTPStatus(status_code).phrase, "message": message}
    if errors:
        body["errors"] = errors
    return body


def _handle_domain_error(error: DomainError):
    body = jsonify(error_body(error.status_code, error.message, error.errors))
    return body, error.status_code, getattr(error, "headers", None) or {}


_BODY_METHODS = {"POST", "PUT", "PATCH"}


def require_json_body() -> None:
    """Refuse a request body that is not JSON, before any view runs (webhooks are JSON too)."""
    if request.method in _BODY_METHODS and request.content_length and not request.is_json:
        raise UnsupportedMediaType("Request body must be JSON (Content-Type: application/json).")


def http_exception_response(error: HTTPException):
    """Werkzeug/webargs errors in the same shape; webargs puts field errors in data["messages"]."""
    data = getattr(error, "data", None) or {}
    errors = data.get("messages")
    if "message" in data:
        message = data["message"]
    elif error.code == 400 and errors:
        message = "Malformed request: the body is not valid JSON."
    elif error.code == 422:
        message = "Invalid input: see errors for each wrong field."
    elif error.code == 500:
        message = "Internal server error."
    else:
        message = error.description or HTTPStatus(error.code).phrase
    # Keep the exception's own headers (Allow on 405, WWW-Authenticate on 401), not its HTML content type.
    headers = {key: value for key, value in error.get_headers() if key.lower() != "content-type"}
    headers.update(data.get("headers") or {})
    return jsonify(error_body(error.code, message, errors)), error.code, headers


def _handle_database_unavailable(error: sa.exc.SQLAlchemyError):
    """Cannot connect, connection lost, no free connection in the pool, a statement or lock wait timed out:
    a 503 the client may retry, not a 500."""
    log.warning("database unavailable: %s", error)
    body = error_body(503, "The database is unavailable right now; try again shortly.")
    return jsonify(body), 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, _handle_domain_error)
    for unavailable in (sa.exc.OperationalError, sa.exc.TimeoutError, sa.exc.DisconnectionError):
        app.register_error_handler(unavailable, _handle_database_unavailable)
    app.before_request(require_json_body)
