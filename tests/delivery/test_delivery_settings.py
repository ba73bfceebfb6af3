"""Delivery settings: anyone reads them, a market's admins replace them, every bad field is refused by name with
nothing written; the cart shows the same fee rule."""

import pytest

from market_app.delivery.models import DeliverySettings
from tests.conftest import ALWAYS_OPEN
from tests.helpers import API, assert_error

SETTINGS = {"enabled": True, "zones": [{"up_to_km": 1.5, "fee": 3000}, {"up_to_km": 3, "fee": 4000}],
            "free_over": 30000, "min_order": 10000, "slot_minutes": 60, "slot_capacity": 8, "cutoff_minutes": 30,
            "lead_minutes": 60, "hours": {day: "10:00-19:00" for day in ALWAYS_OPEN},
            "closed_dates": ["2026-12-25", "2027-01-01"], "free_delivery_paid_by": "stalls"}


def url(market) -> str:
    return f"{API}/markets/{market.id}/delivery/settings"


def test_a_market_that_never_set_up_delivery_reads_as_not_delivering(client, make):
    market = make.market(delivery=False)

    resp = client.get(url(market))

    assert resp.status_code == 200
    assert (resp.json["enabled"], resp.json["zones"], resp.json["version"]) == (False, [], 0)


def test_admin_replaces_the_settings_and_anyone_reads_them_back(client, make):
    market = make.market(delivery=False)
    admin = make.headers(make.member(market, "admin"))

    first = client.put(url(market), json=SETTINGS, headers=admin)
    second = client.put(url(market), json=SETTINGS | {"slot_capacity": 10}, headers=admin)

    assert first.status_code == 200, first.json
    assert (first.json["version"], second.json["version"]) == (1, 2)
    read = client.get(url(market)).json
    assert read["zones"] == [{"up_to_km": 1.5, "fee": 3000}, {"up_to_km": 3.0, "fee": 4000}]
    assert (read["slot_capacity"], read["free_delivery_paid_by"], read["closed_dates"]) == (
        10, "stalls", ["2026-12-25", "2027-01-01"])
    assert read["days_ahead"] == 7  # left out: its default
    assert make.count(DeliverySettings) == 1


@pytest.mark.parametrize(("change", "path"), [
    ({"zones": [{"up_to_km": 3, "fee": 4000}, {"up_to_km": 1.5, "fee": 3000}]}, ("zones", "1", "up_to_km")),
    ({"zones": [{"up_to_km": 1.5, "fee": 3000}, {"up_to_km": 1.5, "fee": 4000}]}, ("zones", "1", "up_to_km")),
    ({"zones": [{"up_to_km": 1.5, "fee": -1}]}, ("zones", "0", "fee")),
    ({"zones": [{"up_to_km": 0, "fee": 3000}]}, ("zones", "0", "up_to_km")),
    ({"zones": [{"up_to_km": 1.5, "fee": 3000.5}]}, ("zones", "0", "fee")),
    ({"zones": []}, ("zones",)),
    ({"hours": {"mon": "19:00-10:00x"}}, ("hours",)),
    ({"hours": {"monday": "10:00-19:00"}}, ("hours",)),
    ({"hours": {"mon": "10:00-10:00"}}, ("hours",)),
    ({"free_over": -100}, ("free_over",)),
    ({"min_order": "10000"}, ("min_order",)),
    ({"slot_minutes": 0}, ("slot_minutes",)),
    ({"slot_capacity": 0}, ("slot_capacity",)),
    ({"cutoff_minutes": -5}, ("cutoff_minutes",)),
    ({"closed_dates": ["2026-13-01"]}, ("closed_dates",)),
    ({"closed_dates": ["2026-12-25", "2026-12-25"]}, ("closed_dates",)),
    ({"free_delivery_paid_by": "shopper"}, ("free_delivery_paid_by",)),
    ({"surprise": 1}, ("surprise",)),
], ids=lambda value: str(value)[:40])
def test_bad_settings_are_refused_naming_the_field_and_nothing_is_written(client, make, snapshot, change, path):
    market = make.market()
    admin = make.headers(make.member(market, "admin"))
    before = snapshot(DeliverySettings)

    resp = client.put(url(market), json=SETTINGS | change, headers=admin)

    assert_error(resp, 422, *path)
    assert snapshot(DeliverySettings) == before


@pytest.mark.parametrize("missing", ["enabled", "zones", "slot_minutes", "slot_capacity", "hours"])
def test_a_put_without_a_required_field_is_refused_naming_it(client, make, snapshot, missing):
    market = make.market()
    admin = make.headers(make.member(market, "admin"))
    before = snapshot(DeliverySettings)

    resp = client.put(url(market), json={k: v for k, v in SETTINGS.items() if k != missing}, headers=admin)

    assert_error(resp, 422, missing)
    assert snapshot(DeliverySettings) == before


def test_settings_of_a_market_that_does_not_exist_are_404(client):
    assert_error(client.get(f"{API}/markets/999/delivery/settings"), 404)


def test_the_cart_shows_the_nearest_rings_fee_until_free_over(client, make, shop):
    admin = shop.admin_headers
    client.put(url(shop.market), json=SETTINGS, headers=admin)
    cart_url = f"{API}/markets/{shop.market.id}/cart"
    cabbage, neighbour = shop.stands[0].product, make.headers(make.user())

    small = client.put(cart_url, json={"items": [{"product_id": cabbage.id, "quantity": 4}]}, headers=shop.headers)
    big = client.put(cart_url, json={"items": [{"product_id": cabbage.id, "quantity": 10}]}, headers=neighbour)

    assert (small.json["delivery_fee"], small.json["total_with_delivery"]) == (3000, 15000)
    assert (big.json["delivery_fee"], big.json["free_delivery_threshold"], big.json["min_order_amount"]) == (
        0, 30000, 10000)
    assert big.json["delivery_available"] is True


def test_the_cart_of_a_market_without_delivery_shows_no_fee(client, make, open_stand):
    market = make.market(delivery=False)
    stand, shopper = open_stand(market), make.headers(make.user())

    cart = client.put(f"{API}/markets/{market.id}/cart", json={"items": [{"product_id": stand.product.id,
                                                                          "quantity": 5}]}, headers=shopper).json

    assert (cart["delivery_available"], cart["delivery_fee"], cart["total_with_delivery"]) == (False, 0, 15000)
