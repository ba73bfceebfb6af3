"""A payout that did not go by Stripe is settled by its market's admins: a transfer that failed for good is sent
again once its cause is fixed (with a new idempotency key), and a payout the association paid by bank is recorded
as paid with the transfer's reference. Neither can happen to a payout Stripe may still be sending, nor twice."""

import pytest
import sqlalchemy as sa

from market_app.core.db import utcnow
from market_app.core.timeutil import local_date
from market_app.extensions import db
from market_app.settlement import services, transfers
from market_app.settlement.models import Payout
from tests.helpers import API, assert_error, closed_port_url, every_row, handed_over_last_week, post_at_once
from tests.settlement.payouts import NET, NO_SUCH_DESTINATION, listed, payout_row, sweep, transfers_to, weekly_run
from tests.stripe_faults import faulty_stripe, stripe_error

SERVER_ERROR_ON_CREATE = ("POST", r"/v1/transfers", stripe_error(500, "api_error", "Something went wrong."))


def _resend(client, headers, payout_id):
    return client.post(f"{API}/payouts/{payout_id}/resend", json={}, headers=headers)


def _paid_by_bank(client, headers, payout_id, reference="신한 110-234-567890 망원시장상인회"):
    return client.post(f"{API}/payouts/{payout_id}/bank-transfer", json={"reference": reference}, headers=headers)


def _me(client, headers) -> int:
    return client.get(f"{API}/me", headers=headers).json["id"]


def _payouts_on_the_dashboard(client, shop) -> dict:
    """The payouts of the sales from last Monday to today, as 채소가게's owner sees them on the stall's dashboard
    (the sale was made today, and handed over as of last week)."""
    monday = services.last_week(utcnow(), shop.market.timezone)[0]
    today = local_date(utcnow(), shop.market.timezone)
    resp = client.get(f"{API}/stalls/{shop.stands[0].stall.id}/dashboard", headers=shop.stands[0].headers,
                      query_string={"from": monday.isoformat(), "to": today.isoformat()})
    assert resp.status_code == 200, resp.json
    return resp.json["payouts"]


def _refusal(resp, status: int) -> str:
    """The message of a refusal in the API's error shape."""
    assert_error(resp, status)
    return resp.json["message"]


@pytest.fixture
def failed_payout(client, shop, paid_order, account, stripe_down):
    """채소가게's payout of last week, whose Stripe transfer failed for good (the run found Stripe down): its
    account was removed before the sweep ("account_removed"), or Stripe refused the transfer ("stripe_refuses")."""

    def failed_payout(why: str = "account_removed") -> dict:
        handed_over_last_week(client, shop, paid_order)
        with stripe_down("down"):
            assert weekly_run(shop) == 1
        if why == "account_removed":
            shop.stands[0].stall.stripe_account_id = None
            db.session.commit()
            assert sweep() == "sent 0, failed 1, 0 still pending"
        else:
            with stripe_down("refusing"):
                assert sweep() == "sent 0, failed 1, 0 still pending"
        failed = listed(client, shop)
        assert (failed["method"], failed["status"], failed["attempts"], failed["resends"]) == (
            "stripe_transfer", "failed", 2, 0)
        return failed

    return failed_payout


def test_failed_transfer_is_sent_again_once_the_stall_has_an_account(client, shop, failed_payout, stripe_client):
    failed = failed_payout("account_removed")
    before = every_row()

    refused = _resend(client, shop.admin_headers, failed["id"])

    assert "no Stripe account" in _refusal(refused, 409)
    assert every_row() == before
    account = shop.stands[0].stall.stripe_account_id = "acct_reconnected00001"
    db.session.commit()

    resp = _resend(client, shop.admin_headers, failed["id"])

    assert resp.status_code == 200, resp.json
    assert (resp.json["resends"], resp.json["last_error"]) == (1, None)
    # The send job runs inline in tests, after the commit and before the answer: the transfer went at once.
    paid = listed(client, shop)
    assert paid == resp.json
    [transfer] = transfers_to(stripe_client, account)
    assert (paid["status"], paid["method"], paid["stripe_transfer_id"], paid["attempts"], paid["resends"]) == (
        "paid", "stripe_transfer", transfer.id, 3, 1)
    assert paid["paid_at"] is not None and paid["bank_reference"] is None and paid["paid_by_id"] is None
    assert (transfer.amount, transfer.transfer_group) == (NET, paid["transfer_group"])
    # Paid by Stripe after a resend: paying it by bank as well is refused, naming the transfer.
    for again in (_resend(client, shop.admin_headers, failed["id"]), _paid_by_bank(client, shop.admin_headers,
                                                                                     failed["id"])):
        assert _refusal(again, 409) == f"This payout is already paid, by Stripe transfer {transfer.id}."
    assert sweep() == "sent 0, failed 0, 0 still pending"
    assert len(transfers_to(stripe_client, account)) == 1


