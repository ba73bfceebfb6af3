"""Refused orders: every refusal names what is wrong and leaves nothing written, not even reserved stock."""

import uuid

import pytest
import sqlalchemy as sa

from market_app.catalog.models import Product
from market_app.core import versions
from market_app.extensions import db
from market_app.orders import checkout
from tests.helpers import API, assert_error, order_body, place_order


def test_order_without_idempotency_key_is_refused_naming_the_header(client, shop, ledger):
    before = ledger()
    body = order_body(shop.market, [(shop.stands[0].product, 1)])

    resp = client.post(f"{API}/orders", json=body, headers=shop.headers)

    assert "Idempotency-Key" in assert_error(resp, 422)["headers"]
    assert ledger() == before


def test_an_order_with_the_token_of_a_deleted_account_is_401_and_writes_nothing(client, make, shop, ledger):
    gone = make.user()
    headers = make.headers(gone)
    db.session.delete(gone)
    db.session.commit()
    before = ledger()

    resp = place_order(client, headers, order_body(shop.market, [(shop.stands[0].product, 1)]))

    assert resp.status_code == 401 and resp.json["message"] == "The token's account no longer exists."
    assert ledger() == before


def test_items_of_another_market_are_refused_naming_the_item(client, make, shop, open_stand, ledger):
    elsewhere = open_stand(make.market(), "사과", price=2000)
    before = ledger()

    resp = place_order(client, shop.headers, order_body(shop.market, [(elsewhere.product, 1)]))

    assert "product_id" in assert_error(resp, 422)["json"]["items"]["0"]
    assert ledger() == before


def test_unknown_product_is_refused_naming_the_item(client, shop, ledger):
    before = ledger()
    body = order_body(shop.market, [(shop.stands[0].product, 1)])
    body["items"].append({"product_id": 999_999, "quantity": 1})

    resp = place_order(client, shop.headers, body)

    assert "product_id" in assert_error(resp, 422)["json"]["items"]["1"]
    assert ledger() == before


@pytest.mark.parametrize("change", ["deleted", "unavailable"])
def test_deleted_or_unavailable_product_is_refused(client, shop, ledger, change):
    cabbage = shop.stands[0].product
    if change == "deleted":
        assert client.delete(f"{API}/products/{cabbage.id}", headers=shop.stands[0].headers).status_code == 204
    else:
        cabbage.available = False
        db.session.commit()
    before = ledger()

    resp = place_order(client, shop.headers, order_body(shop.market, [(shop.stands[1].product, 1), (cabbage, 1)]))

    assert "product_id" in assert_error(resp, 422)["json"]["items"]["1"]
    assert ledger() == before


@pytest.mark.parametrize("status", ["pending", "suspended"])
def test_product_of_a_stall_not_taking_orders_is_refused(client, shop, ledger, status):
    stand = shop.stands[1]
    stand.stall.status = status
    db.session.commit()
    before = ledger()

    resp = place_order(client, shop.headers, order_body(shop.market, [(stand.product, 1)]))

    assert "product_id" in assert_error(resp, 422)["json"]["items"]["0"]
    assert ledger() == before


@pytest.mark.parametrize("quantity", [0, -1, 100, 1.5, "2", None], ids=repr)
def test_quantity_must_be_a_whole_number_from_1_to_99(client, shop, ledger, quantity):
    before = ledger()
    body = order_body(shop.market, [(shop.stands[0].product, 1)])
    body["items"][0]["quantity"] = quantity

    resp = place_order(client, shop.headers, body)

    assert "quantity" in assert_error(resp, 422)["json"]["items"]["0"]
    assert ledger() == before


def test_more_than_a_products_own_max_per_order_is_refused(client, make, shop, ledger):
    kimchi = make.product(shop.stands[0].stall, name="김장김치", price=20000, stock=50, max_per_order=3)
    before = ledger()

    resp = place_order(client, shop.headers, order_body(shop.market, [(shop.stands[1].product, 1), (kimchi, 4)]))

    errors = assert_error(resp, 422)
    assert "quantity" in errors["json"]["items"]["1"] and "3" in resp.json["message"]
    assert ledger() == before
    assert place_order(client, shop.headers, order_body(shop.market, [(kimchi, 3)])).status_code == 201


def test_same_product_listed_twice_is_refused(client, shop, ledger):
    cabbage = shop.stands[0].product
    before = ledger()

    resp = place_order(client, shop.headers, order_body(shop.market, [(cabbage, 1), (cabbage, 2)]))

    assert "product_id" in assert_error(resp, 422)["json"]["items"]["1"]
    assert ledger() == before


