"""The saved cart: lines at current prices with totals, flags what can no longer be bought, and checks out
into an order that empties it."""

import uuid

import pytest

from market_app.extensions import db
from market_app.orders.models import Order
from tests.helpers import API, assert_error, next_slot_start, stock_of


def cart_url(shop) -> str:
    return f"{API}/markets/{shop.market.id}/cart"


def put_cart(client, shop, lines, headers=None):
    items = [{"product_id": product.id, "quantity": quantity} for product, quantity in lines]
    return client.put(cart_url(shop), json={"items": items}, headers=shop.headers if headers is None else headers)


def checkout_cart(client, shop, fulfillment="pickup", headers=None):
    body = {"market_id": shop.market.id, "use_cart": True, "fulfillment": fulfillment}
    if fulfillment == "delivery":
        body["delivery"] = {"address": "서울 마포구 망원로 1", "lat": 37.556, "lng": 126.905,
                            "slot_start": next_slot_start()}
    return client.post(f"{API}/orders", json=body,
                       headers=(shop.headers if headers is None else headers) | {"Idempotency-Key": uuid.uuid4().hex})


def test_cart_shows_its_lines_at_current_prices_with_totals(client, shop):
    veg, fish = shop.stands
    assert put_cart(client, shop, [(veg.product, 2), (fish.product, 1)]).status_code == 200
    client.patch(f"{API}/products/{fish.product.id}", json={"price": 6000}, headers=fish.headers)

    resp = client.get(cart_url(shop), headers=shop.headers)

    assert resp.status_code == 200
    cart = resp.json
    assert [(i["product_id"], i["stall_id"], i["name"], i["unit_price"], i["quantity"], i["line_total"], i["problem"])
            for i in cart["items"]] == [(veg.product.id, veg.stall.id, "배추", 3000, 2, 6000, None),
                                        (fish.product.id, fish.stall.id, "고등어", 6000, 1, 6000, None)]
    assert (cart["subtotal"], cart["delivery_fee"], cart["total_with_delivery"]) == (12000, 3000, 15000)
    assert (cart["min_order_amount"], cart["free_delivery_threshold"]) == (10000, 30000)


def test_cart_is_per_shopper_and_starts_empty(client, make, shop):
    put_cart(client, shop, [(shop.stands[0].product, 2)])

    resp = client.get(cart_url(shop), headers=make.headers(make.user("이웃")))

    assert resp.status_code == 200
    assert (resp.json["items"], resp.json["subtotal"], resp.json["delivery_fee"]) == ([], 0, 0)


@pytest.mark.parametrize(("change", "problem"), [
    ({"available": False}, "unavailable"),
    ({"stock": 0}, "sold_out"),
    ({"stock": 1}, "not_enough_stock"),
    ("deleted", "unavailable"),
    ("suspended", "stall_closed"),
])
def test_cart_line_that_can_no_longer_be_bought_shows_its_problem(client, shop, change, problem):
    veg, fish = shop.stands
    put_cart(client, shop, [(veg.product, 2), (fish.product, 1)])
    if change == "deleted":
        client.delete(f"{API}/products/{veg.product.id}", headers=veg.headers)
    elif change == "suspended":
        veg.stall.status = "suspended"
        db.session.commit()
    else:
        client.patch(f"{API}/products/{veg.product.id}", json=change, headers=veg.headers)

    cart = client.get(cart_url(shop), headers=shop.headers).json

    assert [i["problem"] for i in cart["items"]] == [problem, None]
    assert cart["subtotal"] == 5000


def test_cart_refuses_items_of_another_market(client, make, shop, open_stand):
    elsewhere = open_stand(make.market(), "사과", price=2000)
    put_cart(client, shop, [(shop.stands[0].product, 1)])

    resp = put_cart(client, shop, [(shop.stands[1].product, 1), (elsewhere.product, 1)])

    assert "product_id" in assert_error(resp, 422)["json"]["items"]["1"]
    assert [i["name"] for i in client.get(cart_url(shop), headers=shop.headers).json["items"]] == ["배추"]


