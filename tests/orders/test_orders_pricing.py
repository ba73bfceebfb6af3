"""The pricing step takes plug-in special prices (live commerce will register one) without changing checkout."""

import pytest

from market_app.orders import hooks

API = "/api/v1"


@pytest.fixture
def special_price(app):
    """Register a price override for the test, and take it away afterwards."""
    overrides = hooks.for_app(app).price_overrides
    registered = []

    def special_price(product_id: int, unit_price: int, live_session_id: int | None):
        def override(products, now):
            return {p.id: hooks.SpecialPrice(unit_price, live_session_id) for p in products if p.id == product_id}

        overrides.append(override)
        registered.append(override)

    yield special_price
    for override in registered:
        overrides.remove(override)


def test_a_lower_special_price_is_charged_and_attributed_to_its_session(shop, checkout, special_price):
    cabbage, mackerel = shop.stands[0].product, shop.stands[1].product
    special_price(cabbage.id, 2500, live_session_id=77)

    placed = checkout([(cabbage, 2), (mackerel, 1)])

    lines = {item["product_id"]: item for part in placed["stall_orders"] for item in part["items"]}
    assert (lines[cabbage.id]["unit_price"], lines[cabbage.id]["list_price"], lines[cabbage.id]["line_total"],
            lines[cabbage.id]["live_session_id"]) == (2500, 3000, 5000, 77)
    assert (lines[mackerel.id]["unit_price"], lines[mackerel.id]["live_session_id"]) == (5000, None)
    assert placed["subtotal"] == 10000 and placed["total"] == placed["payment"]["amount"] == 10000


def test_a_special_price_above_the_list_price_is_ignored(shop, checkout, special_price):
    cabbage = shop.stands[0].product
    special_price(cabbage.id, 3500, live_session_id=78)

    placed = checkout([(cabbage, 1)])

    item = placed["stall_orders"][0]["items"][0]
    assert (item["unit_price"], item["live_session_id"]) == (3000, None)


def test_the_lowest_of_several_special_prices_wins(shop, checkout, special_price):
    cabbage = shop.stands[0].product
    special_price(cabbage.id, 2800, live_session_id=1)
    special_price(cabbage.id, 2600, live_session_id=2)

    item = checkout([(cabbage, 1)])["stall_orders"][0]["items"][0]

    assert (item["unit_price"], item["live_session_id"]) == (2600, 2)