def test_payout_owed_by_bank_is_recorded_paid_once(client, shop, paid_order, stripe_client):
    handed_over_last_week(client, shop, paid_order)  # 채소가게 has no connected account
    assert weekly_run(shop) == 1
    owed = listed(client, shop)
    assert (owed["method"], owed["status"], owed["paid_at"]) == ("bank_transfer", "pending", None)
    assert _payouts_on_the_dashboard(client, shop) == {"paid": 0, "pending": NET}

    resp = _paid_by_bank(client, shop.admin_headers, owed["id"], "  신한 110-234-567890 5월 정산  ")

    assert resp.status_code == 200, resp.json
    paid = listed(client, shop)
    assert paid == resp.json
    assert (paid["method"], paid["status"], paid["bank_reference"], paid["paid_by_id"], paid["net"]) == (
        "bank_transfer", "paid", "신한 110-234-567890 5월 정산", _me(client, shop.admin_headers), NET)
    assert paid["paid_at"] is not None and paid["stripe_transfer_id"] is None
    assert _payouts_on_the_dashboard(client, shop) == {"paid": NET, "pending": 0}  # the merchant sees it paid
    before = every_row()

    again = _paid_by_bank(client, shop.admin_headers, owed["id"], "another transfer")
    resend = _resend(client, shop.admin_headers, owed["id"])

    assert _refusal(again, 409) == "This payout is already paid."
    assert _refusal(resend, 409) == "This payout is already paid."
    assert every_row() == before


def test_payout_owed_by_bank_is_never_sent_by_stripe(client, shop, paid_order):
    handed_over_last_week(client, shop, paid_order)
    assert weekly_run(shop) == 1
    before = every_row()

    resp = _resend(client, shop.admin_headers, listed(client, shop)["id"])

    assert "paid by bank, not by Stripe" in _refusal(resp, 409)
    assert every_row() == before


def test_transfer_that_failed_for_good_can_be_paid_by_bank_instead(client, shop, failed_payout, stripe_client):
    failed = failed_payout("account_removed")

    resp = _paid_by_bank(client, shop.admin_headers, failed["id"])

    assert resp.status_code == 200, resp.json
    assert (resp.json["method"], resp.json["status"], resp.json["last_error"], resp.json["attempts"]) == (
        "bank_transfer", "paid", None, 2)
    shop.stands[0].stall.stripe_account_id = "acct_reconnected00002"
    db.session.commit()
    before = every_row()

    resend = _resend(client, shop.admin_headers, failed["id"])

    assert _refusal(resend, 409) == "This payout is already paid."
    assert sweep() == "sent 0, failed 0, 0 still pending"
    assert every_row() == before
    assert transfers_to(stripe_client, "acct_reconnected00002") == []


@pytest.mark.parametrize("how", ["down", "refusing_lookup"])
def test_transfer_stripe_may_still_make_is_neither_paid_by_bank_nor_sent_again(
        client, shop, paid_order, account, stripe_down, stripe_client, how):
    handed_over_last_week(client, shop, paid_order)
    with stripe_down(how):
        assert weekly_run(shop) == 1
        # A lookup Stripe refuses says nothing of a transfer made before: retried like an outage, never failed.
        assert sweep() == "sent 0, failed 0, 1 still pending (Stripe unreachable)"
    pending = listed(client, shop)
    assert (pending["method"], pending["status"]) == ("stripe_transfer", "pending")
    before = every_row()

    by_bank = _paid_by_bank(client, shop.admin_headers, pending["id"])
    resend = _resend(client, shop.admin_headers, pending["id"])

    assert "can be paid by bank only once it has failed" in _refusal(by_bank, 409)
    assert "can be sent again only once it has failed" in _refusal(resend, 409)
    assert every_row() == before
    assert sweep() == "sent 1, failed 0, 0 still pending"
    assert len(transfers_to(stripe_client, account)) == 1


