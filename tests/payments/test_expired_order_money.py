"""Money is never kept without an order (issue 7, item 1): only Stripe's own cancellation lets an unpaid order
expire; a refused cancel keeps it payable; money that arrives for an order already given up takes the order back
when its stock can still be held, and is refunded in full otherwise."""



from market_app.payments.models import Refund
from tests.helpers import (
    API,
    charge_at_stripe,
    make_overdue,
    pay_at_stripe_and_tell,
    read_order,
    rows_of,
    stock_of,
)
from tests.stripe_faults import CANCEL, expire_behind_stripes_back, faulty_stripe, processing_at_stripe, stripe_error


def test_a_cancel_stripe_refuses_keeps_the_overdue_order_payable_and_its_payment_lands(
        app, client, shop, checkout, stripe_client, stripe_at, localstripe_url):
    cabbage = shop.stands[0].product
    placed = checkout([(cabbage, 3)])
    make_overdue(placed["id"])
    rate_limited = stripe_error(429, "invalid_request_error", "Too many requests", code="rate_limit")

    with faulty_stripe(localstripe_url, [(*CANCEL, rate_limited)]) as (url, answered), stripe_at(url):
        read = read_order(client, shop, placed["id"])
        ran = app.test_cli_runner().invoke(args=["expire-orders"])

    assert len(answered) == 2  # the read and the command both asked Stripe to cancel, and both were refused
    assert "expired 0 order(s)" in ran.output
    assert (read["status"], read["payment"]["status"]) == ("pending_payment", "requires_payment_method")
    assert stock_of(cabbage) == 7  # still held for the shopper

    pay_at_stripe_and_tell(client, app, stripe_client, placed)

    paid = read_order(client, shop, placed["id"])
    assert (paid["status"], paid["payment"]["status"], paid["payment"]["refunded_amount"]) == ("paid", "succeeded", 0)
    assert stock_of(cabbage) == 7


def test_an_overdue_order_whose_payment_is_processing_stays_pending_and_is_paid_when_it_settles(
        app, client, shop, checkout, stripe_client, stripe_at, localstripe_url):
    cabbage = shop.stands[0].product
    placed = checkout([(cabbage, 3)])
    make_overdue(placed["id"])

    with faulty_stripe(localstripe_url, processing_at_stripe(stripe_client)) as (url, answered), stripe_at(url):
        read = read_order(client, shop, placed["id"])
        ran = app.test_cli_runner().invoke(args=["expire-orders"])

    cancels = [line for line in answered if line.startswith("POST") and line.endswith("/cancel")]
    assert len(cancels) == 2  # the read and the command both asked Stripe to cancel, and both were refused
    assert "expired 0 order(s)" in ran.output
    assert (read["status"], read["payment"]["status"]) == ("pending_payment", "processing")
    assert read["payment"]["refunded_amount"] == 0 and rows_of(Refund) == {"refunds": []}
    assert stock_of(cabbage) == 7  # still held: the money may yet arrive

    pay_at_stripe_and_tell(client, app, stripe_client, placed)  # the processing payment settles

    paid = read_order(client, shop, placed["id"])
    assert (paid["status"], paid["payment"]["status"], paid["payment"]["refunded_amount"]) == ("paid", "succeeded", 0)
    assert rows_of(Refund) == {"refunds": []}
    assert stock_of(cabbage) == 7


def test_money_for_an_expired_order_takes_the_order_back_when_its_stock_is_still_there(
        app, client, shop, checkout, stripe_client, stripe_at, localstripe_url):
    cabbage, mackerel = shop.stands[0].product, shop.stands[1].product
    placed = checkout([(cabbage, 3), (mackerel, 1)])
    expire_behind_stripes_back(client, shop, placed, localstripe_url, stripe_at)
    assert (stock_of(cabbage), stock_of(mackerel)) == (10, 10)

    pay_at_stripe_and_tell(client, app, stripe_client, placed)

    order = read_order(client, shop, placed["id"])
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
    expire_behind_stripes_back(client, shop, placed, localstripe_url, stripe_at)
    sold_out = client.patch(f"{API}/products/{cabbage.id}", json={"stock": 2}, headers=shop.stands[0].headers)
    assert sold_out.status_code == 200

    pay_at_stripe_and_tell(client, app, stripe_client, placed)

    order = read_order(client, shop, placed["id"])
    payment = order["payment"]
    assert order["status"] == "expired"
    assert (payment["status"], payment["refunded_amount"]) == ("succeeded", placed["total"])
    assert charge_at_stripe(stripe_client, payment["payment_intent_id"]).amount_refunded == placed["total"]
    assert (stock_of(cabbage), stock_of(mackerel)) == (2, 10)  # nothing held for an order that is gone
