"""Shared fixtures: one app per session on SQLite (default) or PostgreSQL (TEST_DATABASE_URL), each test in a
transaction rolled back at its end (or, marked `committing`, committing with tables emptied after: see
tests/database.py), small factories that build the world a test starts from, and the helpers' fixtures."""

import itertools
import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask_jwt_extended import create_access_token
from werkzeug.serving import make_server

from market_app import create_app
from market_app.accounts.models import User
from market_app.catalog.models import Product
from market_app.config import TestConfig
from market_app.extensions import db, limiter
from market_app.markets.models import Market, MemberRole, Membership, Stall, StallStatus
from tests.database import TestDatabase
from tests.helpers import (
    Shop,
    Stand,
    confirm_intent,
    order_body,
    place_order,
    post_event,
    read_ledger,
    rows_of,
    serving,
)
from tests.localstripe_plugin import TEST_API_KEY
from tests.worker_plugin import eventually

ALWAYS_OPEN = {day: "00:00-24:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
# A test market delivers up to 3 km for 3,000 won, free from 30,000, from 10,000: hourly slots around the clock
# with room for 50 and no cut-off, so the next hour's slot is always open (order_body picks the one after).
DELIVERY = {"enabled": True, "zones": [{"up_to_km": 3.0, "fee": 3000}], "free_over": 30000, "min_order": 10000,
            "slot_minutes": 60, "slot_capacity": 50, "cutoff_minutes": 0, "lead_minutes": 0, "days_ahead": 7,
            "hours": ALWAYS_OPEN, "closed_dates": [], "free_delivery_paid_by": "market"}


def _database_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    handle, path = tempfile.mkstemp(prefix="market-test-", suffix=".db")
    os.close(handle)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def app(localstripe_url):
    class SessionConfig(TestConfig):
        # Set before create_app: the engine is built from it at init time.
        SQLALCHEMY_DATABASE_URI = _database_url()
        STRIPE_API_KEY = TEST_API_KEY
        STRIPE_API_BASE = localstripe_url
        # The queue the real worker (tests/worker_plugin.py) reads; jobs otherwise run inline (JOBS_IMMEDIATE).
        JOBS_SQLITE_PATH = os.path.join(tempfile.mkdtemp(prefix="market-jobs-"), "jobs.db")
        JOBS_QUEUE_NAME = f"market-test-{uuid.uuid4().hex[:8]}"

    app = create_app(SessionConfig)
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()
    if SessionConfig.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///"):
        os.unlink(SessionConfig.SQLALCHEMY_DATABASE_URI.removeprefix("sqlite:///"))


@pytest.fixture(scope="session")
def database(app) -> TestDatabase:
    with app.app_context():
        return TestDatabase(db.engine)


@pytest.fixture(autouse=True)
def _database_state(request, app, database):
    """Every test starts from empty tables and fresh rate-limit counters: by default it runs in one transaction
    rolled back at its end (tests/database.py); a test marked `committing` commits and the tables are emptied."""
    with app.app_context():
        if request.node.get_closest_marker("committing"):
            yield
            database.empty_every_table()
        else:
            with database.rolled_back():
                yield
    limiter.reset()


@pytest.fixture
def count_queries(database):
    """`with count_queries() as statements: ...`: the SQL statements sent through db.engine in the block (a list,
    filled as they run; savepoints the test transaction adds around commits are left out)."""
    return database.counting


@pytest.fixture
def client(app):
    return app.test_client()


class Factory:
    """Builds rows directly (fast, no HTTP) so that each test's HTTP calls are the behaviour under test."""

    _seq = itertools.count(1)

    def user(self, name: str = "손님", *, platform_admin: bool = False) -> User:
        n = next(self._seq)
        user = User(email=f"user{n}@example.kr", name=f"{name}{n}", password_hash="!", is_platform_admin=platform_admin)
        db.session.add(user)
        db.session.commit()
        return user

    def headers(self, user: User) -> dict:
        return {"Authorization": f"Bearer {create_access_token(identity=str(user.id))}"}

    def market(self, *, delivery: dict | bool = True, **overrides) -> Market:
        """delivery: changes to the DELIVERY settings, or False for a market that never set up delivery."""
        n = next(self._seq)
        fields = {"name": f"망원시장{n}", "slug": f"mangwon-{n}", "region": "서울 마포구",
                  "address": "서울 마포구 망원동", "lat": 37.5558, "lng": 126.9027, "commission_bps": 300}
        market = Market(**(fields | overrides))
        db.session.add(market)
        db.session.commit()
        if delivery is not False:
            self.delivery_settings(market, **(delivery if isinstance(delivery, dict) else {}))
        return market

    def delivery_settings(self, market: Market, **changes):
        from market_app.delivery.models import DeliverySettings, FeePayer

        values = DELIVERY | changes
        values["free_delivery_paid_by"] = FeePayer(values["free_delivery_paid_by"])
        settings = db.session.scalar(sa.select(DeliverySettings).filter_by(market_id=market.id))
        if settings is None:
            settings = DeliverySettings(market_id=market.id, version=0)
            db.session.add(settings)
        for key, value in values.items():
            setattr(settings, key, value)
        settings.version += 1
        db.session.commit()
        return settings

    def member(self, market: Market, role: str = "admin", user: User | None = None) -> User:
        user = user or self.user("관리자" if role == "admin" else "배달원")
        db.session.add(Membership(user_id=user.id, market_id=market.id, role=MemberRole(role)))
        db.session.commit()
        return user

    def stall(self, market: Market, owner: User | None = None, *, status: str = "active", hours=None,
              **overrides) -> Stall:
        from market_app.markets.services import update_stall

        owner = owner or self.user("상인")
        n = next(self._seq)
        stall = Stall(market_id=market.id, owner_id=owner.id, name=overrides.pop("name", f"가게{n}"),
                      category=overrides.pop("category", "produce"), status=StallStatus(status), **overrides)
        db.session.add(stall)
        db.session.flush()
        update_stall(stall, {"hours": ALWAYS_OPEN if hours is None else hours})
        db.session.commit()
        return stall

    def product(self, stall: Stall, name: str = "배추", price: int = 3000, stock: int | None = 10,
                **overrides) -> Product:
        product = Product(stall_id=stall.id, market_id=stall.market_id, name=name, unit=overrides.pop("unit", "1포기"),
                          price=price, stock=stock, **overrides)
        db.session.add(product)
        db.session.commit()
        return product

    def count(self, model) -> int:
        db.session.expire_all()
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def make(app) -> Factory:
    return Factory()


@pytest.fixture
def snapshot():
    """Every row of the given models, read fresh from the database: proof that a refusal changed nothing."""
    return rows_of


@pytest.fixture
def ledger():
    """Row counts of everything orders and payments write, and every product's stock, read fresh (to prove a
    refusal wrote nothing): `before = ledger()` ... `assert ledger() == before`."""
    return read_ledger


@pytest.fixture
def stripe_at(app):
    """Point the app's Stripe client somewhere else for a while (and with another timeout); restored after."""

    @contextmanager
    def stripe_at(api_base: str, timeout_seconds: float | None = None) -> Iterator[None]:
        saved = {key: app.config[key] for key in ("STRIPE_API_BASE", "STRIPE_TIMEOUT_SECONDS")}
        app.config["STRIPE_API_BASE"] = api_base
        if timeout_seconds is not None:
            app.config["STRIPE_TIMEOUT_SECONDS"] = timeout_seconds
        app.extensions.pop("stripe_client", None)  # rebuilt from the config on next use
        try:
            yield
        finally:
            app.config.update(saved)
            app.extensions.pop("stripe_client", None)

    return stripe_at


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The session's app served over real HTTP on 127.0.0.1 (each request in its own app context)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    with serving(server):
        yield f"http://127.0.0.1:{server.server_port}"


@pytest.fixture
def pay(app, client, stripe_client):
    """The shopper confirms the order's PaymentIntent at Stripe with a card, then Stripe's event arrives."""

    def pay(order: dict, card: str = "pm_card_visa", event_id: str | None = None):
        intent, declined = confirm_intent(stripe_client, order["payment"]["payment_intent_id"], card)
        event_type = "payment_intent.payment_failed" if declined else (
            "payment_intent.succeeded" if intent.status == "succeeded" else None)
        if event_type is None:
            return intent
        response = post_event(client, app, event_type, json.loads(str(intent)), event_id)
        assert response.status_code == 200, response.json
        return intent

    return pay


@pytest.fixture
def open_stand(make):
    """A new active stall of market selling one product, its owner signed in; extra fields go to the stall."""

    def open_stand(market: Market, product: str = "배추", price: int = 3000, stock: int | None = 10, *,
                   unit: str = "1포기", **stall_fields) -> Stand:
        owner = make.user("상인")
        stall = make.stall(market, owner=owner, **stall_fields)
        return Stand(stall, owner, make.headers(owner),
                     make.product(stall, name=product, price=price, stock=stock, unit=unit))

    return open_stand


@pytest.fixture
def shop(make, open_stand) -> Shop:
    """망원시장 (3% commission, delivery 3,000 won below 30,000): 채소가게 selling 배추 at 3,000 and 생선가게
    selling 고등어 at 5,000, 10 in stock each; its association admin and a shopper."""
    market = make.market()
    shopper = make.user()
    shop = Shop(market, make.headers(make.member(market, "admin")), shopper, make.headers(shopper))
    shop.stands = [open_stand(market, "배추", 3000, 10, unit="1포기"),
                   open_stand(market, "고등어", 5000, 10, unit="1손 (2마리)")]
    return shop


@pytest.fixture
def checkout(client, shop):
    """Place an order in shop (as its shopper unless headers are given): lines are (product, quantity) pairs;
    asserts it was created."""

    def checkout(lines, fulfillment: str = "pickup", headers: dict | None = None, **extra) -> dict:
        resp = place_order(client, headers or shop.headers, order_body(shop.market, lines, fulfillment, **extra))
        assert resp.status_code == 201, resp.json
        return resp.json

    return checkout


@pytest.fixture
def paid_order(client, shop, checkout, pay):
    """2 x 배추 (6,000) and 1 x 고등어 (5,000), paid with a Visa card, as the shopper reads it now."""

    def paid_order(fulfillment: str = "pickup") -> dict:
        placed = checkout([(shop.stands[0].product, 2), (shop.stands[1].product, 1)], fulfillment)
        pay(placed)

        def paid() -> dict | None:  # at once when jobs run inline; soon when the real worker processes the event
            order = client.get(f"/api/v1/orders/{placed['id']}", headers=shop.headers).json
            return order if order["status"] == "paid" else None

        return eventually(paid)

    return paid_order
