"""Stripe's webhook: signed events mark orders paid, exactly once, never backwards; bad signatures change nothing.
One test lets a real localstripe call the app over HTTP."""

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
import stripe

from market_app.core.db import utcnow
from market_app.extensions import db
from market_app.orders.models import Order
from market_app.payments.models import WebhookEvent
from tests.helpers import API, assert_error, confirm_at_stripe, event_result, order_body, post_event
from tests.localstripe_plugin import register_webhook, sign_event

WEBHOOK = f"{API}/payments/stripe/webhook"
LIVE_WAIT_SECONDS = 15


def _event(event_type: str, intent: dict, event_id: str | None = None) -> bytes:
    return json.dumps({"id": event_id or f"evt_{uuid.uuid4().hex}", "object": "event", "type": event_type,
                       "created": int(time.time()), "data": {"object": intent}}).encode()


def _statuses(client, shop, order: dict) -> tuple[str, str]:
    """(order status, payment status) as the shopper sees them."""
    order_now = client.get(f"{API}/orders/{order['id']}", headers=shop.headers)
    payment_now = client.get(f"{API}/orders/{order['id']}/payment", headers=shop.headers)
    assert order_now.status_code == payment_now.status_code == 200
    return order_now.json["status"], payment_now.json["status"]


def _stall_sees(client, stand) -> list[int]:
    resp = client.get(f"{API}/stalls/{stand.stall.id}/orders", headers=stand.headers)
    assert resp.status_code == 200, resp.json
    return [part["id"] for part in resp.json]


def test_signed_succeeded_event_marks_order_paid_and_only_then_the_stall_sees_it(
        client, app, shop, checkout, stripe_client):
    stand = shop.stands[0]
    order = checkout([(stand.product, 2)])
    intent = confirm_at_stripe(stripe_client, order["payment"]["payment_intent_id"], "pm_card_visa")
    assert intent["status"] == "succeeded"
    # Confirmed at Stripe but no event yet: the app does not take the client's word for it.
    assert _statuses(client, shop, order) == ("pending_payment", "requires_payment_method")
    assert _stall_sees(client, stand) == []

    resp = post_event(client, app, "payment_intent.succeeded", intent)

    assert resp.status_code == 200 and resp.json == {"received": True, "event_id": resp.json["event_id"],
                                                     "result": "queued"}
    assert event_result(resp) == "processed"
    assert _statuses(client, shop, order) == ("paid", "succeeded")
    assert _stall_sees(client, stand) == [order["stall_orders"][0]["id"]]


def _sign_with_other_secret(payload: bytes, secret: str) -> str:
    return stripe.WebhookSignature.generate_signature_header(payload.decode(), "whsec_someone_else")


def _sign_1000_seconds_ago(payload: bytes, secret: str) -> str:
    stale = int(time.time()) - 1000  # beyond the 300 s tolerance
    return stripe.WebhookSignature.generate_signature_header(payload.decode(), secret, timestamp=stale)


def _sign_another_body(payload: bytes, secret: str) -> str:
    return sign_event(payload.replace(b'"succeeded"', b'"processing"'), secret)


@pytest.mark.parametrize("signature", [
    pytest.param(None, id="no-header"),
    pytest.param(_sign_with_other_secret, id="other-secret"),
    pytest.param(_sign_1000_seconds_ago, id="stale-timestamp"),
    pytest.param(_sign_another_body, id="body-changed-after-signing"),
])
def test_badly_signed_event_is_refused_and_changes_nothing(client, app, make, shop, checkout, stripe_client,
                                                           signature):
    order = checkout([(shop.stands[0].product, 1)])
    intent = confirm_at_stripe(stripe_client, order["payment"]["payment_intent_id"], "pm_card_visa")
    payload = _event("payment_intent.succeeded", intent)
    secret = app.config["STRIPE_WEBHOOK_SECRET"]
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature(payload, secret)

    resp = client.post(WEBHOOK, data=payload, headers=headers)

    assert_error(resp, 400, "Stripe-Signature", location="headers")
    assert _statuses(client, shop, order) == ("pending_payment", "requires_payment_method")
    assert make.count(WebhookEvent) == 0
    # The very same event, signed properly, is processed: only the signature was wrong.
    good = client.post(WEBHOOK, data=payload, headers={"Content-Type": "application/json",
                                                       "Stripe-Signature": sign_event(payload, secret)})
    assert good.json["result"] == "queued" and event_result(good) == "processed"


