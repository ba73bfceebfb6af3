"""Test cards at localstripe, end to end through the app: paid, declined then paid, and 3-D Secure pending."""

import pytest

from tests.helpers import API, assert_error, confirm_at_stripe, event_result, order_body, place_order, post_event

THREE_D_SECURE_CARD = "4000002500003155"


def _read(client, shop, order: dict) -> tuple[dict, dict]:
    """The order and its payment as the shopper sees them now."""
    order_now = client.get(f"{API}/orders/{order['id']}", headers=shop.headers)
    payment_now = client.get(f"{API}/orders/{order['id']}/payment", headers=shop.headers)
    assert order_now.status_code == payment_now.status_code == 200
    return order_now.json, payment_now.json


def test_visa_card_pays_the_whole_order(client, shop, checkout, pay):
    order = checkout([(shop.stands[0].product, 2), (shop.stands[1].product, 1)])

    intent = pay(order, "pm_card_visa")

    assert intent.status == "succeeded" and intent.amount == order["total"] == 11000
    order_now, payment = _read(client, shop, order)
    assert order_now["status"] == "paid" and order_now["paid_at"] is not None
    assert (payment["status"], payment["amount"], payment["currency"]) == ("succeeded", 11000, "krw")
    assert payment["refunded_amount"] == 0 and payment["last_error"] is None


def test_declined_card_leaves_order_unpaid_and_the_shopper_can_pay_again(client, shop, checkout, pay):
    order = checkout([(shop.stands[0].product, 1)])

    pay(order, "pm_card_chargeCustomerFail")

    order_now, payment = _read(client, shop, order)
    assert order_now["status"] == "pending_payment" and order_now["paid_at"] is None
    assert payment["status"] == "failed" and "declined" in payment["last_error"]
    stall = shop.stands[0]
    assert client.get(f"{API}/stalls/{stall.stall.id}/orders", headers=stall.headers).json == []

    pay(order, "pm_card_visa")

    order_now, payment = _read(client, shop, order)
    assert order_now["status"] == "paid"
    assert payment["status"] == "succeeded" and payment["amount"] == 3000


def test_three_d_secure_card_requires_action_and_order_stays_unpaid(client, app, shop, checkout, stripe_client):
    order = checkout([(shop.stands[0].product, 1)])
    card = stripe_client.v1.payment_methods.create(
        {"type": "card", "card": {"number": THREE_D_SECURE_CARD, "exp_month": 12, "exp_year": 2030, "cvc": "123"}})

    intent = confirm_at_stripe(stripe_client, order["payment"]["payment_intent_id"], card.id)

    assert intent["status"] == "requires_action"
    # Stripe tells about it too; the payment follows, the order still waits for the money.
    resp = post_event(client, app, "payment_intent.requires_action", intent)
    assert event_result(resp) == "processed"
    order_now, payment = _read(client, shop, order)
    assert order_now["status"] == "pending_payment" and order_now["paid_at"] is None
    assert payment["status"] == "requires_action"


@pytest.mark.parametrize("price", [0, 50, 99])
def test_order_too_small_to_charge_is_refused_before_stripe(client, make, shop, open_stand, ledger, price):
    cheap = open_stand(shop.market, "덤 (맛보기)", price)
    before = ledger()

    resp = place_order(client, shop.headers, order_body(shop.market, [(cheap.product, 1)]))

    assert_error(resp, 422, "items")
    assert "100" in resp.json["errors"]["json"]["items"][0]
    assert ledger() == before


def test_order_of_exactly_the_minimum_charge_is_placed(client, shop, open_stand):
    cheap = open_stand(shop.market, "덤 (맛보기)", 50)

    resp = place_order(client, shop.headers, order_body(shop.market, [(cheap.product, 2)]))

    assert resp.status_code == 201 and resp.json["payment"]["amount"] == 100
