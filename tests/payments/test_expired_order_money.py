"""Money is never kept without an order (issue 7, item 1): only Stripe's own cancellation lets an unpaid order
expire; a refused cancel keeps it payable; money that arrives for an order already given up takes the order back
when its stock can still be held, and is refunded in full otherwise."""

from datetime import timedelta

import sqlalchemy as sa

from market_app.core.db import utcnow
from market_app.extensions import db
from market_app.orders.models import Order
from tests.helpers import API, charge_at_stripe, confirm_at_stripe, post_event, stock_of
from tests.stripe_faults import faulty_stripe, stripe_error

CANCEL = ("POST", r"/v1/payment_intents/(pi_\w+)/cancel")


def _overdue(order_id: int) -> None:
    db.session.execute(sa.update(Order).where(Order.id == order_id).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()


def _read(client, shop, order_id: int) -> dict:
    resp = client.get(f"{API}/orders/{order_id}", headers=shop.headers)
    assert resp.status_code == 200, resp.json
    return resp.json


def _pay_at_stripe_and_tell(client, app, stripe_client, placed: dict) -> None:
    intent = confirm_at_stripe(stripe_client, placed["payment"]["payment_intent_id"], "pm_card_visa")
    assert intent["status"] == "succeeded"
    assert post_event(client, app, "payment_intent.succeeded", intent).status_code == 200


def test_a_cancel_stripe_refuses_keeps_the_overdue_order_payable_and_its_payment_lands(
        app, client, shop, checkout, stripe_client, stripe_at, localstripe_url):
    cabbage = shop.stands[0].product
    placed = checkout([(cabbage, 3)])
    _overdue(placed["id"])
    rate_limited = stripe_error(429, "invalid_request_error", "Too many requests", code="rate_limit")

    with faulty_stripe(localstripe_url, [(*CANCEL, rate_limited)]) as (url, answered), stripe_at(url):
        read = _read(client, shop, placed["id"])
        ran = app.test_cli_runner().invoke(args=["expire-orders"])

    assert len(answered) == 2  # the read and the command both asked Stripe to cancel, and both were refused
    assert "expired 0 order(s)" in ran.output
    assert (read["status"], read["payment"]["status"]) == ("pending_payment", "requires_payment_method")
    assert stock_of(cabbage) == 7  # still held for the shopper

    _pay_at_stripe_and_tell(client, app, stripe_client, placed)

    paid = _read(client, shop, placed["id"])
    assert (paid["status"], paid["payment"]["status"], paid["payment"]["refunded_amount"]) == ("paid", "succeeded", 0)
    assert stock_of(cabbage) == 7


def _expire_behind_stripes_back(client, shop, placed: dict, localstripe_url: str, stripe_at) -> None:
    """A Stripe that answers the cancel with "canceled" but keeps the intent payable: the order expires here
    while the shopper can still pay it (the state older code left behind whenever a cancel went wrong)."""
    lie = ("POST", CANCEL[1], lambda match: (200, {"id": match.group(1), "object": "payment_intent",
                                                   "status": "canceled", "amount": placed["total"],
                                                   "currency": "krw"}))
    _overdue(placed["id"])
    with faulty_stripe(localstripe_url, [lie]) as (url, _), stripe_at(url):
        assert _read(client, shop, placed["id"])["status"] == "expired"


def test_money_for_an_expired_order_takes_the_order_back_when_its_stock_is_still_there(
        app, client, shop, checkout, stripe_client, stripe_at, localstripe_url):
    cabbage, mackerel = shop.stands[0].product, shop.stands[1].product
    placed = checkout([(cabbage, 3), (mackerel, 1)])
    _expire_behind_stripes_back(client, shop, placed, localstripe_url, stripe_at)
    assert (stock_of(cabbage), stock_of(mackerel)) == (10, 10)

    _pay_at_stripe_and_tell(client, app, stripe_client, placed)

    order = _read(client, shop, placed["id"])
    assert (order["status"], order["payment"]["status"], order["payment"]["refunded_amount"]) == (
        "paid", "succeeded", 0)
    assert [part["status"] for part in order["stall_orders"]] == ["pending", "pending"]
    assert (stock_of(cabbage), stock_of(mackerel)) == (7, 9)  # held again
    accepted = client.post(f"{API}/stall-orders/{order['stall_orders'][0]['id']}/accept",
                           headers=shop.stands[0].headers)
    assert accepted.status_code == 200, accepted.json


def test_money_for_an_expired_order_whose_stock_is_gone_is_refunded_in_full(
        app, client, shop, checkout, stripe_client, stripe_at, localstripe_url):
    cabbage, mackerel = shop.stands[0].product, shop.stands[1].product
    placed = checkout([(cabbage, 3), (mackerel, 1)], "delivery")
    _expire_behind_stripes_back(client, shop, placed, localstripe_url, stripe_at)
    sold_out = client.patch(f"{API}/products/{cabbage.id}", json={"stock": 2}, headers=shop.stands[0].headers)
    assert sold_out.status_code == 200

    _pay_at_stripe_and_tell(client, app, stripe_client, placed)

    order = _read(client, shop, placed["id"])
    payment = order["payment"]
    assert order["status"] == "expired"
    assert (payment["status"], payment["refunded_amount"]) == ("succeeded", placed["total"])
    assert charge_at_stripe(stripe_client, payment["payment_intent_id"]).amount_refunded == placed["total"]
    assert (stock_of(cabbage), stock_of(mackerel)) == (2, 10)  # nothing held for an order that is gone
