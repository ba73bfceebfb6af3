"""Payment test helpers (the shop, checkout and paid_order fixtures are shared, in tests/conftest.py): orders
paid at localstripe, a ledger of what payments write (to prove a refusal wrote nothing), and ways to make Stripe
unreachable, hang, or call us back."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import stripe
from werkzeug.serving import make_server

from market_app.catalog.models import Product
from market_app.extensions import db
from market_app.orders.models import Order, StallOrder
from market_app.payments.models import Payment, QuickPayRequest, Refund, WebhookEvent
from market_app.settlement.models import Payout, PayoutLine
from tests.conftest import Stand
from tests.localstripe_plugin import free_port

API = "/api/v1"


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
