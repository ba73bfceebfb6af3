"""The pricing step takes plug-in special prices without changing checkout. These are plain special prices (no live
session: the live offers' own prices, caps and attribution are tested in tests/live)."""

import pytest

from market_app.orders import hooks


@pytest.fixture
def special_price(app):
    """Register a price override for the test, and take it away afterwards."""
    overrides = hooks.for_app(app).price_overrides
    registered = []

    def special_price(product_id: int, unit_price: int, max_quantity: int | None = None):
        def override(products, now, shopper_id):
            return {p.id: hooks.SpecialPrice(unit_price, None, max_quantity) for p in products if p.id == product_id}

        overrides.append(override)
        registered.append(override)

    yield special_price
    for override in registered:
        overrides.remove(override)


def test_a_lower_special_price_is_charged_and_the_list_price_kept_beside_it(shop, checkout, special_price):
    cabbage, mackerel = shop.stands[0].product, shop.stands[1].product
    special_price(cabbage.id, 2500)

    placed = checkout([(cabbage, 2), (mackerel, 1)])

    lines = {item["product_id"]: item for part in placed["stall_orders"] for item in part["items"]}
    assert (lines[cabbage.id]["unit_price"], lines[cabbage.id]["list_price"], lines[cabbage.id]["line_total"],
            lines[cabbage.id]["live_session_id"]) == (2500, 3000, 5000, None)
    assert (lines[mackerel.id]["unit_price"], lines[mackerel.id]["live_session_id"]) == (5000, None)
    assert placed["subtotal"] == 10000 and placed["total"] == placed["payment"]["amount"] == 10000


def test_a_special_price_above_the_list_price_is_ignored(shop, checkout, special_price):
    cabbage = shop.stands[0].product
    special_price(cabbage.id, 3500)

    placed = checkout([(cabbage, 1)])

    item = placed["stall_orders"][0]["items"][0]
    assert (item["unit_price"], item["live_session_id"]) == (3000, None)


def test_the_lowest_of_several_special_prices_wins(shop, checkout, special_price):
    cabbage = shop.stands[0].product
    special_price(cabbage.id, 2800)
    special_price(cabbage.id, 2600)

    item = checkout([(cabbage, 1)])["stall_orders"][0]["items"][0]

    assert item["unit_price"] == 2600


def test_units_beyond_a_special_prices_quantity_become_a_second_line_at_the_list_price(shop, checkout, special_price):
    cabbage = shop.stands[0].product
    special_price(cabbage.id, 2500, max_quantity=2)

    placed = checkout([(cabbage, 5)])

    items = [(i["product_id"], i["quantity"], i["unit_price"], i["line_total"])
             for i in placed["stall_orders"][0]["items"]]
    assert items == [(cabbage.id, 2, 2500, 5000), (cabbage.id, 3, 3000, 9000)]
    assert placed["subtotal"] == 14000 and placed["payment"]["amount"] == 14000
