"""Unpaid orders expire at their deadline (when read, or by the expire-orders job) and give their stock back;
paid orders never expire."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
import stripe

from market_app.core.db import utcnow
from market_app.extensions import db
from market_app.orders.models import Order
from tests.helpers import API, stock_of


def _move_deadline(order_id: int, minutes: int) -> None:
    db.session.execute(sa.update(Order).where(Order.id == order_id)
                       .values(expires_at=utcnow() + timedelta(minutes=minutes)))
    db.session.commit()


def test_unpaid_order_past_its_deadline_expires_when_read_and_releases_its_stock(
        client, shop, checkout, stripe_client):
    cabbage, mackerel = shop.stands[0].product, shop.stands[1].product
    placed = checkout([(cabbage, 4), (mackerel, 2)])
    assert (stock_of(cabbage), stock_of(mackerel)) == (6, 8)
    _move_deadline(placed["id"], -1)  # its expiry job has not run (no worker here): reading it expires it

    resp = client.get(f"{API}/orders/{placed['id']}", headers=shop.headers)

    assert resp.status_code == 200
    assert resp.json["status"] == "expired"
    assert [part["status"] for part in resp.json["stall_orders"]] == ["cancelled", "cancelled"]
    assert (stock_of(cabbage), stock_of(mackerel)) == (10, 10)
    intent = stripe_client.v1.payment_intents.retrieve(placed["payment"]["payment_intent_id"])
    assert intent.status == "canceled"
    # Reading it again releases nothing twice.
    assert client.get(f"{API}/orders/{placed['id']}", headers=shop.headers).json["status"] == "expired"
    assert (stock_of(cabbage), stock_of(mackerel)) == (10, 10)


def test_unpaid_order_within_its_deadline_stays_pending(client, shop, checkout):
    placed = checkout([(shop.stands[0].product, 4)])

    resp = client.get(f"{API}/orders/{placed['id']}", headers=shop.headers)

    assert resp.json["status"] == "pending_payment"
    assert stock_of(shop.stands[0].product) == 6


def test_expire_orders_command_expires_only_overdue_unpaid_orders(app, client, shop, checkout, pay):
    cabbage, mackerel = shop.stands[0].product, shop.stands[1].product
    overdue, on_time, paid = checkout([(cabbage, 3)]), checkout([(cabbage, 2)]), checkout([(mackerel, 1)])
    pay(paid)
    _move_deadline(overdue["id"], -1)
    _move_deadline(paid["id"], -60)

    result = app.test_cli_runner().invoke(args=["expire-orders"])

    assert result.exit_code == 0, result.output
    assert "expired 1 order(s)" in result.output
    statuses = {o["id"]: o["status"] for o in client.get(f"{API}/orders", headers=shop.headers).json}
    assert statuses == {overdue["id"]: "expired", on_time["id"]: "pending_payment", paid["id"]: "paid"}
    assert (stock_of(cabbage), stock_of(mackerel)) == (8, 9)
    again = app.test_cli_runner().invoke(args=["expire-orders"])
    assert "expired 0 order(s)" in again.output and stock_of(cabbage) == 8


def test_paid_order_never_expires(app, client, shop, paid_order):
    placed = paid_order()
    _move_deadline(placed["id"], -120)

    app.test_cli_runner().invoke(args=["expire-orders"])
    resp = client.get(f"{API}/orders/{placed['id']}", headers=shop.headers)

    assert resp.json["status"] == "paid"
    assert [part["status"] for part in resp.json["stall_orders"]] == ["pending", "pending"]
    assert (stock_of(shop.stands[0].product), stock_of(shop.stands[1].product)) == (8, 9)


def test_order_paid_at_stripe_but_not_yet_told_is_not_expired(client, shop, checkout, stripe_client):
    """The webhook is late: Stripe already took the money, so the overdue order is found paid, not expired."""
    placed = checkout([(shop.stands[0].product, 2)])
    intent_id = placed["payment"]["payment_intent_id"]
    stripe_client.v1.payment_intents.update(intent_id, {"payment_method": "pm_card_visa"})
    stripe_client.v1.payment_intents.confirm(intent_id)
    _move_deadline(placed["id"], -1)

    resp = client.get(f"{API}/orders/{placed['id']}", headers=shop.headers)

    assert (resp.json["status"], resp.json["payment"]["status"]) == ("paid", "succeeded"), resp.json
    assert stock_of(shop.stands[0].product) == 8
    assert client.get(f"{API}/orders/{placed['id']}", headers=shop.headers).json["status"] == "paid"


def test_expired_orders_payment_can_no_longer_be_confirmed(client, shop, checkout, stripe_client):
    placed = checkout([(shop.stands[0].product, 2)])
    _move_deadline(placed["id"], -1)
    assert client.get(f"{API}/orders/{placed['id']}", headers=shop.headers).json["status"] == "expired"
    intent_id = placed["payment"]["payment_intent_id"]

    with pytest.raises(stripe.StripeError):
        stripe_client.v1.payment_intents.confirm(intent_id, {"payment_method": "pm_card_visa"})

    payment = client.get(f"{API}/orders/{placed['id']}/payment", headers=shop.headers).json
    assert payment["status"] == "canceled"
