"""Bearer-token helpers on top of flask-jwt-extended; the user loader lives in accounts."""

from flask import jsonify, request
from flask_jwt_extended import current_user, jwt_required, verify_jwt_in_request

from market_app.core.errors import error_body

login_required = jwt_required()


def optional_user():
    """The signed-in user, or None for anonymous browsing (a bad token is still refused)."""
    verify_jwt_in_request(optional=True)
    return current_user or None


def signed_in_user():
    return current_user._get_current_object()


def refuse_invalid_tokens() -> None:
    """One rule on every API route, public or not: a client that sends a token wants to be signed in, so an invalid
    or expired token is a 401 even where no token is needed (never silently browsing as anonymous)."""
    if request.path.startswith("/api/v1/") and "Authorization" in request.headers:
        verify_jwt_in_request(optional=True)  # no Bearer token: anonymous; a bad one raises -> 401


def register_token_error_handlers(jwt) -> None:
    """Token problems answer 401 in the API's one error shape."""

    def unauthorized(message: str):
        return jsonify(error_body(401, message)), 401, {"WWW-Authenticate": "Bearer"}

    jwt.unauthorized_loader(lambda reason: unauthorized("Sign in: a bearer token is required."))
    jwt.invalid_token_loader(lambda reason: unauthorized(f"Invalid token: {reason}"))
    jwt.expired_token_loader(lambda _header, _payload: unauthorized("The token has expired; sign in again."))
    jwt.user_lookup_error_loader(lambda _header, _payload: unauthorized("The token's account no longer exists."))
