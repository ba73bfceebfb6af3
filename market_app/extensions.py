"""Extension objects, created without an app and bound in create_app()."""

from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api

from market_app.core.db import db
from market_app.core.errors import http_exception_response
from market_app.core.schemas import ErrorSchema


class MarketApi(Api):
    """flask-smorest Api whose HTTP errors share the domain errors' body (always with a message)."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        return http_exception_response(error)


class RouteLimiter(Limiter):
    """flask-limiter, here with per-route limits only (orders, login, quick pay, heartbeats), which their decorators
    check. Its check before every request looks for default, application and blueprint limits: about 40 µs of each
    answer's time, for none at all. It is skipped while there are none, and runs as before once one is configured
    (RATELIMIT_DEFAULT, RATELIMIT_APPLICATION, a blueprint's limit)."""

    def _check_request_limit(self, callable_name: str | None = None, in_middleware: bool = True) -> None:
        if in_middleware and not self._limits_beyond_routes():
            return
        super()._check_request_limit(callable_name, in_middleware)

    def _limits_beyond_routes(self) -> bool:
        manager = self.limit_manager
        return bool(manager.default_limits or manager.application_limits or manager._blueprint_limits)


migrate = Migrate()
api = MarketApi()
jwt = JWTManager()
limiter = RouteLimiter(key_func=get_remote_address, default_limits=[])

__all__ = ["api", "db", "jwt", "limiter", "migrate"]
