"""Helpers every test folder shares: the API prefix, the one error-shape check, the world a test builds (stands,
shops, order bodies), what a test reads back (stock, an order's stall part, the ledger of rows), and what the
shopper's phone and Stripe do (confirm, charge, events). Fixtures that use them live in tests/conftest.py."""

import json
import socketserver
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import stripe

from market_app.accounts.models import User
from market_app.catalog.models import Product
from market_app.core.db import utcnow
from market_app.extensions import db
from market_app.markets.models import Market, Stall
from market_app.orders.models import Order, OrderItem, StallOrder, StallOrderEvent
from market_app.payments.models import Payment, QuickPayRequest, Refund, WebhookEvent
from market_app.settlement.models import LedgerEntry, Payout, PayoutLine
from market_app.settlement.services import last_week
from tests.localstripe_plugin import free_port, sign_event

API = "/api/v1"


# -- the world a test starts from -------------------------------------------------------------------------------

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


@dataclass
class RoleWorld:
    """The base of the role-by-route matrices: a market with a merchant's active and pending stalls, a neighbour's
    stall and a product, and one signed-in user per role (headers by role; "anonymous" has no token)."""

    market: Market
    stall: Stall
    pending_stall: Stall
    product: Product
    users: dict
    headers: dict
    ids: dict  # what the matrices' URLs name: market, stall, pending_stall, product


def role_world(make) -> RoleWorld:
    market, other_market = make.market(), make.market()
    merchant, other_merchant, shopper = make.user("상인"), make.user("옆가게"), make.user()
    stall = make.stall(market, owner=merchant)
    pending_stall = make.stall(market, owner=merchant, status="pending")
    make.stall(market, owner=other_merchant)
    product = make.product(stall)
    users = {"shopper": shopper, "merchant": merchant, "other_merchant": other_merchant,
             "market_admin": make.member(market, "admin"), "other_market_admin": make.member(other_market, "admin"),
             "courier": make.member(market, "courier"), "platform_admin": make.user(platform_admin=True)}
    headers = {role: make.headers(user) for role, user in users.items()} | {"anonymous": {}}
    ids = {"market": market.id, "stall": stall.id, "pending_stall": pending_stall.id, "product": product.id}
    return RoleWorld(market, stall, pending_stall, product, users, headers, ids)


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
    return client.post(f"{API}/orders", json=body, headers=headers | {"Idempotency-Key": key or uuid.uuid4().hex})


def hand_over(client, stand: Stand, stall_order_id: int, actions=("accept", "ready", "hand-over")) -> None:
    """The stall's owner takes its part of a paid order through to the shopper (or the given first steps)."""
    for action in actions:
        resp = client.post(f"{API}/stall-orders/{stall_order_id}/{action}", headers=stand.headers)
        assert resp.status_code == 200, (action, resp.json)


