"""Payment test helpers: a market with stalls and a shopper, orders paid at localstripe, a ledger of what
payments write (to prove a refusal wrote nothing), and ways to make Stripe unreachable, hang, or call us back."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import stripe
from werkzeug.serving import make_server

from market_app.accounts.models import User
from market_app.catalog.models import Product
from market_app.extensions import db
from market_app.markets.models import Market, Stall
from market_app.orders.models import Order, StallOrder
from market_app.payments.models import Payment, Payout, PayoutLine, QuickPayRequest, Refund, WebhookEvent
from tests.conftest import order_body, place_order
from tests.localstripe_plugin import free_port

API = "/api/v1"


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
    """A new active stall of market selling one product, its owner signed in."""

    def open_stand(market: Market, product: str = "배추", price: int = 3000, stock: int | None = 10,
                   **stall_fields) -> Stand:
        owner = make.user("상인")
        stall = make.stall(market, owner=owner, **stall_fields)
        return Stand(stall, owner, make.headers(owner), make.product(stall, name=product, price=price, stock=stock))

    return open_stand


@pytest.fixture
def shop(make, open_stand) -> Shop:
    """망원시장 (3% commission, delivery 3,000 won below 30,000): 배추 at 3,000 and 고등어 at 5,000, 10 each."""
    market = make.market()
    shopper = make.user()
    shop = Shop(market, make.headers(make.member(market, "admin")), shopper, make.headers(shopper))
    shop.stands = [open_stand(market, "배추", 3000), open_stand(market, "고등어", 5000)]
    return shop


@pytest.fixture
def checkout(client, shop):
    """Place an order in shop as its shopper: lines are (product, quantity) pairs; asserts it was created."""

    def checkout(lines, fulfillment: str = "pickup") -> dict:
        resp = place_order(client, shop.headers, order_body(shop.market, lines, fulfillment))
        assert resp.status_code == 201, resp.json
        return resp.json

    return checkout


@pytest.fixture
def paid_order(client, shop, checkout, pay):
    """2 x 배추 (6,000) and 1 x 고등어 (5,000), paid with a Visa card, as the shopper reads it now."""

    def paid_order(fulfillment: str = "pickup") -> dict:
        placed = checkout([(shop.stands[0].product, 2), (shop.stands[1].product, 1)], fulfillment)
        pay(placed)
        resp = client.get(f"{API}/orders/{placed['id']}", headers=shop.headers)
        assert resp.json["status"] == "paid", resp.json
        return resp.json

    return paid_order


def confirm_at_stripe(stripe_client: stripe.StripeClient, intent_id: str, payment_method: str) -> dict:
    """What the shopper's phone does: attach a payment method and confirm. Returns the intent as Stripe
    would put it in an event (also after a decline)."""
    stripe_client.v1.payment_intents.update(intent_id, {"payment_method": payment_method})
    try:
        intent = stripe_client.v1.payment_intents.confirm(intent_id)
    except stripe.CardError:
        intent = stripe_client.v1.payment_intents.retrieve(intent_id)
    return json.loads(str(intent))


def charge_at_stripe(stripe_client: stripe.StripeClient, intent_id: str) -> stripe.Charge:
    """The intent's charge as localstripe holds it (localstripe expands latest_charge)."""
    charge = stripe_client.v1.payment_intents.retrieve(intent_id).latest_charge
    assert isinstance(charge, stripe.Charge), charge
    return charge


def part_of(order: dict, stand: Stand) -> dict:
    """The stall order of order (as the API shows it) that stand prepares."""
    return next(part for part in order["stall_orders"] if part["stall_id"] == stand.stall.id)


def hand_over(client, stand: Stand, stall_order_id: int, actions=("accept", "ready", "hand-over")) -> None:
    """The stall's owner takes its part of a paid order through to the shopper (or the given first steps)."""
    for action in actions:
        resp = client.post(f"{API}/stall-orders/{stall_order_id}/{action}", headers=stand.headers)
        assert resp.status_code == 200, (action, resp.json)


def assert_error(resp, status: int, field: str | None = None, location: str = "json") -> dict:
    """The API's one error shape with this status, naming field (in location) when given."""
    assert resp.status_code == status, (resp.status_code, resp.json)
    body = resp.json
    assert body["code"] == status and isinstance(body["status"], str) and body["message"], body
    if field is not None:
        assert field in body["errors"][location], body
    return body


@pytest.fixture
def ledger():
    """Row counts of everything payments and orders write, and every product's stock, read fresh."""

    def ledger() -> dict:
        db.session.expire_all()
        models = (Order, StallOrder, Payment, Refund, WebhookEvent, QuickPayRequest, Payout, PayoutLine)
        counts = {m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in models}
        stock = dict(db.session.execute(sa.select(Product.id, Product.stock).order_by(Product.id)).all())
        return counts | {"stock": stock}

    return ledger


def seoul_today() -> date:
    return datetime.now(ZoneInfo("Asia/Seoul")).date()


def payout_period() -> dict:
    """A payout period ending today in Seoul; it starts yesterday so a hand-over just before local midnight
    still falls inside."""
    today = seoul_today()
    return {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()}


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


def closed_port_url() -> str:
    """A Stripe that refuses connections: nothing listens there."""
    return f"http://127.0.0.1:{free_port()}"




@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The session's app served over real HTTP on 127.0.0.1 (each request in its own app context)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
