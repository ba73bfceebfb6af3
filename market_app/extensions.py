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


migrate = Migrate()
api = MarketApi()
jwt = JWTManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

__all__ = ["api", "db", "jwt", "limiter", "migrate"]