def post_at_once(app, requests: list[tuple[dict, dict]], url: str | list[str] = f"{API}/orders"
                 ) -> list[tuple[int, dict]]:
    """POST each (headers, body) to url (or to the url of the same place in a list) from its own thread, app
    context and test client, all released at once by a barrier: on PostgreSQL each is its own connection and
    transaction (the test must be marked committing). Results come in the order they were answered."""
    urls = [url] * len(requests) if isinstance(url, str) else url
    if db.engine.url.database in (None, "", ":memory:"):
        # Threads on one shared in-memory connection corrupt each other's transactions (and can crash sqlite).
        pytest.fail(f"concurrent requests need a database file or server, not {db.engine.url}")
    start = threading.Barrier(len(requests))
    results: list = []

    def shop(headers: dict, body: dict, url: str) -> None:
        with app.app_context():
            client = app.test_client()
            start.wait()
            resp = client.post(url, json=body, headers=headers)
            results.append((resp.status_code, resp.json))
            db.session.remove()

    threads = [threading.Thread(target=shop, args=(*request, url)) for request, url in zip(requests, urls, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == len(requests), results
    return results


# -- reading answers and rows back ------------------------------------------------------------------------------

def assert_error(resp, status: int, *path: str, location: str = "json") -> dict:
    """The API's one error shape with this status, naming the field at path when given (one name, or a nested
    path such as "delivery", "slot_start") in location (json, query, headers...). Returns the body's errors by
    location (empty when the body names none)."""
    assert resp.status_code == status, (resp.status_code, resp.json)
    body = resp.json
    assert body["code"] == status and isinstance(body["status"], str) and body["message"], body
    errors = body.get("errors") or {}
    node = errors.get(location, {})
    for name in path:
        assert isinstance(node, dict) and name in node, body
        node = node[name]
    return errors


def part_of(order: dict, stand: Stand) -> dict:
    """The stall order of order (as the API shows it) that stand prepares."""
    return next(part for part in order["stall_orders"] if part["stall_id"] == stand.stall.id)


def stock_of(product: Product) -> int | None:
    """The product's stock as the database holds it now (None: not tracked)."""
    db.session.expire_all()
    return db.session.scalar(sa.select(Product.stock).where(Product.id == product.id))


LEDGER_MODELS = (Order, StallOrder, OrderItem, StallOrderEvent, Payment, Refund, WebhookEvent, QuickPayRequest,
                 Payout, PayoutLine)


def rows_of(*models) -> dict:
    """Every row of the given models by table, read fresh: equal before and after, nothing was written."""
    db.session.expire_all()
    return {m.__tablename__: db.session.execute(sa.select(m.__table__).order_by(m.__table__.c.id)).all()
            for m in models}


def read_ledger() -> dict:
    """Row counts of everything orders and payments write, and every product's stock, read fresh: equal before
    and after a refusal proves it wrote nothing. (The `ledger` fixture hands this out.)"""
    db.session.expire_all()
    counts = {m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in LEDGER_MODELS}
    stock = dict(db.session.execute(sa.select(Product.id, Product.stock).order_by(Product.id)).all())
    return counts | {"stock": stock}


# -- Stripe's side ----------------------------------------------------------------------------------------------

def confirm_intent(stripe_client: stripe.StripeClient, intent_id: str,
                   payment_method: str) -> tuple[stripe.PaymentIntent, bool]:
    """What the shopper's phone does: attach a payment method and confirm. Returns the intent as Stripe holds it
    now and whether the card was declined."""
    stripe_client.v1.payment_intents.update(intent_id, {"payment_method": payment_method})
    try:
        return stripe_client.v1.payment_intents.confirm(intent_id), False
    except stripe.CardError:
        return stripe_client.v1.payment_intents.retrieve(intent_id), True


def confirm_at_stripe(stripe_client: stripe.StripeClient, intent_id: str, payment_method: str) -> dict:
    """confirm_intent, returning the intent as Stripe would put it in an event (also after a decline)."""
    return json.loads(str(confirm_intent(stripe_client, intent_id, payment_method)[0]))


def charge_at_stripe(stripe_client: stripe.StripeClient, intent_id: str) -> stripe.Charge:
    """The intent's charge as localstripe holds it (localstripe expands latest_charge)."""
    charge = stripe_client.v1.payment_intents.retrieve(intent_id).latest_charge
    assert isinstance(charge, stripe.Charge), charge
    return charge


def post_event(client, app, event_type: str, intent: dict, event_id: str | None = None):
    """Deliver a Stripe event about intent to the webhook, signed with the app's secret as Stripe would."""
    event = {"id": event_id or f"evt_{uuid.uuid4().hex}", "object": "event", "type": event_type,
             "created": int(time.time()), "data": {"object": intent}}
    payload = json.dumps(event).encode()
    signature = sign_event(payload, app.config["STRIPE_WEBHOOK_SECRET"])
    return client.post(f"{API}/payments/stripe/webhook", data=payload,
                       headers={"Stripe-Signature": signature, "Content-Type": "application/json"})


def event_result(resp) -> str | None:
    """What processing the event a webhook response acknowledged did (its job runs inline in the tests)."""
    db.session.expire_all()
    stored = db.session.get(WebhookEvent, resp.json["event_id"])
    return stored.result if stored is not None else None


@contextmanager
def serving(server: socketserver.BaseServer) -> Iterator[None]:
    """Run server (werkzeug's or http.server's) on a background thread for a while; shut down and closed after."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def closed_port_url() -> str:
    """A Stripe that refuses connections: nothing listens there."""
    return f"http://127.0.0.1:{free_port()}"


# -- days and periods -------------------------------------------------------------------------------------------

def seoul_today() -> date:
    return datetime.now(ZoneInfo("Asia/Seoul")).date()


def payout_period() -> dict:
    """A payout period ending today in Seoul; it starts yesterday so a hand-over just before local midnight
    still falls inside."""
    today = seoul_today()
    return {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()}


def handed_over_last_week(client, shop, paid_order) -> int:
    """A paid order handed over by 채소가게 (shop.stands[0]) at noon on last week's Wednesday (Seoul), as the
    weekly payout run finds it; returns that stall order's id."""
    order = paid_order()
    stand = shop.stands[0]
    stall_order_id = part_of(order, stand)["id"]
    hand_over(client, stand, stall_order_id)
    monday, _sunday = last_week(utcnow(), shop.market.timezone)
    wednesday_noon_seoul = datetime(monday.year, monday.month, monday.day, 3, tzinfo=UTC) + timedelta(days=2)
    db.session.execute(sa.update(StallOrder).where(StallOrder.id == stall_order_id)
                       .values(closed_at=wednesday_noon_seoul))
    # Payouts take sales by the ledger's payable time (the hand-over): move it back with the hand-over.
    db.session.execute(sa.update(LedgerEntry).where(LedgerEntry.source == f"stall_order:{stall_order_id}")
                       .values(settleable_at=wednesday_noon_seoul))
    db.session.commit()
    return stall_order_id


def every_row() -> dict:
    """Every row of every table, read fresh through the test's connection (it holds all the app has written):
    a refused request must leave this unchanged."""
    db.session.expire_all()
    conn = db.session.connection()
    return {table.name: conn.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            for table in db.metadata.sorted_tables}


def make_overdue(order_id: int) -> None:
    """Move an order's payment deadline a minute into the past."""
    db.session.execute(sa.update(Order).where(Order.id == order_id).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()


def read_order(client, shop, order_id: int) -> dict:
    """The order as its shopper reads it now (a read also expires it when overdue)."""
    resp = client.get(f"{API}/orders/{order_id}", headers=shop.headers)
    assert resp.status_code == 200, resp.json
    return resp.json


def pay_at_stripe_and_tell(client, app, stripe_client, placed: dict) -> None:
    """The shopper pays at Stripe with a Visa card and Stripe's event arrives."""
    intent = confirm_at_stripe(stripe_client, placed["payment"]["payment_intent_id"], "pm_card_visa")
    assert intent["status"] == "succeeded"
    assert post_event(client, app, "payment_intent.succeeded", intent).status_code == 200
