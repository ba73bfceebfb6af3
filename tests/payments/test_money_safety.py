"""Money findings of the outside review (issue 7): a webhook reporting another amount or currency does not mark an
order paid; payout destinations change only through the platform admin's audited path; totals a card cannot take
are refused; Stripe's refusals are clear 4xx; unpaid orders cannot hoard a stall's stock; quick pay is rate limited."""

import pytest
import sqlalchemy as sa

from market_app.extensions import db
from market_app.markets.models import PayoutAccountChange, Stall
from market_app.orders.models import Order, OrderStatus
from tests.helpers import (
    API,
    assert_error,
    confirm_at_stripe,
    event_result,
    order_body,
    place_order,
    post_at_once,
    post_event,
    stock_of,
)
from tests.stripe_faults import faulty_stripe, stripe_error


def _notes(client, headers) -> list[dict]:
    return client.get(f"{API}/me/notifications", headers=headers).json


# --- item 4: the webhook's amount and currency -------------------------------------------------------------


@pytest.mark.parametrize(("change", "reason"), [
    ({"amount": 100}, "100 krw received; 11000 was asked"),
    ({"amount_received": 100}, "100 krw received; 11000 was asked"),
    ({"currency": "usd"}, "in usd, not krw"),
])
def test_a_signed_success_for_another_amount_or_currency_is_flagged_not_paid(
        client, app, shop, checkout, stripe_client, change, reason):
    placed = checkout([(shop.stands[0].product, 2), (shop.stands[1].product, 1)])
    intent = confirm_at_stripe(stripe_client, placed["payment"]["payment_intent_id"], "pm_card_visa")

    resp = post_event(client, app, "payment_intent.succeeded", intent | change)

    assert resp.status_code == 200
    order = client.get(f"{API}/orders/{placed['id']}", headers=shop.headers).json
    payment = client.get(f"{API}/orders/{placed['id']}/payment", headers=shop.admin_headers).json
    assert order["status"] == "pending_payment" and payment["status"] == "requires_payment_method"
    assert reason in payment["flag_reason"] and payment["flagged_at"]
    assert client.get(f"{API}/stalls/{shop.stands[0].stall.id}/orders", headers=shop.stands[0].headers).json == []
    [note] = _notes(client, shop.admin_headers)
    assert note["kind"] == "payment_flagged" and note["data"]["order_id"] == placed["id"]
    # The real report still lands: the order is paid by the event that matches.
    assert event_result(post_event(client, app, "payment_intent.succeeded", intent)) == "processed"
    assert client.get(f"{API}/orders/{placed['id']}", headers=shop.headers).json["status"] == "paid"


# --- item 6: where payouts go ------------------------------------------------------------------------------


def test_the_payout_account_cannot_be_set_through_the_stall(client, make, shop, snapshot):
    stand = shop.stands[0]
    before = snapshot(Stall, PayoutAccountChange)

    for headers in (stand.headers, shop.admin_headers):
        resp = client.patch(f"{API}/stalls/{stand.stall.id}", json={"stripe_account_id": "acct_thief"},
                            headers=headers)
        assert_error(resp, 422, "stripe_account_id")

    assert snapshot(Stall, PayoutAccountChange) == before
    assert "stripe_account_id" not in client.get(f"{API}/stalls/{stand.stall.id}").json


def test_only_the_platform_admin_sets_the_payout_account_and_every_change_is_audited(client, make, shop, snapshot):
    stand = shop.stands[0]
    url = f"{API}/stalls/{stand.stall.id}/payout-account"
    before = snapshot(Stall, PayoutAccountChange)
    for headers, status in ((stand.headers, 403), (shop.admin_headers, 403), (shop.headers, 403), ({}, 401)):
        assert_error(client.put(url, json={"stripe_account_id": "acct_thief"}, headers=headers), status)
    assert snapshot(Stall, PayoutAccountChange) == before
    operator = make.user(platform_admin=True)

    first = client.put(url, json={"stripe_account_id": "acct_1Owner"}, headers=make.headers(operator))
    second = client.put(url, json={"stripe_account_id": None}, headers=make.headers(operator))

    assert first.status_code == second.status_code == 200
    seen_by_owner = client.get(url, headers=stand.headers).json
    assert seen_by_owner["stripe_account_id"] is None
    assert [(c["actor_id"], c["old_account_id"], c["new_account_id"]) for c in seen_by_owner["changes"]] == [
        (operator.id, "acct_1Owner", None), (operator.id, None, "acct_1Owner")]
    assert_error(client.get(url, headers=shop.headers), 403)
    bad = client.put(url, json={"stripe_account_id": "acct_" + "x" * 60}, headers=make.headers(operator))
    assert_error(bad, 422, "stripe_account_id")