@pytest.mark.parametrize(("body", "message"), [
    ({}, "Missing data"),
    ({"reference": ""}, "Length must be between 1 and 100"),
    ({"reference": "   \t "}, "not only spaces"),
    ({"reference": "x" * 101}, "Length must be between 1 and 100"),
    ({"reference": 1234}, "Not a valid string"),
    ({"reference": "ok", "paid": True}, "Unknown field"),
])
def test_bank_transfer_without_a_reference_is_refused_naming_it(client, shop, paid_order, body, message):
    handed_over_last_week(client, shop, paid_order)
    assert weekly_run(shop) == 1
    payout_id = listed(client, shop)["id"]
    before = every_row()

    resp = client.post(f"{API}/payouts/{payout_id}/bank-transfer", json=body, headers=shop.admin_headers)

    field = "paid" if "paid" in body else "reference"
    errors = assert_error(resp, 422, field)["json"]
    assert any(message in text for text in errors[field]), errors
    assert every_row() == before


def test_who_may_settle_a_payout(client, make, shop, paid_order):
    handed_over_last_week(client, shop, paid_order)
    assert weekly_run(shop) == 1
    payout_id = listed(client, shop)["id"]
    other_market = make.market()
    roles = {"anonymous": ({}, 401), "shopper": (shop.headers, 404),
             "stall owner": (shop.stands[0].headers, 403), "other stall owner": (shop.stands[1].headers, 404),
             "other market's admin": (make.headers(make.member(other_market, "admin")), 404),
             "courier of the market": (make.headers(make.member(shop.market, "courier")), 404)}
    before = every_row()

    for role, (headers, status) in roles.items():
        for resp in (_paid_by_bank(client, headers, payout_id), _resend(client, headers, payout_id)):
            assert resp.status_code == status, (role, resp.status_code, resp.json)
    for missing in (payout_id + 1000, 2**31 - 1, 2**40):
        assert_error(_paid_by_bank(client, shop.admin_headers, missing), 404)
        assert_error(_resend(client, shop.admin_headers, missing), 404)

    assert every_row() == before
    # The platform's operator may act as any market's admin.
    resp = _paid_by_bank(client, make.headers(make.user(platform_admin=True)), payout_id)
    assert (resp.status_code, resp.json["status"]) == (200, "paid")


@pytest.mark.committing  # two admins, each with their own connection and transaction
def test_two_admins_recording_one_bank_transfer_at_once_record_it_once(app, client, make, shop, paid_order):
    handed_over_last_week(client, shop, paid_order)
    assert weekly_run(shop) == 1
    payout_id = listed(client, shop)["id"]
    second_admin = make.headers(make.member(shop.market, "admin"))
    url = f"{API}/payouts/{payout_id}/bank-transfer"

    results = post_at_once(app, [(shop.admin_headers, {"reference": "first"}),
                                 (second_admin, {"reference": "second"})], url)

    assert sorted(status for status, _ in results) == [200, 409], results
    [(_, winner)] = [(status, body) for status, body in results if status == 200]
    paid = listed(client, shop)
    assert (paid["status"], paid["bank_reference"]) == ("paid", winner["bank_reference"])


