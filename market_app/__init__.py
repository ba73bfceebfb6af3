"""Digital traditional market platform: the Flask application factory."""

import inspect

from flask import Flask
from flask.sessions import SessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from market_app.config import INSTANCE_DIR, Config
from market_app.core import cache, cache_front, health, jobs, logs, metrics, routing, secrets, security_headers, uow
from market_app.core.auth import refuse_invalid_tokens, register_token_error_handlers
from market_app.core.db import begin_before_sqlite_savepoints, engine_options
from market_app.core.errors import register_error_handlers
from market_app.core.json_provider import OrjsonProvider
from market_app.extensions import api, db, jwt, limiter, migrate

MIGRATIONS_DIR = INSTANCE_DIR.parent / "migrations"


def create_app(config: type[Config] | dict | None = None) -> Flask:
    app = MarketApp(__name__, instance_path=str(INSTANCE_DIR), static_folder=None)
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    secrets.check(app)  # before anything can sign a token with a weak key
    app.json = OrjsonProvider(app)  # Korean stays readable in responses, keys in the schemas' order
    app.session_interface = NoCookieSession()  # bearer tokens only: no session cookie to sign and read per request
    routing.install(app.url_map)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        INSTANCE_DIR.mkdir(exist_ok=True)

    # First, and in this order: after_request hooks run in reverse, so metrics sees the duration logs measured;
    # the request id is bound before any other before_request hook (rate limits, tokens) can refuse the request.
    metrics.init_app(app)
    logs.init_app(app)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"], app.config)
    db.init_app(app)
    with app.app_context():
        begin_before_sqlite_savepoints(db.engine)
    cache.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)
    jwt.init_app(app)
    register_token_error_handlers(jwt)
    limiter.init_app(app)
    api.init_app(app)
    register_error_handlers(app)
    fixed_security_headers = security_headers.init_app(app)
    app.before_request(refuse_invalid_tokens)
    app.teardown_request(lambda _error: uow.end())
    jobs.init_app(app)
    _connect_domains(app)
    _register_blueprints(app)
    _register_cli(app)
    health.init_app(app)
    cache_front.install(app, fixed_security_headers)  # cached public reads answered before Flask's hooks
    if app.config["PROXY_FIX_X_FOR"]:
        # Behind nginx: the client's address (rate limits, logs) is the one the trusted proxies saw. Outermost,
        # so that the cache's front door sees it too.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=1)
    return app


class MarketApp(Flask):
    def ensure_sync(self, func):
        """A plain function is returned as it is: Flask asks inspect.iscoroutinefunction of every hook and view
        wrapper of every request (about 20 a request); its code flags say it at once."""
        code = getattr(getattr(func, "__func__", func), "__code__", None)
        if code is not None and not code.co_flags & inspect.CO_COROUTINE:
            return func
        return super().ensure_sync(func)


class NoCookieSession(SessionInterface):
    """flask.session is never used here: every request gets the null session without reading a cookie."""

    def open_session(self, app, request):
        return None  # Flask then uses make_null_session

    def save_session(self, app, session, response) -> None:
        pass


def _connect_domains(app: Flask) -> None:
    """Cross-domain reactions and checkout hooks, from the lowest layer up (core/signals.py lists the signals)."""
    from market_app.dashboards import wiring as dashboards_wiring
    from market_app.delivery import wiring as delivery_wiring
    from market_app.live import wiring as live_wiring
    from market_app.notifications import wiring as notifications_wiring
    from market_app.orders import wiring as orders_wiring
    from market_app.payments import wiring as payments_wiring
    from market_app.settlement import wiring as settlement_wiring

    for wiring in (payments_wiring, orders_wiring, notifications_wiring, delivery_wiring, live_wiring,
                   settlement_wiring, dashboards_wiring):
        wiring.connect(app)


def _register_blueprints(app: Flask) -> None:
    from market_app.accounts.routes import blp as accounts_blp
    from market_app.catalog.routes import blp as catalog_blp
    from market_app.dashboards.routes import blp as dashboards_blp
    from market_app.delivery.desk_routes import blp as desk_blp
    from market_app.delivery.routes import blp as delivery_blp
    from market_app.live.routes import blp as live_blp
    from market_app.markets.routes import blp as markets_blp
    from market_app.notifications.routes import blp as notifications_blp
    from market_app.orders.routes import blp as orders_blp
    from market_app.payments.routes import blp as payments_blp
    from market_app.settlement.routes import blp as settlement_blp
    from market_app.web.routes import web

    for blueprint in (accounts_blp, markets_blp, catalog_blp, orders_blp, payments_blp, notifications_blp,
                      delivery_blp, desk_blp, live_blp, settlement_blp, dashboards_blp):
        api.register_blueprint(blueprint)
    app.register_blueprint(web)


def _register_cli(app: Flask) -> None:
    from market_app.accounts.cli import create_admin
    from market_app.demo import seed_demo_command
    from market_app.orders.cli import expire_orders
    from market_app.payments.cli import send_refunds
    from market_app.settlement.cli import rebuild_rollups, send_transfers

    for command in (create_admin, seed_demo_command, expire_orders, send_refunds, send_transfers, rebuild_rollups):
        app.cli.add_command(command)
