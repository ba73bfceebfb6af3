"""Stripe down or hung: placing an order fails cleanly with nothing written and can be retried with its key;
a refund owed while Stripe is away is recorded as pending and sent later, never claimed as done."""

import time
import uuid

import sqlalchemy as sa

from market_app.extensions import db
from market_app.payments.models import Payment, QuickPayRequest, Refund
from tests.helpers import (
    API,
    assert_error,
    charge_at_stripe,
    closed_port_url,
    confirm_at_stripe,
    event_result,
    order_body,
    part_of,
    place_order,
    post_event,
)
from tests.localstripe_plugin import silent_server


def test_order_placed_while_stripe_refuses_connections_writes_nothing_and_can_be_retried(
        client, shop, stripe_at, ledger):
    body = order_body(shop.market, [(shop.stands[0].product, 2), (shop.stands[1].product, 1)])
    key = uuid.uuid4().hex
    before = ledger()

    with stripe_at(closed_port_url()):
        down = place_order(client, shop.headers, body, key)

    assert_error(down, 503)
    assert "payment" in down.json["message"].lower()
    assert ledger() == before  # no order, no payment, stock untouched

    retried = place_order(client, shop.headers, body, key)

    assert retried.status_code == 201, retried.json
    assert retried.json["payment"]["status"] == "requires_payment_method" and retried.json["total"] == 11000
    replay = place_order(client, shop.headers, body, key)
    assert replay.status_code == 200 and replay.json["id"] == retried.json["id"]


def test_order_placed_while_stripe_hangs_fails_within_the_timeout_and_writes_nothing(
        client, shop, stripe_at, ledger):
    body = order_body(shop.market, [(shop.stands[0].product, 1)])
    before = ledger()

    with silent_server() as hung, stripe_at(hung, timeout_seconds=1):
        started = time.monotonic()
        resp = place_order(client, shop.headers, body)
        elapsed = time.monotonic() - started

    assert_error(resp, 503)
    assert elapsed < 4, elapsed
    assert ledger() == before


def test_refund_owed_while_stripe_is_down_stays_pending_until_the_cli_sends_it(
        app, client, shop, paid_order, stripe_at, stripe_client):
    order = paid_order()
    cabbage = part_of(order, shop.stands[0])
    intent_id = order["payment"]["payment_intent_id"]

    with stripe_at(closed_port_url()):
        rejected = client.post(f"{API}/stall-orders/{cabbage['id']}/reject", json={"reason": "냉장고 고장"},
                               headers=shop.stands[0].headers)

    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    [refund] = client.get(f"{API}/orders/{order['id']}/payment", headers=shop.headers).json["refunds"]
    assert (refund["amount"], refund["status"], refund["stripe_refund_id"]) == (6000, "pending", None)
    assert charge_at_stripe(stripe_client, intent_id).amount_refunded == 0

    result = app.test_cli_runner().invoke(args=["send-pending-refunds"])

    assert (result.exit_code, result.output.strip()) == (0, "sent 1, failed 0, 0 still pending")
    db.session.expire_all()
    sent = db.session.get(Refund, refund["id"])
    assert sent.status == "succeeded" and sent.stripe_refund_id.startswith("re_") and sent.last_error is None
    assert charge_at_stripe(stripe_client, intent_id).amount_refunded == 6000
    again = app.test_cli_runner().invoke(args=["send-pending-refunds"])
    assert again.output.strip() == "sent 0, failed 0, 0 still pending"
    assert charge_at_stripe(stripe_client, intent_id).amount_refunded == 6000


def test_pending_refund_is_retried_while_stripe_stays_down(app, client, shop, paid_order, stripe_at):
    order = paid_order()
    with stripe_at(closed_port_url()):
        cancelled = client.post(f"{API}/orders/{order['id']}/cancel", headers=shop.headers)
        result = app.test_cli_runner().invoke(args=["send-pending-refunds"])

    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert (result.exit_code, result.output.strip()) == (1, "sent 0, failed 0, 2 still pending (Stripe unreachable)")
    db.session.expire_all()
    refunds = db.session.scalars(sa.select(Refund)).all()
    assert sorted(r.amount for r in refunds) == [5000, 6000]
    assert {(r.status, r.stripe_refund_id) for r in refunds} == {("pending", None)}
    assert all(r.last_error for r in refunds)


def test_money_arriving_for_an_order_cancelled_while_stripe_was_down_goes_straight_back(
        app, client, shop, checkout, stripe_at, stripe_client):
    order = checkout([(shop.stands[0].product, 2), (shop.stands[1].product, 1)], "delivery")
    with stripe_at(closed_port_url()):  # the intent cannot be cancelled at Stripe, so it can still be paid
        cancelled = client.post(f"{API}/orders/{order['id']}/cancel", headers=shop.headers)
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    intent = confirm_at_stripe(stripe_client, order["payment"]["payment_intent_id"], "pm_card_visa")

    resp = post_event(client, app, "payment_intent.succeeded", intent)

    assert event_result(resp) == "processed"
    payment = client.get(f"{API}/orders/{order['id']}/payment", headers=shop.headers).json
    assert payment["status"] == "succeeded"
    assert sorted(r["amount"] for r in payment["refunds"]) == [3000, 5000, 6000]
    assert all(r["status"] == "succeeded" for r in payment["refunds"])
    assert payment["refunded_amount"] == order["total"] == 14000
    assert charge_at_stripe(stripe_client, intent["id"]).amount_refunded == 14000
    assert client.get(f"{API}/orders/{order['id']}", headers=shop.headers).json["status"] == "cancelled"


def test_quick_pay_asked_while_stripe_is_down_writes_nothing(client, make, shop, stripe_at):
    stand = shop.stands[0]
    with stripe_at(closed_port_url()):
        resp = client.post(f"{API}/stalls/{stand.stall.id}/quick-pay", json={"amount": 5000}, headers=stand.headers)

    assert_error(resp, 503)
    assert make.count(QuickPayRequest) == make.count(Payment) == 0