def test_same_event_delivered_twice_is_processed_once(client, app, shop, checkout, stripe_client, ledger):
    order = checkout([(shop.stands[0].product, 1)])
    intent = confirm_at_stripe(stripe_client, order["payment"]["payment_intent_id"], "pm_card_visa")
    first = post_event(client, app, "payment_intent.succeeded", intent, event_id="evt_twice")
    paid = client.get(f"{API}/orders/{order['id']}/payment", headers=shop.headers).json
    before = ledger()

    again = post_event(client, app, "payment_intent.succeeded", intent, event_id="evt_twice")

    assert event_result(first) == "processed"
    assert again.status_code == 200 and again.json == {"received": True, "event_id": "evt_twice",
                                                       "result": "duplicate"}
    assert ledger() == before
    after = client.get(f"{API}/orders/{order['id']}/payment", headers=shop.headers).json
    assert after["succeeded_at"] == paid["succeeded_at"] and after["status"] == "succeeded"


def test_failed_event_after_succeeded_changes_nothing(client, app, shop, checkout, stripe_client):
    order = checkout([(shop.stands[0].product, 1)])
    intent = confirm_at_stripe(stripe_client, order["payment"]["payment_intent_id"], "pm_card_visa")
    post_event(client, app, "payment_intent.succeeded", intent)
    # An older attempt's failure, delivered late.
    stale = intent | {"status": "requires_payment_method",
                      "last_payment_error": {"code": "card_declined", "message": "Your card was declined."}}

    resp = post_event(client, app, "payment_intent.payment_failed", stale)

    assert resp.status_code == 200 and event_result(resp) == "unchanged"
    assert _statuses(client, shop, order) == ("paid", "succeeded")
    assert client.get(f"{API}/orders/{order['id']}/payment", headers=shop.headers).json["last_error"] is None


def test_failed_event_then_succeeded_event_leaves_order_paid(client, app, shop, checkout, stripe_client):
    order = checkout([(shop.stands[0].product, 1)])
    declined = confirm_at_stripe(stripe_client, order["payment"]["payment_intent_id"], "pm_card_chargeCustomerFail")
    failed = post_event(client, app, "payment_intent.payment_failed", declined)
    assert event_result(failed) == "processed"
    assert _statuses(client, shop, order) == ("pending_payment", "failed")

    intent = confirm_at_stripe(stripe_client, order["payment"]["payment_intent_id"], "pm_card_visa")
    succeeded = post_event(client, app, "payment_intent.succeeded", intent)

    assert event_result(succeeded) == "processed"
    assert _statuses(client, shop, order) == ("paid", "succeeded")


def test_unknown_event_type_is_acknowledged_and_ignored(client, app, shop, checkout):
    order = checkout([(shop.stands[0].product, 1)])
    customer = {"id": "cus_123", "object": "customer", "email": "손님@example.kr"}

    resp = post_event(client, app, "customer.created", customer)

    assert resp.status_code == 200 and resp.json["result"] == "queued" and event_result(resp) == "ignored"
    assert _statuses(client, shop, order) == ("pending_payment", "requires_payment_method")


def test_event_for_unknown_payment_intent_is_acknowledged(client, app, shop, checkout, stripe_client):
    order = checkout([(shop.stands[0].product, 1)])
    stranger = stripe_client.v1.payment_intents.create({"amount": 3000, "currency": "krw"})
    intent = confirm_at_stripe(stripe_client, stranger.id, "pm_card_visa")

    resp = post_event(client, app, "payment_intent.succeeded", intent)

    assert resp.status_code == 200 and event_result(resp) == "unknown_payment"
    assert _statuses(client, shop, order) == ("pending_payment", "requires_payment_method")


