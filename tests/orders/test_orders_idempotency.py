"""Idempotency-Key: a retry returns the first order, a different body under the same key is refused,
and keys belong to one shopper."""

from market_app.orders.models import Order
from tests.helpers import assert_error, order_body, place_order, stock_of


def test_retry_with_the_same_key_and_body_returns_the_same_order_and_reserves_stock_once(client, make, shop):
    cabbage = shop.stands[0].product
    body = order_body(shop.market, [(cabbage, 3)])

    first = place_order(client, shop.headers, body, key="order-2024-0001")
    retry = place_order(client, shop.headers, body, key="order-2024-0001")

    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json["id"] == first.json["id"]
    assert retry.json["payment"]["payment_intent_id"] == first.json["payment"]["payment_intent_id"]
    assert stock_of(cabbage) == 7
    assert make.count(Order) == 1


def test_same_key_with_a_different_body_is_409_and_writes_nothing(client, shop, ledger):
    cabbage = shop.stands[0].product
    place_order(client, shop.headers, order_body(shop.market, [(cabbage, 3)]), key="order-2024-0002")
    before = ledger()

    resp = place_order(client, shop.headers, order_body(shop.market, [(cabbage, 4)]), key="order-2024-0002")

    assert "Idempotency-Key" in assert_error(resp, 409)["headers"]
    assert ledger() == before


def test_same_key_with_a_different_fulfillment_is_409(client, shop, ledger):
    lines = [(shop.stands[0].product, 2), (shop.stands[1].product, 2)]
    place_order(client, shop.headers, order_body(shop.market, lines), key="k-1")
    before = ledger()

    resp = place_order(client, shop.headers, order_body(shop.market, lines, "delivery"), key="k-1")

    assert_error(resp, 409)
    assert ledger() == before


def test_the_same_key_from_another_shopper_places_their_own_order(client, make, shop):
    cabbage = shop.stands[0].product
    body = order_body(shop.market, [(cabbage, 1)])
    neighbour = make.user("이웃")

    mine = place_order(client, shop.headers, body, key="shared-key")
    theirs = place_order(client, make.headers(neighbour), body, key="shared-key")

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert theirs.json["id"] != mine.json["id"]
    assert (mine.json["user_id"], theirs.json["user_id"]) == (shop.shopper.id, neighbour.id)
    assert stock_of(cabbage) == 8


def test_retry_after_the_order_was_paid_returns_it_paid_without_a_new_payment(client, make, shop, pay):
    body = order_body(shop.market, [(shop.stands[1].product, 2)])
    first = place_order(client, shop.headers, body, key="paid-key").json
    pay(first)

    retry = place_order(client, shop.headers, body, key="paid-key")

    assert retry.status_code == 200
    assert (retry.json["id"], retry.json["status"]) == (first["id"], "paid")
    assert retry.json["payment"]["status"] == "succeeded"
    assert make.count(Order) == 1 and stock_of(shop.stands[1].product) == 8
