"""The real task worker retries a refund that Stripe could not take when it was owed, once Stripe answers."""

import json

import pytest
import sqlalchemy as sa

from market_app.extensions import db
from market_app.payments.models import Refund
from market_app.payments.services import REFUND_JOB
from tests.helpers import API, charge_at_stripe, closed_port_url, part_of
from tests.worker_plugin import eventually

pytestmark = pytest.mark.committing


@pytest.fixture
def quick_retries(app, monkeypatch):
    """Refund retries after 1 s instead of a minute, in the app under test and in the worker it starts."""
    monkeypatch.setitem(app.config, "REFUND_RETRY_DELAY_SECONDS", 1)
    monkeypatch.setenv("REFUND_RETRY_DELAY_SECONDS", "1")


def _refund() -> Refund:
    db.session.expire_all()
    return db.session.scalars(sa.select(Refund)).one()


def test_worker_sends_a_refund_owed_while_stripe_was_down(app, client, shop, paid_order, stripe_at, stripe_client,
                                                          quick_retries, worker, tmp_path):
    order = paid_order()
    cabbage = part_of(order, shop.stands[0])

    with stripe_at(closed_port_url()):  # the app cannot reach Stripe; the worker, started before, can
        rejected = client.post(f"{API}/stall-orders/{cabbage['id']}/reject", json={"reason": "냉장고 고장"},
                               headers=shop.stands[0].headers)
    assert rejected.status_code == 200
    assert (_refund().status, _refund().attempts) == ("pending", 1)

    refund = eventually(lambda: (r := _refund()).status == "succeeded" and r)

    assert refund.attempts == 2 and refund.stripe_refund_id.startswith("re_") and refund.claimed_at is None
    assert charge_at_stripe(stripe_client, order["payment"]["payment_intent_id"]).amount_refunded == 6000
    # The worker's JSON log lines of that job carry the id of the request that owed the refund.
    lines = [json.loads(line) for line in (tmp_path / "worker.log").read_text().splitlines() if line.startswith("{")]
    job_lines = [line for line in lines if line.get("job") == "payments.send_refund"]
    assert [line["message"] for line in job_lines] == [f"job {REFUND_JOB} started", f"job {REFUND_JOB} done"]
    assert {line["request_id"] for line in job_lines} == {rejected.headers["X-Request-ID"]}
