"""Bearer-token helpers on top of flask-jwt-extended; the user loader lives in accounts."""

import functools

from flask import current_app, jsonify, request
from flask_jwt_extended import current_user, jwt_required, verify_jwt_in_request

from market_app.core.errors import error_body

# Set in the request's WSGI environ (never in g, which a test's app context can carry from one request to the next)
# once refuse_invalid_tokens has verified this request's access token and loaded its user.
_VERIFIED = "market_app.token_verified"


def login_required(view):
    """The request must carry a valid access token of an existing user (else 401). A token refuse_invalid_tokens
    already verified in this request is not decoded and its user not loaded a second time."""
    required = jwt_required()(view)

    @functools.wraps(view)
    def checked(*args, **kwargs):
        if request.environ.get(_VERIFIED):
            return current_app.ensure_sync(view)(*args, **kwargs)
        return required(*args, **kwargs)

    return checked


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
        # No Bearer token: anonymous; a bad one, or one whose user is gone, raises -> 401.
        if verify_jwt_in_request(optional=True) is not None:
            request.environ[_VERIFIED] = True


def register_token_error_handlers(jwt) -> None:
    """Token problems answer 401 in the API's one error shape."""

    def unauthorized(message: str):
        return jsonify(error_body(401, message)), 401, {"WWW-Authenticate": "Bearer"}

    jwt.unauthorized_loader(lambda reason: unauthorized("Sign in: a bearer token is required."))
    jwt.invalid_token_loader(lambda reason: unauthorized(f"Invalid token: {reason}"))
    jwt.expired_token_loader(lambda _header, _payload: unauthorized("The token has expired; sign in again."))
    jwt.user_lookup_error_loader(lambda _header, _payload: unauthorized("The token's account no longer exists."))
