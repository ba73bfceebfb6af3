"""Webhook events are stored on receipt and answered 200 at once; a job processes each one once, retried when it
fails, and a sweep queues again any event whose job was lost. One test runs the real worker."""

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from market_app.core import uow
from market_app.core.db import utcnow
from market_app.core.jobs import huey_of
from market_app.extensions import db
from market_app.payments import services
from market_app.payments.models import Payment, WebhookEvent
from tests.helpers import API, confirm_at_stripe, post_event
from tests.worker_plugin import eventually


def _stored(event_id: str) -> WebhookEvent:
    db.session.expire_all()
    return db.session.get(WebhookEvent, event_id)


def _order_status(client, shop, order: dict) -> str:
    return client.get(f"{API}/orders/{order['id']}", headers=shop.headers).json["status"]


@pytest.mark.committing
def test_worker_processes_the_stored_event_and_the_order_becomes_paid(app, client, shop, checkout, stripe_client,
                                                                     worker, tmp_path):
    order = checkout([(shop.stands[0].product, 2)])
    intent = confirm_at_stripe(stripe_client, order["payment"]["payment_intent_id"], "pm_card_visa")

    resp = post_event(client, app, "payment_intent.succeeded", intent)

    assert resp.status_code == 200 and resp.json["result"] == "queued"
    eventually(lambda: _order_status(client, shop, order) == "paid")
    stored = _stored(resp.json["event_id"])
    assert (stored.status, stored.result, stored.attempts) == ("processed", "processed", 1)
    assert json.loads(stored.payload)["data"]["object"]["id"] == intent["id"]
    lines = [json.loads(line) for line in (tmp_path / "worker.log").read_text().splitlines() if line.startswith("{")]
    assert {line["request_id"] for line in lines if line.get("job") == services.EVENT_JOB} == {
        resp.headers["X-Request-ID"]}


def test_event_whose_processing_fails_stays_stored_and_its_retry_processes_it(app, client, shop, checkout,
                                                                               stripe_client, monkeypatch):
    order = checkout([(shop.stands[0].product, 1)])
    intent = confirm_at_stripe(stripe_client, order["payment"]["payment_intent_id"], "pm_card_visa")
    real_handle, calls = services.handle_event, []

    def flaky(event):
        calls.append(event.id)
        if len(calls) == 1:
            raise ConnectionError("database connection lost mid-way")
        return real_handle(event)

    monkeypatch.setattr(services, "handle_event", flaky)
    huey = huey_of(app)
    huey.flush()

    resp = post_event(client, app, "payment_intent.succeeded", intent)

    assert resp.status_code == 200 and resp.json["result"] == "queued"  # Stripe hears 200 whatever happens next
    assert (_stored(resp.json["event_id"]).status, _order_status(client, shop, order)) == ("received",
                                                                                           "pending_payment")
    [retry] = huey.scheduled()  # inline mode keeps the retry in memory, with its backoff
    assert retry.name == services.EVENT_JOB and retry.args == (resp.json["event_id"],)

    huey.execute(retry, timestamp=retry.eta)

    assert calls == [resp.json["event_id"]] * 2
    assert _stored(resp.json["event_id"]).status == "processed" and _order_status(client, shop, order) == "paid"
    huey.flush()


def test_a_second_job_for_the_same_event_changes_nothing(app, client, shop, checkout, stripe_client):
    order = checkout([(shop.stands[0].product, 1)])
    intent = confirm_at_stripe(stripe_client, order["payment"]["payment_intent_id"], "pm_card_visa")
    resp = post_event(client, app, "payment_intent.succeeded", intent)
    paid_at = db.session.scalar(sa.select(Payment.succeeded_at))

    assert services.process_event(resp.json["event_id"]) == "duplicate"
    db.session.commit()

    assert db.session.scalar(sa.select(Payment.succeeded_at)) == paid_at
    assert _stored(resp.json["event_id"]).attempts == 1


def test_sweep_queues_again_an_event_whose_job_was_lost(app, client, shop, checkout, stripe_client, monkeypatch):
    order = checkout([(shop.stands[0].product, 1)])
    intent = confirm_at_stripe(stripe_client, order["payment"]["payment_intent_id"], "pm_card_visa")
    monkeypatch.setattr(services.jobs, "enqueue", lambda *args, **kwargs: None)  # the broker was down
    resp = post_event(client, app, "payment_intent.succeeded", intent)
    monkeypatch.undo()
    assert _stored(resp.json["event_id"]).status == "received"

    fresh = services.requeue_stalled_events()
    uow.commit()
    assert fresh == 0  # just received: its job may still be on its way
    later = services.requeue_stalled_events(utcnow() + timedelta(seconds=services.EVENT_RESWEEP_SECONDS + 1))
    uow.commit()  # the queued job runs inline now

    assert later == 1
    assert _stored(resp.json["event_id"]).status == "processed" and _order_status(client, shop, order) == "paid"
