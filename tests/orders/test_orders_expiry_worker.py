"""The real task worker expires an unpaid order at its deadline: its stock comes back and its PaymentIntent is
cancelled at Stripe, with nobody reading the order."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from market_app.core.jobs import huey_of
from market_app.extensions import db
from market_app.orders.models import Order
from tests.helpers import stock_of
from tests.worker_plugin import eventually

pytestmark = pytest.mark.committing


def _status(order_id: int) -> str:
    db.session.expire_all()
    return db.session.scalar(sa.select(Order.status).where(Order.id == order_id)).value


def test_worker_expires_an_unpaid_order_at_its_deadline(app, shop, checkout, worker, stripe_client, monkeypatch):
    monkeypatch.setitem(app.config, "ORDER_PAYMENT_TIMEOUT_MINUTES", 0)  # due at once
    cabbage = shop.stands[0].product

    placed = checkout([(cabbage, 3)])

    assert eventually(lambda: _status(placed["id"]) == "expired")
    assert stock_of(cabbage) == 10
    intent = stripe_client.v1.payment_intents.retrieve(placed["payment"]["payment_intent_id"])
    assert intent.status == "canceled"


def test_each_order_is_scheduled_to_expire_at_its_own_deadline(app, shop, checkout, worker):
    placed = checkout([(shop.stands[0].product, 3)])

    [task] = eventually(lambda: huey_of(app).scheduled())  # the worker moves it from the queue to its schedule
    assert task.args == (placed["id"],)
    assert task.eta.replace(tzinfo=UTC) == datetime.fromisoformat(placed["expires_at"])
    assert _status(placed["id"]) == "pending_payment"
