"""Placing an order: one stall order per stall, item snapshots, integer totals, the delivery fee, and its payment."""

import pytest

from tests.helpers import API, assert_error, order_body, part_of, place_order


@pytest.mark.parametrize("stall_count", [1, 2, 3, 5])
def test_order_is_split_into_one_stall_order_per_stall_with_item_snapshots(client, make, open_stand, stall_count):
    market, shopper = make.market(), make.user()
    stands = [open_stand(market, f"상품{i}", price=1000 * (i + 1) + 500, unit=f"{i + 1}봉지")
              for i in range(stall_count)]
    lines = [(stand.product, i + 1) for i, stand in enumerate(stands)]

    resp = place_order(client, make.headers(shopper), order_body(market, lines))

    assert resp.status_code == 201, resp.json
    order = resp.json
    assert order["status"] == "pending_payment" and order["fulfillment"] == "pickup"
    assert sorted(part["stall_id"] for part in order["stall_orders"]) == sorted(s.stall.id for s in stands)
    for i, stand in enumerate(stands):
        part = part_of(order, stand)
        assert part["status"] == "pending"
        unit_price, quantity = 1000 * (i + 1) + 500, i + 1
        assert part["items"] == [{"product_id": stand.product.id, "name": f"상품{i}", "unit": f"{i + 1}봉지",
                                  "unit_price": unit_price, "list_price": unit_price, "quantity": quantity,
                                  "line_total": unit_price * quantity, "live_session_id": None}]
        assert part["subtotal"] == unit_price * quantity
    line_totals = [item["line_total"] for part in order["stall_orders"] for item in part["items"]]
    assert all(type(order[key]) is int for key in ("subtotal", "delivery_fee", "discount", "total"))
    assert order["subtotal"] == sum(line_totals) == sum(part["subtotal"] for part in order["stall_orders"])
    assert order["delivery_fee"] == 0 and order["total"] == order["subtotal"]


def test_order_response_carries_its_stripe_payment_for_the_total(client, shop, stripe_client):
    lines = [(shop.stands[0].product, 2), (shop.stands[1].product, 1)]

    resp = place_order(client, shop.headers, order_body(shop.market, lines))

    order = resp.json
    payment = order["payment"]
    assert {"id", "status", "amount", "currency", "client_secret", "payment_intent_id"} <= payment.keys()
    assert (payment["amount"], payment["currency"], payment["status"]) == (11000, "krw", "requires_payment_method")
    assert payment["amount"] == order["total"] == 11000
    assert payment["payment_intent_id"].startswith("pi_")
    assert payment["client_secret"].startswith(payment["payment_intent_id"] + "_secret_")
    intent = stripe_client.v1.payment_intents.retrieve(payment["payment_intent_id"])
    assert (intent.amount, intent.currency, intent.status) == (11000, "krw", "requires_payment_method")


@pytest.mark.parametrize(("quantity", "fee"), [(10, 3000), (29, 3000), (30, 0), (45, 0)],
                         ids=["at-minimum", "below-free-threshold", "at-free-threshold", "above-free-threshold"])
def test_delivery_fee_is_the_base_fee_until_the_free_delivery_threshold(client, make, open_stand, quantity, fee):
    market = make.market(delivery={"zones": [{"up_to_km": 3.0, "fee": 3000}], "free_over": 30000,
                                   "min_order": 10000})
    stand, shopper = open_stand(market, "두부", price=1000, stock=50), make.user()

    resp = place_order(client, make.headers(shopper), order_body(market, [(stand.product, quantity)], "delivery"))

    assert resp.status_code == 201, resp.json
    order = resp.json
    assert (order["subtotal"], order["delivery_fee"]) == (quantity * 1000, fee)
    assert order["total"] == order["subtotal"] + order["delivery_fee"] == order["payment"]["amount"]
    assert order["delivery"]["address"] == "서울 마포구 망원로 1"


def test_delivery_below_the_minimum_order_is_refused_naming_items(client, make, open_stand):
    market = make.market(delivery={"min_order": 10000})
    stand, shopper = open_stand(market, "두부", price=1000, stock=50), make.user()

    resp = place_order(client, make.headers(shopper), order_body(market, [(stand.product, 9)], "delivery"))

    errors = assert_error(resp, 422)
    assert "items" in errors["json"] and "10000" in resp.json["message"]
    # The same basket is fine for pickup: the minimum is a delivery rule.
    assert place_order(client, make.headers(shopper), order_body(market, [(stand.product, 9)])).status_code == 201


def test_delivery_from_a_market_that_does_not_deliver_is_refused_naming_fulfillment(client, make, open_stand):
    market = make.market(delivery={"enabled": False})
    stand, shopper = open_stand(market, "두부", price=1000, stock=50), make.user()

    resp = place_order(client, make.headers(shopper), order_body(market, [(stand.product, 20)], "delivery"))

    assert "fulfillment" in assert_error(resp, 422)["json"]


def test_later_price_and_name_change_does_not_change_the_placed_orders_snapshot(client, shop, checkout):
    cabbage = shop.stands[0]
    placed = checkout([(cabbage.product, 2)])

    resp = client.patch(f"{API}/products/{cabbage.product.id}", json={"price": 4500, "name": "해남 배추"},
                        headers=cabbage.headers)
    assert resp.status_code == 200, resp.json

    after = client.get(f"{API}/orders/{placed['id']}", headers=shop.headers).json
    item = after["stall_orders"][0]["items"][0]
    assert (item["name"], item["unit_price"], item["line_total"]) == ("배추", 3000, 6000)
    assert (after["subtotal"], after["total"], after["payment"]["amount"]) == (6000, 6000, 6000)
    new = checkout([(cabbage.product, 2)])
    assert new["stall_orders"][0]["items"][0]["unit_price"] == 4500 and new["total"] == 9000
