"""Shared fixtures: one app per session on SQLite (default) or PostgreSQL (TEST_DATABASE_URL),
tables emptied after every test, and small factories that build the world a test starts from."""

import itertools
import json
import os
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import stripe
from flask_jwt_extended import create_access_token

from market_app import create_app
from market_app.accounts.models import User
from market_app.catalog.models import Product
from market_app.config import TestConfig
from market_app.extensions import db, limiter
from market_app.markets.models import Market, MemberRole, Membership, Stall, StallStatus
from tests.localstripe_plugin import TEST_API_KEY, sign_event

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


@pytest.fixture(autouse=True)
def _clean_state(app):
    """Every test starts from empty tables and fresh rate-limit counters."""
    with app.app_context():
        yield
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("TRUNCATE " + ", ".join(t.name for t in tables) + " RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())
    limiter.reset()


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

    def snapshot(*models) -> dict:
        db.session.expire_all()
        return {m.__tablename__: db.session.execute(sa.select(m.__table__).order_by(m.__table__.c.id)).all()
                for m in models}

    return snapshot


def post_event(client, app, event_type: str, intent: dict, event_id: str | None = None):
    """Deliver a Stripe event about intent to the webhook, signed with the app's secret as Stripe would."""
    event = {"id": event_id or f"evt_{uuid.uuid4().hex}", "object": "event", "type": event_type,
             "created": int(time.time()), "data": {"object": intent}}
    payload = json.dumps(event).encode()
    signature = sign_event(payload, app.config["STRIPE_WEBHOOK_SECRET"])
    return client.post("/api/v1/payments/stripe/webhook", data=payload,
                       headers={"Stripe-Signature": signature, "Content-Type": "application/json"})


@pytest.fixture
def pay(app, client, stripe_client):
    """The shopper confirms the order's PaymentIntent at Stripe with a card, then Stripe's event arrives."""

    def pay(order: dict, card: str = "pm_card_visa", event_id: str | None = None):
        intent_id = order["payment"]["payment_intent_id"]
        stripe_client.v1.payment_intents.update(intent_id, {"payment_method": card})
        try:
            intent = stripe_client.v1.payment_intents.confirm(intent_id)
            event_type = "payment_intent.succeeded" if intent.status == "succeeded" else None
        except stripe.CardError:
            intent = stripe_client.v1.payment_intents.retrieve(intent_id)
            event_type = "payment_intent.payment_failed"
        body = json.loads(str(intent))
        if event_type is None:
            return intent
        response = post_event(client, app, event_type, body, event_id)
        assert response.status_code == 200, response.json
        return intent

    return pay


def next_slot_start(hours_ahead: int = 1) -> str:
    """The start of an open slot of a test market (DELIVERY): a whole hour, at least hours_ahead hours away."""
    now = datetime.now(UTC)
    return (now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=hours_ahead + 1)).isoformat()


def order_body(market, lines, fulfillment="pickup", **extra) -> dict:
    """A POST /orders body: lines are (product, quantity) pairs; a delivery goes 200 m away, in the next slot."""
    body = {"market_id": market.id, "fulfillment": fulfillment,
            "items": [{"product_id": product.id, "quantity": quantity} for product, quantity in lines]}
    if fulfillment == "delivery":
        body["delivery"] = {"address": "서울 마포구 망원로 1", "lat": 37.556, "lng": 126.905,
                            "slot_start": next_slot_start()}
    return body | extra


def place_order(client, headers, body, key: str | None = None):
    return client.post("/api/v1/orders", json=body, headers=headers | {"Idempotency-Key": key or uuid.uuid4().hex})


@dataclass
class Stand:
    """A stall, its owner (signed in) and the product it sells in the tests."""

    stall: Stall
    owner: User
    headers: dict
    product: Product


@dataclass
class Shop:
    """One market with its association admin and a shopper, all signed in, and its stands."""

    market: Market
    admin_headers: dict
    shopper: User
    headers: dict
    stands: list[Stand] = field(default_factory=list)


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
        resp = client.get(f"/api/v1/orders/{placed['id']}", headers=shop.headers)
        assert resp.json["status"] == "paid", resp.json
        return resp.json

    return paid_order
