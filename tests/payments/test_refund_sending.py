"""Pending refunds are claimed before they are sent: overlapping runs send each one once, a run says what it
really sent, a refund Stripe could not take gets its own retry job, and a claim left by a dead run is taken again."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from market_app.core.db import utcnow
from market_app.core.jobs import huey_of
from market_app.extensions import db
from market_app.payments import services
from market_app.payments.models import Payment, Refund
from tests.helpers import API, charge_at_stripe, closed_port_url, part_of
from tests.worker_plugin import sent_by_two_cli_runs_at_once

PENDING = 40
EACH = 100  # won


def _pending_refunds(order: dict, count: int = PENDING) -> list[int]:
    """count pending refunds of EACH won against the order's payment, as an outage would have left them."""
    payment = db.session.scalar(sa.select(Payment).filter_by(order_id=order["id"]))
    refunds = [Refund(payment=payment, amount=EACH, reason=f"left by an outage {n}") for n in range(count)]
    db.session.add_all(refunds)
    db.session.commit()
    return [r.id for r in refunds]


def _refunds() -> list[Refund]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Refund).order_by(Refund.id)).all()


def _stripe_refund_count(stripe_client, intent_id: str) -> int:
    charge = charge_at_stripe(stripe_client, intent_id)
    return len(stripe_client.v1.refunds.list({"charge": charge.id, "limit": 100}).data)


@pytest.mark.committing
def test_two_overlapping_runs_send_each_pending_refund_once(app, paid_order, stripe_client):
    order = paid_order()
    _pending_refunds(order)
    start = threading.Barrier(2)
    reports = []

    def run() -> None:
        with app.app_context():
            start.wait()
            try:
                reports.append(services.send_pending_refunds(batch=5))
            finally:
                db.session.remove()

    runs = [threading.Thread(target=run) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(60)

    intent_id = order["payment"]["payment_intent_id"]
    assert charge_at_stripe(stripe_client, intent_id).amount_refunded == PENDING * EACH
    assert _stripe_refund_count(stripe_client, intent_id) == PENDING
    assert sum(r.sent for r in reports) == PENDING  # each run reports only what it sent itself
    assert {(r.status, r.attempts, r.claimed_at) for r in _refunds()} == {("succeeded", 1, None)}
    assert len({r.stripe_refund_id for r in _refunds()}) == PENDING


def test_cli_says_nothing_was_sent_while_stripe_is_unreachable(app, paid_order, stripe_at):
    order = paid_order()
    _pending_refunds(order)

    with stripe_at(closed_port_url()):
        result = app.test_cli_runner().invoke(args=["send-pending-refunds"])

    assert result.output.strip() == f"sent 0, failed 0, {PENDING} still pending (Stripe unreachable)"
    assert result.exit_code == 1
    refunds = _refunds()
    assert {(r.status, r.claimed_at) for r in refunds} == {("pending", None)}  # nothing left claimed
    # It stopped at the first unanswered call instead of waiting for Stripe forty times.
    assert [r.attempts for r in refunds] == [1] + [0] * (PENDING - 1)


def test_cli_reports_the_refunds_it_sent(app, paid_order, stripe_client):
    order = paid_order()
    _pending_refunds(order, 3)

    first = app.test_cli_runner().invoke(args=["send-pending-refunds"])
    again = app.test_cli_runner().invoke(args=["send-pending-refunds"])

    assert (first.exit_code, first.output.strip()) == (0, "sent 3, failed 0, 0 still pending")
    assert (again.exit_code, again.output.strip()) == (0, "sent 0, failed 0, 0 still pending")
    assert charge_at_stripe(stripe_client, order["payment"]["payment_intent_id"]).amount_refunded == 3 * EACH


def test_refund_claimed_by_another_run_is_not_sent_again(app, paid_order, stripe_client):
    order = paid_order()
    [refund_id] = _pending_refunds(order, 1)
    assert services.claim_refund(refund_id)  # another run holds it, mid-send

    assert services.send_refund(refund_id) == services.SendOutcome.NOT_CLAIMED
    assert str(services.send_pending_refunds()) == "sent 0, failed 0, 0 still pending, 1 being sent by another run"
    assert charge_at_stripe(stripe_client, order["payment"]["payment_intent_id"]).amount_refunded == 0


def test_claim_left_by_a_run_that_died_is_taken_again_later(app, paid_order, stripe_client):
    order = paid_order()
    [refund_id] = _pending_refunds(order, 1)
    assert services.claim_refund(refund_id)
    db.session.execute(sa.update(Refund).values(
        claimed_at=utcnow() - timedelta(seconds=services.REFUND_CLAIM_SECONDS + 1)))
    db.session.commit()

    report = services.send_pending_refunds()

    assert str(report) == "sent 1, failed 0, 0 still pending"
    [refund] = _refunds()
    assert (refund.status, refund.attempts) == ("succeeded", 1)
    assert charge_at_stripe(stripe_client, order["payment"]["payment_intent_id"]).amount_refunded == EACH


def test_refund_stripe_could_not_take_is_queued_for_a_retry(app, client, shop, paid_order, stripe_at):
    order = paid_order()
    cabbage = part_of(order, shop.stands[0])
    huey_of(app).flush()

    with stripe_at(closed_port_url()):
        rejected = client.post(f"{API}/stall-orders/{cabbage['id']}/reject", json={"reason": "냉장고 고장"},
                               headers=shop.stands[0].headers)

    assert rejected.status_code == 200
    [refund] = _refunds()
    assert (refund.status, refund.attempts, refund.claimed_at) == ("pending", 1, None)
    [retry] = huey_of(app).scheduled()
    assert (retry.name, retry.args) == ("payments.send_refund", (refund.id,))
    delay = (retry.eta.replace(tzinfo=utcnow().tzinfo) - utcnow()).total_seconds()
    assert 0 < delay <= app.config["REFUND_RETRY_DELAY_SECONDS"]
    huey_of(app).flush()


@pytest.mark.committing
def test_two_cli_runs_started_together_send_each_refund_once(app, paid_order, stripe_client):
    order = paid_order()
    _pending_refunds(order)

    sent = sent_by_two_cli_runs_at_once(app, "send-pending-refunds")

    assert sum(sent) == PENDING, sent
    intent_id = order["payment"]["payment_intent_id"]
    assert charge_at_stripe(stripe_client, intent_id).amount_refunded == PENDING * EACH
    assert _stripe_refund_count(stripe_client, intent_id) == PENDING