@pytest.mark.parametrize("quantity", [0, 100, -1, 1.5, "2"], ids=repr)
def test_cart_refuses_quantities_outside_1_to_99(client, shop, quantity):
    resp = client.put(cart_url(shop), json={"items": [{"product_id": shop.stands[0].product.id,
                                                       "quantity": quantity}]}, headers=shop.headers)

    assert "quantity" in assert_error(resp, 422)["json"]["items"]["0"]
    assert client.get(cart_url(shop), headers=shop.headers).json["items"] == []


def test_cart_refuses_a_quantity_over_the_products_max_per_order(client, make, shop):
    kimchi = make.product(shop.stands[0].stall, name="김장김치", price=20000, max_per_order=2)

    resp = put_cart(client, shop, [(kimchi, 3)])

    assert "quantity" in assert_error(resp, 422)["json"]["items"]["0"]


def test_checking_out_the_cart_places_the_order_and_empties_the_cart(client, shop):
    veg, fish = shop.stands
    put_cart(client, shop, [(veg.product, 2), (fish.product, 3)])

    resp = checkout_cart(client, shop, "delivery")

    assert resp.status_code == 201, resp.json
    order = resp.json
    assert sorted((i["product_id"], i["quantity"]) for p in order["stall_orders"] for i in p["items"]) == sorted(
        [(veg.product.id, 2), (fish.product.id, 3)])
    assert (order["subtotal"], order["delivery_fee"], order["total"]) == (21000, 3000, 24000)
    assert client.get(cart_url(shop), headers=shop.headers).json["items"] == []
    assert (stock_of(veg.product), stock_of(fish.product)) == (8, 7)


def test_checking_out_an_empty_cart_is_409(client, make, shop, ledger):
    before = ledger()

    never_filled = checkout_cart(client, shop)
    put_cart(client, shop, [(shop.stands[0].product, 1)])
    put_cart(client, shop, [])
    emptied = checkout_cart(client, shop)

    assert "use_cart" in assert_error(never_filled, 409)["json"]
    assert "use_cart" in assert_error(emptied, 409)["json"]
    assert ledger() == before


def test_cart_with_a_sold_out_line_is_not_checked_out_and_is_kept(client, make, shop, ledger):
    veg, fish = shop.stands
    put_cart(client, shop, [(veg.product, 2), (fish.product, 1)])
    client.patch(f"{API}/products/{fish.product.id}", json={"stock": 0}, headers=fish.headers)
    before = ledger()

    resp = checkout_cart(client, shop)

    assert_error(resp, 409)
    assert ledger() == before
    assert len(client.get(cart_url(shop), headers=shop.headers).json["items"]) == 2


def test_order_with_both_items_and_use_cart_is_refused(client, shop):
    body = {"market_id": shop.market.id, "use_cart": True, "fulfillment": "pickup",
            "items": [{"product_id": shop.stands[0].product.id, "quantity": 1}]}

    resp = client.post(f"{API}/orders", json=body, headers=shop.headers | {"Idempotency-Key": "both"})

    assert "items" in assert_error(resp, 422)["json"]


def test_cart_needs_a_signed_in_shopper(client, make, shop):
    body = {"items": [{"product_id": shop.stands[0].product.id, "quantity": 1}]}

    assert_error(client.get(cart_url(shop)), 401)
    assert_error(client.put(cart_url(shop), json=body), 401)
    assert_error(checkout_cart(client, shop, headers={}), 401)
    assert make.count(Order) == 0


def test_cart_of_an_unknown_market_is_404(client, shop):
    assert_error(client.get(f"{API}/markets/999999/cart", headers=shop.headers), 404)


def test_ordering_items_directly_leaves_the_saved_cart_alone(client, shop, checkout):
    veg, fish = shop.stands
    put_cart(client, shop, [(veg.product, 2), (fish.product, 1)])

    checkout([(fish.product, 1)])

    assert [(i["name"], i["quantity"]) for i in client.get(cart_url(shop), headers=shop.headers).json["items"]] == [
        ("배추", 2), ("고등어", 1)]