@pytest.mark.committing  # localstripe calls the app served by live_server (requests on its threads)
def test_localstripe_calls_the_running_app_and_the_order_becomes_paid(
        app, shop, localstripe_url, stripe_client, live_server):
    # localstripe cannot forget a webhook: after this test it keeps calling a closed port, which it shrugs off;
    # while this server runs, other tests' intents reach it and are acknowledged as unknown payments.
    register_webhook(localstripe_url, f"live-app-{uuid.uuid4().hex}", live_server + WEBHOOK,
                     app.config["STRIPE_WEBHOOK_SECRET"],
                     events=["payment_intent.succeeded", "payment_intent.payment_failed"])
    http = requests.Session()
    http.trust_env = False  # straight to 127.0.0.1, whatever proxy the environment names
    body = order_body(shop.market, [(shop.stands[0].product, 1), (shop.stands[1].product, 1)])
    placed = http.post(f"{live_server}{API}/orders", json=body,
                       headers=shop.headers | {"Idempotency-Key": uuid.uuid4().hex}, timeout=10)
    assert placed.status_code == 201, placed.text
    order = placed.json()

    intent = confirm_at_stripe(stripe_client, order["payment"]["payment_intent_id"], "pm_card_visa")
    assert intent["status"] == "succeeded"

    deadline = time.monotonic() + LIVE_WAIT_SECONDS
    seen = order
    while seen["status"] != "paid" and time.monotonic() < deadline:
        time.sleep(0.2)
        seen = http.get(f"{live_server}{API}/orders/{order['id']}", headers=shop.headers, timeout=10).json()
    assert seen["status"] == "paid", seen
    assert seen["payment"]["status"] == "succeeded" and seen["payment"]["amount"] == 8000


def test_order_paid_at_stripe_but_overdue_before_the_event_is_kept_as_paid(client, shop, checkout, stripe_client):
    stand = shop.stands[0]
    order = checkout([(stand.product, 1)])
    confirm_at_stripe(stripe_client, order["payment"]["payment_intent_id"], "pm_card_visa")
    db.session.get(Order, order["id"]).expires_at = utcnow() - timedelta(minutes=1)  # the event is late
    db.session.commit()

    seen = client.get(f"{API}/orders/{order['id']}", headers=shop.headers)

    assert seen.json["status"] == "paid" and seen.json["payment"]["status"] == "succeeded"
    db.session.rollback()  # what the end of a real request does with anything left uncommitted
    assert _stall_sees(client, stand) == [order["stall_orders"][0]["id"]]
    assert _statuses(client, shop, order) == ("paid", "succeeded")


@pytest.mark.committing  # two live_server requests race at a barrier, each on its own connection
def test_same_event_delivered_twice_at_once_is_processed_once(app, client, make, shop, checkout, stripe_client,
                                                              live_server):
    order = checkout([(shop.stands[0].product, 1)])
    intent = confirm_at_stripe(stripe_client, order["payment"]["payment_intent_id"], "pm_card_visa")
    payload = _event("payment_intent.succeeded", intent)
    headers = {"Content-Type": "application/json",
               "Stripe-Signature": sign_event(payload, app.config["STRIPE_WEBHOOK_SECRET"])}
    start = threading.Barrier(2)

    def deliver(_n: int) -> dict:
        with requests.Session() as http:
            http.trust_env = False
            start.wait()
            resp = http.post(live_server + WEBHOOK, data=payload, headers=headers, timeout=30)
            assert resp.status_code == 200, resp.text
            return resp.json()

    with ThreadPoolExecutor(2) as pool:
        results = sorted(body["result"] for body in pool.map(deliver, range(2)))

    assert results == ["duplicate", "queued"]
    assert make.count(WebhookEvent) == 1
    assert _statuses(client, shop, order) == ("paid", "succeeded")
