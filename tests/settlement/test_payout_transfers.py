"""A payout's Stripe transfer that was not confirmed when the payout was committed (Stripe down, refusing with a 429
or a 5xx, hanging; the worker dying) is sent by the sweep once Stripe answers, exactly once; one that can never go
fails once and is not retried."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from market_app.core import jobs, uow
from market_app.core.db import utcnow
from market_app.extensions import db
from market_app.payments import gateway
from market_app.payments.services import SendOutcome
from market_app.settlement import transfers
from market_app.settlement.models import Payout, PayoutMethod
from tests.helpers import closed_port_url, handed_over_last_week
from tests.settlement.payouts import NET, listed, payout_row, sweep, transfers_to, weekly_run
from tests.worker_plugin import eventually, sent_by_two_cli_runs_at_once


@pytest.mark.parametrize("how", ["down", "rate_limited", "server_error", "hanging"])
def test_transfer_stripe_did_not_take_in_the_weekly_run_is_sent_once_by_the_sweep(
        client, shop, paid_order, account, stripe_down, stripe_client, how):
    handed_over_last_week(client, shop, paid_order)

    with stripe_down(how):
        assert weekly_run(shop) == 1
        assert sweep() == "sent 0, failed 0, 1 still pending (Stripe unreachable)"

    waiting = listed(client, shop)
    assert (waiting["method"], waiting["status"], waiting["net"], waiting["attempts"]) == (
        "stripe_transfer", "pending", NET, 2)
    assert waiting["last_error"].startswith("Stripe unreachable, will retry") and waiting["stripe_transfer_id"] is None
    assert transfers_to(stripe_client, account) == []

    assert sweep() == "sent 1, failed 0, 0 still pending"
    assert sweep() == "sent 0, failed 0, 0 still pending"
    assert weekly_run(shop) == 0  # the week's sale is in the payout: a second run pays nothing

    [transfer] = transfers_to(stripe_client, account)
    paid = listed(client, shop)
    assert (paid["status"], paid["stripe_transfer_id"], paid["last_error"], paid["attempts"]) == (
        "paid", transfer.id, None, 3)
    assert (transfer.amount, transfer.currency, transfer.transfer_group) == (NET, "krw", paid["transfer_group"])
    assert transfer.metadata.to_dict()["payout_id"] == str(paid["id"])


def test_worker_lost_after_the_payouts_commit_leaves_a_transfer_the_sweep_sends(
        client, shop, paid_order, account, stripe_client, monkeypatch):
    handed_over_last_week(client, shop, paid_order)

    def worker_killed(*_args, **_kwargs):
        raise RuntimeError("worker killed after the payouts' commit")

    with monkeypatch.context() as patched:
        patched.setattr(transfers, "claim", worker_killed)  # the send job dies before it claims anything
        assert weekly_run(shop) == 1

    assert (payout_row().status, payout_row().claimed_at, payout_row().attempts) == ("pending", None, 0)
    assert transfers_to(stripe_client, account) == []

    assert sweep() == "sent 1, failed 0, 0 still pending"

    [transfer] = transfers_to(stripe_client, account)
    assert (listed(client, shop)["status"], listed(client, shop)["stripe_transfer_id"]) == ("paid", transfer.id)


@pytest.mark.parametrize("account_since", ["kept", "removed"])
def test_run_that_died_after_stripe_made_the_transfer_is_recorded_not_paid_twice(
        client, shop, paid_order, account, stripe_client, monkeypatch, account_since):
    handed_over_last_week(client, shop, paid_order)

    def died_before_recording(*_args):
        raise RuntimeError("worker killed between Stripe's answer and the commit")

    with monkeypatch.context() as patched:
        patched.setattr(transfers, "_paid", died_before_recording)
        assert weekly_run(shop) == 1

    [made] = transfers_to(stripe_client, account)  # Stripe has it; the payout does not know
    assert (payout_row().status, payout_row().stripe_transfer_id) == ("pending", None)
    assert payout_row().claimed_at is not None  # the dead run's claim: nobody sends it meanwhile
    assert sweep() == "sent 0, failed 0, 0 still pending, 1 being sent by another run"
    db.session.execute(sa.update(Payout).values(
        claimed_at=utcnow() - timedelta(seconds=transfers.CLAIM_SECONDS + 1)))
    if account_since == "removed":  # Stripe's transfer is found first: paid, never failed (and paid again by bank)
        shop.stands[0].stall.stripe_account_id = None
    db.session.commit()

    assert sweep() == "sent 1, failed 0, 0 still pending"

    assert [t.id for t in transfers_to(stripe_client, account)] == [made.id]
    paid = listed(client, shop)
    assert (paid["status"], paid["stripe_transfer_id"], paid["attempts"]) == ("paid", made.id, 1)


@pytest.mark.parametrize("why", ["account_removed", "stripe_refuses"])
def test_transfer_that_can_never_go_fails_once_and_is_not_retried(
        client, shop, paid_order, account, stripe_down, stripe_client, why):
    handed_over_last_week(client, shop, paid_order)
    with stripe_down("down"):
        assert weekly_run(shop) == 1
    if why == "account_removed":  # after the payout was made for Stripe
        shop.stands[0].stall.stripe_account_id = None
        db.session.commit()

    with stripe_down("refusing"):
        assert sweep() == "sent 0, failed 1, 0 still pending"
        assert sweep() == "sent 0, failed 0, 0 still pending"

    failed = listed(client, shop)
    assert (failed["method"], failed["status"], failed["attempts"], failed["stripe_transfer_id"]) == (
        "stripe_transfer", "failed", 2, None)
    reason = {"account_removed": "no Stripe account any more", "stripe_refuses": "No such destination"}[why]
    assert reason in failed["last_error"]
    assert transfers_to(stripe_client, account) == []


def test_bank_transfer_payouts_are_never_swept(client, shop, paid_order, stripe_client):
    handed_over_last_week(client, shop, paid_order)  # 채소가게 has no connected account
    assert weekly_run(shop) == 1

    assert sweep() == "sent 0, failed 0, 0 still pending"

    owed = listed(client, shop)
    assert (owed["method"], owed["status"], owed["attempts"]) == ("bank_transfer", "pending", 0)


def _payouts_left_by_an_outage(shop, account: str, count: int) -> list[int]:
    """count payouts of 채소가게 waiting for their transfer, as a Stripe outage would have left them."""
    today = utcnow().date()
    payouts = [Payout(market_id=shop.market.id, stall_id=shop.stands[0].stall.id, period_start=today,
                      period_end=today, gross=1000 + n, refunds=0, commission=0, delivery_fees=0, net=1000 + n,
                      commission_bps=0, method=PayoutMethod.STRIPE_TRANSFER, attempts=1,
                      transfer_group=f"outage-{account}-{n}") for n in range(count)]
    db.session.add_all(payouts)
    db.session.commit()
    return [p.id for p in payouts]


@pytest.mark.committing
def test_two_overlapping_sweeps_send_each_transfer_once(app, shop, account, stripe_client):
    ids = _payouts_left_by_an_outage(shop, account, 12)
    start = threading.Barrier(2)
    reports = []

    def run_sweep() -> None:
        with app.app_context():
            start.wait()
            try:
                with uow.unit_of_work():
                    reports.append(transfers.send_pending_transfers(batch=3))
            finally:
                db.session.remove()

    runs = [threading.Thread(target=run_sweep) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(60)

    sent = transfers_to(stripe_client, account)
    assert sorted(t.metadata["payout_id"] for t in sent) == sorted(str(i) for i in ids)  # one each, none twice
    assert sum(r.sent for r in reports) == len(ids)  # each sweep reports only what it sent itself
    db.session.expire_all()
    payouts = db.session.scalars(sa.select(Payout)).all()
    assert {(p.status, p.attempts, p.claimed_at) for p in payouts} == {("paid", 2, None)}


def test_cli_says_nothing_was_sent_while_stripe_is_unreachable(app, shop, account, stripe_at, stripe_client):
    _payouts_left_by_an_outage(shop, account, 3)

    with stripe_at(closed_port_url()):
        result = app.test_cli_runner().invoke(args=["send-pending-transfers"])

    assert (result.exit_code, result.output.strip()) == (1, "sent 0, failed 0, 3 still pending (Stripe unreachable)")
    db.session.expire_all()
    payouts = db.session.scalars(sa.select(Payout).order_by(Payout.id)).all()
    assert {(p.status, p.claimed_at) for p in payouts} == {("pending", None)}  # nothing left claimed
    assert [p.attempts for p in payouts] == [2, 1, 1]  # it stopped at the first call Stripe did not answer
    assert transfers_to(stripe_client, account) == []


def test_cli_reports_the_transfers_it_sent(app, shop, account, stripe_client):
    ids = _payouts_left_by_an_outage(shop, account, 3)

    first = app.test_cli_runner().invoke(args=["send-pending-transfers"])
    again = app.test_cli_runner().invoke(args=["send-pending-transfers"])

    assert (first.exit_code, first.output.strip()) == (0, "sent 3, failed 0, 0 still pending")
    assert (again.exit_code, again.output.strip()) == (0, "sent 0, failed 0, 0 still pending")
    sent = transfers_to(stripe_client, account)
    assert sorted(t.metadata["payout_id"] for t in sent) == sorted(str(i) for i in ids)


@pytest.mark.committing
def test_two_flask_cli_runs_started_together_send_each_transfer_once(app, shop, account, stripe_client):
    ids = _payouts_left_by_an_outage(shop, account, 12)

    sent = sent_by_two_cli_runs_at_once(app, "send-pending-transfers")

    assert sum(sent) == len(ids), sent
    sent = transfers_to(stripe_client, account)
    assert sorted(t.metadata["payout_id"] for t in sent) == sorted(str(i) for i in ids)  # one each, none twice


@pytest.mark.committing
def test_worker_sweep_pays_a_payout_stripe_was_down_for(client, shop, paid_order, account, stripe_at, stripe_client,
                                                        worker, tmp_path, monkeypatch):
    handed_over_last_week(client, shop, paid_order)
    with stripe_at(closed_port_url()):  # the app cannot reach Stripe; the worker, started before, can
        with monkeypatch.context() as patched:
            patched.setattr(jobs, "enqueue", lambda *_args, **_kwargs: None)  # the run's send job is lost
            assert weekly_run(shop) == 1
        assert sweep() == "sent 0, failed 0, 1 still pending (Stripe unreachable)"
    assert listed(client, shop)["status"] == "pending"

    with uow.unit_of_work():
        jobs.enqueue(transfers.SWEEP_JOB)  # what the worker's schedule does every ten minutes

    paid = eventually(lambda: (p := listed(client, shop))["status"] == "paid" and p)
    [transfer] = transfers_to(stripe_client, account)
    assert (paid["stripe_transfer_id"], paid["attempts"], transfer.amount) == (transfer.id, 2, NET)
    log = (tmp_path / "worker.log").read_text()
    assert f"job {transfers.SWEEP_JOB} done" in log and "sent 1, failed 0, 0 still pending" in log


@pytest.mark.committing  # the payout is taken over from another connection while this run talks to Stripe
def test_late_answer_of_a_run_taken_over_is_not_written_over_what_was_recorded_since(
        app, shop, account, stripe_client, monkeypatch):
    [payout_id] = _payouts_left_by_an_outage(shop, account, 1)
    lookup = gateway.find_transfer

    def taken_over_meanwhile(*args, **kwargs):
        # This run stalled past CLAIM_SECONDS: the sweep took the payout over, Stripe refused it, and an admin
        # recorded the bank transfer that paid it, each in its own transaction.
        with db.engine.begin() as other:
            other.execute(sa.update(Payout).where(Payout.id == payout_id).values(
                status="paid", method="bank_transfer", bank_reference="by hand", claimed_at=None, attempts=5))
        return lookup(*args, **kwargs)

    monkeypatch.setattr(gateway, "find_transfer", taken_over_meanwhile)
    claimed = transfers.claim(Payout.id == payout_id)
    with uow.unit_of_work():
        counts = transfers.send_claimed(claimed)

    assert (counts[SendOutcome.NOT_CLAIMED], counts[SendOutcome.SENT]) == (1, 0)
    payout = payout_row()
    assert (payout.status, payout.method, payout.bank_reference, payout.attempts, payout.stripe_transfer_id) == (
        "paid", "bank_transfer", "by hand", 5, None)
    assert transfers_to(stripe_client, account) == []  # paid by bank: this run moved no money
