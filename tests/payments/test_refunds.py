"""Refunds: a rejected part goes back exactly, partial refunds stay within what was paid for the part and for
the payment, only the stall's owner and the association may refund, and a whole cancel returns every won."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from market_app.core.errors import InvalidInput
from market_app.extensions import db
from market_app.payments import services
from market_app.payments.models import Payment
from tests.helpers import API, assert_error, charge_at_stripe, hand_over, part_of, payout_period

CONCURRENT = 4


def _payment(client, shop, order: dict) -> dict:
    resp = client.get(f"{API}/orders/{order['id']}/payment", headers=shop.headers)
    assert resp.status_code == 200, resp.json
    return resp.json


def _refund(client, headers: dict, stall_order_id: int, amount: int, reason: str = "무게 부족"):
    return client.post(f"{API}/stall-orders/{stall_order_id}/refund", json={"amount": amount, "reason": reason},
                       headers=headers)


def _stock(client, stand) -> int:
    return client.get(f"{API}/products/{stand.product.id}").json["stock"]


def test_stall_rejecting_after_payment_refunds_exactly_its_subtotal(client, shop, paid_order, stripe_client):
    order = paid_order()
    cabbage = part_of(order, shop.stands[0])
    assert cabbage["subtotal"] == 6000 and _stock(client, shop.stands[0]) == 8

    resp = client.post(f"{API}/stall-orders/{cabbage['id']}/reject", json={"reason": "배추가 다 팔렸어요"},
                       headers=shop.stands[0].headers)

    assert resp.status_code == 200 and resp.json["status"] == "rejected"
    payment = _payment(client, shop, order)
    [refund] = payment["refunds"]
    assert (refund["stall_order_id"], refund["amount"], refund["status"]) == (cabbage["id"], 6000, "succeeded")
    assert refund["stripe_refund_id"].startswith("re_")
    assert payment["refunded_amount"] == 6000 and payment["status"] == "succeeded"
    assert charge_at_stripe(stripe_client, payment["payment_intent_id"]).amount_refunded == 6000
    assert stripe_client.v1.refunds.retrieve(refund["stripe_refund_id"]).amount == 6000
    assert _stock(client, shop.stands[0]) == 10
    order_now = client.get(f"{API}/orders/{order['id']}", headers=shop.headers).json
    assert order_now["status"] == "paid" and order_now["partially_rejected"] is True


def test_partial_refunds_by_merchant_and_admin_sum_exactly_to_the_stall_subtotal(
        client, shop, paid_order, stripe_client, ledger):
    order = paid_order()
    cabbage, mackerel = part_of(order, shop.stands[0]), part_of(order, shop.stands[1])
    merchant = shop.stands[0].headers

    assert _refund(client, merchant, cabbage["id"], 1500, "한 포기 시듦").status_code == 201
    by_admin = _refund(client, shop.admin_headers, cabbage["id"], 2500, "상인회 중재")
    assert by_admin.status_code == 201 and by_admin.json["amount"] == 2500
    before = ledger()

    too_much = _refund(client, merchant, cabbage["id"], 2001)

    errors = assert_error(too_much, 422, "amount")
    assert "2000" in errors["json"]["amount"][0]
    assert ledger() == before
    assert charge_at_stripe(stripe_client, order["payment"]["payment_intent_id"]).amount_refunded == 4000

    assert _refund(client, merchant, cabbage["id"], 2000).status_code == 201
    assert_error(_refund(client, shop.admin_headers, cabbage["id"], 1), 422, "amount")
    payment = _payment(client, shop, order)
    assert [r["amount"] for r in payment["refunds"]] == [1500, 2500, 2000]
    assert {r["stall_order_id"] for r in payment["refunds"]} == {cabbage["id"]}
    assert all(r["status"] == "succeeded" and r["stripe_refund_id"] for r in payment["refunds"])
    assert payment["refunded_amount"] == cabbage["subtotal"] == 6000
    assert charge_at_stripe(stripe_client, payment["payment_intent_id"]).amount_refunded == 6000
    # The other stall's part is still fully refundable, and no more.
    assert_error(_refund(client, shop.stands[1].headers, mackerel["id"], 5001), 422, "amount")
    assert _refund(client, shop.stands[1].headers, mackerel["id"], 5000).status_code == 201
    assert _payment(client, shop, order)["refunded_amount"] == order["total"] == 11000


@pytest.mark.parametrize("amount", [0, -100, 1.5, "1000"])
def test_refund_amount_must_be_a_positive_whole_won(client, shop, paid_order, ledger, amount):
    order = paid_order()
    before = ledger()

    resp = _refund(client, shop.stands[0].headers, part_of(order, shop.stands[0])["id"], amount)

    assert_error(resp, 422, "amount")
    assert ledger() == before


def test_refund_never_exceeds_what_is_left_of_the_payment(client, shop, paid_order):
    # Parts cannot add up to more than the payment through the API, so the service's guard is checked directly.
    order = paid_order()
    payment = db.session.get(Payment, order["payment"]["id"])

    with pytest.raises(InvalidInput) as refused:
        services.request_refund(payment, payment.amount + 1, cap=payment.amount * 2, stall_order_id=None,
                                reason="more than was paid", actor_id=None)

    assert refused.value.field == "amount"
    assert payment.refunds == []


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_refund_of_an_unpaid_order_is_a_conflict(client, shop, checkout, ledger, who):
    order = checkout([(shop.stands[0].product, 1)])
    headers = shop.stands[0].headers if who == "owner" else shop.admin_headers
    before = ledger()

    resp = _refund(client, headers, order["stall_orders"][0]["id"], 1000)

    assert_error(resp, 409)
    assert ledger() == before


@pytest.mark.parametrize("who", ["shopper", "other_merchant", "other_market_admin"])
def test_refund_by_someone_else_is_not_found_and_writes_nothing(
        client, make, shop, paid_order, ledger, open_stand, who):
    order = paid_order()
    headers = {
        "shopper": lambda: shop.headers,
        "other_merchant": lambda: shop.stands[1].headers,  # same market, the other stall of this very order
        "other_market_admin": lambda: make.headers(make.member(make.market(), "admin")),
    }[who]()
    before = ledger()

    resp = _refund(client, headers, part_of(order, shop.stands[0])["id"], 1000)

    assert_error(resp, 404)
    assert ledger() == before


def test_refund_needs_a_signed_in_user(client, shop, paid_order, ledger):
    order = paid_order()
    before = ledger()

    resp = client.post(f"{API}/stall-orders/{order['stall_orders'][0]['id']}/refund",
                       json={"amount": 1000, "reason": "x"})

    assert_error(resp, 401)
    assert ledger() == before


def test_refund_of_a_stall_order_already_paid_out_is_a_conflict(client, shop, paid_order, ledger):
    order = paid_order()
    cabbage = part_of(order, shop.stands[0])
    hand_over(client, shop.stands[0], cabbage["id"])
    run = client.post(f"{API}/markets/{shop.market.id}/payouts/run", json=payout_period(),
                      headers=shop.admin_headers)
    assert run.status_code == 201 and [p["stall_id"] for p in run.json] == [shop.stands[0].stall.id]
    before = ledger()

    for headers in (shop.stands[0].headers, shop.admin_headers):
        assert_error(_refund(client, headers, cabbage["id"], 1000), 409)

    assert ledger() == before


def test_shopper_cancelling_a_paid_order_gets_everything_back_with_the_delivery_fee(
        client, shop, paid_order, stripe_client):
    order = paid_order("delivery")
    assert (order["subtotal"], order["delivery_fee"], order["total"]) == (11000, 3000, 14000)

    resp = client.post(f"{API}/orders/{order['id']}/cancel", headers=shop.headers)

    assert resp.status_code == 200 and resp.json["status"] == "cancelled"
    payment = _payment(client, shop, order)
    refunds = {r["stall_order_id"]: r["amount"] for r in payment["refunds"]}
    assert refunds == {part_of(order, shop.stands[0])["id"]: 6000, part_of(order, shop.stands[1])["id"]: 5000,
                       None: 3000}
    assert sum(refunds.values()) == payment["refunded_amount"] == order["total"]
    assert all(r["status"] == "succeeded" and r["stripe_refund_id"] for r in payment["refunds"])
    assert charge_at_stripe(stripe_client, payment["payment_intent_id"]).amount_refunded == 14000
    assert (_stock(client, shop.stands[0]), _stock(client, shop.stands[1])) == (10, 10)


def test_last_stall_rejecting_also_returns_the_delivery_fee(client, shop, paid_order, stripe_client):
    order = paid_order("delivery")

    for stand in shop.stands:
        resp = client.post(f"{API}/stall-orders/{part_of(order, stand)['id']}/reject", json={"reason": "재료 소진"},
                           headers=stand.headers)
        assert resp.status_code == 200, resp.json

    payment = _payment(client, shop, order)
    assert [r["amount"] for r in payment["refunds"]] == [6000, 5000, 3000]
    assert payment["refunded_amount"] == order["total"] == 14000
    assert charge_at_stripe(stripe_client, payment["payment_intent_id"]).amount_refunded == 14000
    assert client.get(f"{API}/orders/{order['id']}", headers=shop.headers).json["status"] == "cancelled"


@pytest.mark.committing  # refunds race through live_server, each request on its own connection
def test_concurrent_refunds_never_exceed_the_stall_order(client, shop, paid_order, live_server, stripe_client):
    order = paid_order()
    cabbage = part_of(order, shop.stands[0])
    url = f"{live_server}{API}/stall-orders/{cabbage['id']}/refund"
    start = threading.Barrier(CONCURRENT)

    def refund(_n: int) -> int:
        with requests.Session() as http:
            http.trust_env = False
            start.wait()
            return http.post(url, json={"amount": 4000, "reason": "동시 환불"}, headers=shop.stands[0].headers,
                             timeout=30).status_code

    with ThreadPoolExecutor(CONCURRENT) as pool:
        statuses = sorted(pool.map(refund, range(CONCURRENT)))

    assert statuses == [201] + [422] * (CONCURRENT - 1)
    payment = _payment(client, shop, order)
    assert [r["amount"] for r in payment["refunds"]] == [4000]
    assert charge_at_stripe(stripe_client, payment["payment_intent_id"]).amount_refunded == 4000


def test_rejecting_after_a_partial_refund_returns_only_the_rest(client, shop, paid_order, stripe_client):
    order = paid_order()
    cabbage = part_of(order, shop.stands[0])
    assert _refund(client, shop.stands[0].headers, cabbage["id"], 1500).status_code == 201

    resp = client.post(f"{API}/stall-orders/{cabbage['id']}/reject", json={"reason": "나머지도 상함"},
                       headers=shop.stands[0].headers)

    assert resp.status_code == 200
    payment = _payment(client, shop, order)
    assert [(r["stall_order_id"], r["amount"]) for r in payment["refunds"]] == [(cabbage["id"], 1500),
                                                                              (cabbage["id"], 4500)]
    assert charge_at_stripe(stripe_client, payment["payment_intent_id"]).amount_refunded == 6000


def test_admin_reads_the_payment_without_its_client_secret(client, shop, paid_order):
    order = paid_order()

    as_admin = client.get(f"{API}/orders/{order['id']}/payment", headers=shop.admin_headers)

    assert as_admin.status_code == 200 and as_admin.json["status"] == "succeeded"
    assert "client_secret" not in as_admin.json
    assert _payment(client, shop, order)["client_secret"].startswith(order["payment"]["payment_intent_id"])
    assert_error(client.get(f"{API}/orders/{order['id']}/payment", headers=shop.stands[0].headers), 404)