# --- item 7: totals a card cannot take, Stripe's refusals ------------------------------------------------------


def test_an_order_over_what_one_card_payment_can_take_is_refused_naming_items(client, make, shop, ledger):
    hanwoo = make.product(shop.stands[1].stall, name="한우 선물세트", price=10_000_000, stock=None)
    before = ledger()

    resp = place_order(client, shop.headers, order_body(shop.market, [(hanwoo, 18)]))  # ₩180,000,000

    assert_error(resp, 422, "items")
    assert "99,999,999" in resp.json["message"] + str(resp.json["errors"])
    assert ledger() == before


def test_stripe_refusing_the_payment_request_is_a_clear_422_and_writes_nothing(
        client, shop, stripe_at, localstripe_url, ledger):
    refuse = ("POST", r"/v1/payment_intents", stripe_error(400, "invalid_request_error",
                                                           "Amount must be no more than ₩99,999,999", param="amount"))
    before = ledger()

    with faulty_stripe(localstripe_url, [refuse]) as (url, answered), stripe_at(url):
        order = place_order(client, shop.headers, order_body(shop.market, [(shop.stands[0].product, 1)]))
        quick = client.post(f"{API}/stalls/{shop.stands[0].stall.id}/quick-pay", json={"amount": 5000},
                            headers=shop.stands[0].headers)

    assert len(answered) == 2
    assert_error(order, 422, "items")
    assert_error(quick, 422, "amount")
    assert "99,999,999" in order.json["errors"]["json"]["items"][0]
    assert ledger() == before


# --- item 9: hoarding stock with unpaid orders, quick-pay floods ------------------------------------------------


def test_a_shopper_holds_at_most_three_unpaid_orders_per_market(client, make, shop, checkout, pay, ledger):
    cabbage = shop.stands[0].product
    first = checkout([(cabbage, 3)])
    checkout([(cabbage, 3)])
    checkout([(cabbage, 3)])
    before = ledger()

    fourth = place_order(client, shop.headers, order_body(shop.market, [(cabbage, 1)]))

    assert_error(fourth, 409, "market_id")
    assert ledger() == before
    # Another shopper still gets the last unit, and paying one order frees a place.
    assert place_order(client, make.headers(make.user()), order_body(shop.market, [(cabbage, 1)])).status_code == 201
    pay(first)
    other = checkout([(shop.stands[1].product, 1)])
    assert other["status"] == "pending_payment"


@pytest.mark.committing  # eight threads with their own connections and transactions place orders at once
def test_orders_placed_at_once_under_different_keys_never_pass_the_unpaid_cap(app, make, shop, stripe_client):
    # A product each: orders of one product already wait for each other on its row; these must not.
    greens = [make.product(shop.stands[n % 2].stall, name=f"봄동{n}", price=3000, stock=10) for n in range(8)]
    requests = [(shop.headers | {"Idempotency-Key": f"tap-{n}"}, order_body(shop.market, [(greens[n], 1)]))
                for n in range(8)]

    results = post_at_once(app, requests)

    assert sorted(status for status, _ in results) == [201] * 3 + [409] * 5, results
    refused = [reply for status, reply in results if status == 409]
    assert all("market_id" in reply["errors"]["json"] for reply in refused)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order).where(
        Order.user_id == shop.shopper.id, Order.status == OrderStatus.PENDING_PAYMENT)) == 3
    assert sorted(stock_of(product) for product in greens) == [9] * 3 + [10] * 5


def test_quick_pay_requests_are_rate_limited_per_merchant(app, client, shop, monkeypatch):
    monkeypatch.setitem(app.config, "QUICK_PAY_RATE_LIMIT", "2 per minute")
    stand = shop.stands[0]
    url = f"{API}/stalls/{stand.stall.id}/quick-pay"

    made = [client.post(url, json={"amount": 3000}, headers=stand.headers).status_code for _ in range(2)]
    refused = client.post(url, json={"amount": 3000}, headers=stand.headers)

    assert made == [201, 201]
    assert_error(refused, 429)
    # The limit is each merchant's own: the neighbouring stall's owner still asks for payments.
    other = client.post(f"{API}/stalls/{shop.stands[1].stall.id}/quick-pay", json={"amount": 3000},
                        headers=shop.stands[1].headers)
    assert other.status_code == 201