@pytest.mark.parametrize(("change", "field"), [
    ({"coupon": "FREE"}, "coupon"),
    ({"items": []}, "items"),
    ({"fulfillment": "drone"}, "fulfillment"),
    ({"market_id": "1"}, "market_id"),
    ({"note": "x" * 501}, "note"),
    ({"items": [{"product_id": i, "quantity": 1} for i in range(1, 52)]}, "items"),
    ({"items": None}, "items"),
], ids=["unknown-field", "empty-items", "bad-fulfillment", "market-id-as-string", "long-note", "51-lines",
        "null-items"])
def test_malformed_order_body_is_refused_naming_the_field(client, shop, ledger, change, field):
    before = ledger()
    body = order_body(shop.market, [(shop.stands[0].product, 1)]) | change

    resp = place_order(client, shop.headers, body)

    assert field in assert_error(resp, 422)["json"]
    assert ledger() == before


def test_unknown_field_inside_an_item_is_refused(client, shop, ledger):
    before = ledger()
    body = order_body(shop.market, [(shop.stands[0].product, 1)])
    body["items"][0]["unit_price"] = 1

    resp = place_order(client, shop.headers, body)

    assert "unit_price" in assert_error(resp, 422)["json"]["items"]["0"]
    assert ledger() == before


def test_unknown_market_is_refused_naming_market_id(client, shop, ledger):
    before = ledger()
    body = order_body(shop.market, [(shop.stands[0].product, 1)]) | {"market_id": 999_999}

    resp = place_order(client, shop.headers, body)

    assert "market_id" in assert_error(resp, 422)["json"]
    assert ledger() == before


def test_bad_json_is_400(client, shop, ledger):
    before = ledger()

    resp = client.post(f"{API}/orders", data=b'{"market_id": 1, "items": [', content_type="application/json",
                       headers=shop.headers | {"Idempotency-Key": uuid.uuid4().hex})

    assert_error(resp, 400)
    assert ledger() == before


def test_form_encoded_body_is_415(client, shop, ledger):
    before = ledger()

    resp = client.post(f"{API}/orders", data={"market_id": shop.market.id}, headers=shop.headers | {
        "Idempotency-Key": uuid.uuid4().hex})

    assert_error(resp, 415)
    assert ledger() == before


@pytest.mark.parametrize("delivery", [None, {"lat": 37.556, "lng": 126.905}, {"address": "", "lat": 37.5, "lng": 127}],
                         ids=["none", "no-address", "empty-address"])
def test_delivery_without_an_address_is_refused_naming_delivery(client, make, open_stand, ledger, delivery):
    market = make.market()
    stand, shopper = open_stand(market, "두부", price=1000, stock=50), make.user()
    before = ledger()
    body = order_body(market, [(stand.product, 20)], "delivery") | {"delivery": delivery}

    resp = place_order(client, make.headers(shopper), body)

    assert "delivery" in assert_error(resp, 422)["json"]
    assert ledger() == before


def test_more_than_the_stock_left_is_409_naming_the_item(client, shop, ledger):
    before = ledger()
    lines = [(shop.stands[1].product, 2), (shop.stands[0].product, 11)]

    resp = place_order(client, shop.headers, order_body(shop.market, lines))

    errors = assert_error(resp, 409)
    assert "quantity" in errors["json"]["items"]["1"] and "10" in resp.json["message"]
    assert ledger() == before


def test_anonymous_order_is_401(client, shop, ledger):
    before = ledger()

    resp = place_order(client, {}, order_body(shop.market, [(shop.stands[0].product, 1)]))

    assert_error(resp, 401)
    assert ledger() == before


def test_stock_gone_after_the_payment_was_opened_is_409_and_cancels_that_payment_intent(
        client, shop, ledger, stripe_client, monkeypatch):
    product = shop.stands[0].product
    original_open, opened = checkout.open_payment, []

    def open_payment(user, basket):
        reference, intent = original_open(user, basket)
        opened.append(intent.id)
        # Another shopper takes the last units between the stock check and the reservation (a stock write says
        # so to the cached product search, as every stock write must).
        versions.touch(versions.products_scope(product.market_id))
        db.session.execute(sa.update(Product).where(Product.id == product.id).values(stock=0))
        return reference, intent

    monkeypatch.setattr(checkout, "open_payment", open_payment)
    before = ledger()

    resp = place_order(client, shop.headers, order_body(shop.market, [(product, 1)]))

    assert "quantity" in assert_error(resp, 409)["json"]["items"]["0"]
    assert ledger() == before
    assert len(opened) == 1
    assert stripe_client.v1.payment_intents.retrieve(opened[0]).status == "canceled"
