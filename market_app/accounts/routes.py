"""Auth routes: register, login, and who am I."""

from flask import current_app
from flask.views import MethodView

from market_app.accounts import services
from market_app.accounts.schemas import LoginSchema, RegisterSchema, TokenSchema, UserSchema
from market_app.core import uow
from market_app.core.blueprint import Blueprint
from market_app.extensions import jwt, limiter

blp = Blueprint("accounts", __name__, url_prefix="/api/v1", description="Accounts and tokens")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@blp.route("/auth/register")
class Register(MethodView):
    decorators = [limiter.limit(_login_limit, scope="register")]

    @blp.public
    @blp.arguments(RegisterSchema)
    @blp.response(201, UserSchema)
    @blp.errors(409, 429)
    def post(self, data):
        """Create a shopper account"""
        user = services.register(**data)
        uow.commit()
        return user


@blp.route("/auth/login")
class Login(MethodView):
    decorators = [limiter.limit(_login_limit, scope="login")]

    @blp.public
    @blp.arguments(LoginSchema)
    @blp.response(200, TokenSchema)
    @blp.errors(401, 429)
    def post(self, data):
        """Exchange email and password for a bearer token"""
        user = services.authenticate(data["email"], data["password"])
        uow.commit()
        return services.issue_token(user)


@jwt.user_lookup_loader
def _user_from_token(_header: dict, payload: dict):
    return services.load_user(payload["sub"])
