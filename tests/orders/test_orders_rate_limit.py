"""Order creation is rate limited: past ORDER_RATE_LIMIT a client gets 429 in the API's error shape."""

import pytest

from market_app.orders.models import Order
from tests.helpers import API, assert_error, order_body, place_order


@pytest.fixture
def three_orders_a_minute(app, monkeypatch):
    monkeypatch.setitem(app.config, "ORDER_RATE_LIMIT", "3 per minute")


def test_order_beyond_the_rate_limit_is_429_and_writes_nothing(client, make, shop, three_orders_a_minute):
    body = order_body(shop.market, [(shop.stands[0].product, 1)])

    placed = [place_order(client, shop.headers, body).status_code for _ in range(3)]
    refused = place_order(client, shop.headers, body)

    assert placed == [201, 201, 201]
    assert_error(refused, 429)
    assert refused.headers.get("Retry-After")
    assert make.count(Order) == 3


def test_the_rate_limit_counts_order_posts_only(client, shop, three_orders_a_minute):
    body = order_body(shop.market, [(shop.stands[0].product, 1)])
    for _ in range(3):
        place_order(client, shop.headers, body)

    assert client.get(f"{API}/orders", headers=shop.headers).status_code == 200
    assert client.get(f"{API}/markets/{shop.market.id}/cart", headers=shop.headers).status_code == 200