def test_failed_payout_stripe_did_send_is_recorded_paid_by_stripe_not_paid_by_bank(
        client, shop, paid_order, account, stripe_client, monkeypatch):
    handed_over_last_week(client, shop, paid_order)

    def died_before_recording(*_args):
        raise RuntimeError("worker killed between Stripe's answer and the commit")

    with monkeypatch.context() as patched:
        patched.setattr(transfers, "_paid", died_before_recording)
        assert weekly_run(shop) == 1
    [made] = transfers_to(stripe_client, account)
    # Failed as the code before migration 0014 could fail it: without asking Stripe first.
    db.session.execute(sa.update(Payout).values(status="failed", claimed_at=None, last_error="no account"))
    db.session.commit()
    payout_id = payout_row().id

    resp = _paid_by_bank(client, shop.admin_headers, payout_id)

    assert _refusal(resp, 409) == (
        f"Stripe did make transfer {made.id} for this payout: it is paid. Do not pay it by bank.")
    paid = listed(client, shop)
    assert (paid["status"], paid["method"], paid["stripe_transfer_id"], paid["bank_reference"]) == (
        "paid", "stripe_transfer", made.id, None)
    assert len(transfers_to(stripe_client, account)) == 1


def test_failed_stripe_payout_is_not_paid_by_bank_while_stripe_cannot_say_whether_it_sent_it(
        client, shop, failed_payout, stripe_down):
    failed = failed_payout("stripe_refuses")
    before = every_row()

    with stripe_down("down"):
        resp = _paid_by_bank(client, shop.admin_headers, failed["id"])

    assert "whether it sent this payout is unknown" in _refusal(resp, 503)
    assert resp.headers["Retry-After"] == "5"
    assert every_row() == before


def test_resent_transfer_goes_under_its_own_idempotency_key_on_every_attempt(
        client, shop, paid_order, account, stripe_at, localstripe_url, stripe_client):
    handed_over_last_week(client, shop, paid_order)
    with stripe_at(closed_port_url()):
        assert weekly_run(shop) == 1
    refused, retried, resent = [], [], []
    with faulty_stripe(localstripe_url, [NO_SUCH_DESTINATION], refused) as (url, _answered), stripe_at(url):
        assert sweep() == "sent 0, failed 1, 0 still pending"
    with stripe_at(closed_port_url()):  # Stripe goes away as the admin resends: the sweep sends it later
        assert _resend(client, shop.admin_headers, payout_row().id).status_code == 200
    with faulty_stripe(localstripe_url, [SERVER_ERROR_ON_CREATE], retried) as (url, _answered), stripe_at(url):
        assert sweep() == "sent 0, failed 0, 1 still pending (Stripe unreachable)"
    with faulty_stripe(localstripe_url, [], resent) as (url, _answered), stripe_at(url):
        assert sweep() == "sent 1, failed 0, 0 still pending"

    # Stripe would answer the refused request's key with that refusal for a day: the resend has a key of its own,
    # the same on each of its attempts (Stripe keeps one transfer per key).
    [first], [retry], [again] = refused, retried, resent
    assert first.startswith("POST /v1/transfers payout-") and retry == again == f"{first}-resend-1"
    assert len(transfers_to(stripe_client, account)) == 1


@pytest.mark.committing  # two admins at once, each with their own connection and transaction
def test_resend_and_bank_transfer_at_once_settle_the_payout_one_way(app, client, make, shop, failed_payout,
                                                                     stripe_client):
    failed = failed_payout("stripe_refuses")
    second_admin = make.headers(make.member(shop.market, "admin"))
    urls = [f"{API}/payouts/{failed['id']}/resend", f"{API}/payouts/{failed['id']}/bank-transfer"]

    results = post_at_once(app, [(shop.admin_headers, {}), (second_admin, {"reference": "우리 1002-3"})], urls)

    assert sorted(status for status, _ in results) == [200, 409], results
    account = shop.stands[0].stall.stripe_account_id
    settled = listed(client, shop)
    if settled["method"] == "bank_transfer":  # the bank transfer was recorded first: Stripe sends nothing
        assert (settled["status"], settled["bank_reference"], transfers_to(stripe_client, account)) == (
            "paid", "우리 1002-3", [])
        return
    # The resend came first and the bank transfer was refused. The resend's send job may have found the payout's
    # row locked by that refused request (it skips locked rows): then the sweep sends it.
    if settled["status"] == "pending":
        assert sweep() == "sent 1, failed 0, 0 still pending"
        settled = listed(client, shop)
    assert (settled["status"], settled["bank_reference"], [t.id for t in transfers_to(stripe_client, account)]) == (
        "paid", None, [settled["stripe_transfer_id"]])
