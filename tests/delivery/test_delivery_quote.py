"""The delivery quote: great-circle distance, the ring's fee, what is left to free delivery, the minimum order and
the next open slots; not deliverable with a reason; and the fee an order is charged equals the quote's."""

import pytest

from tests.helpers import API, assert_error, order_body, place_order

RINGS = {"zones": [{"up_to_km": 1.5, "fee": 3000}, {"up_to_km": 3.0, "fee": 4000}], "free_over": 30000,
         "min_order": 10000}
KM = 1 / 111.195  # degrees of latitude per km


def quote(client, market, lat, lng, subtotal=None):
    query = f"lat={lat}&lng={lng}" + ("" if subtotal is None else f"&subtotal={subtotal}")
    return client.get(f"{API}/markets/{market.id}/delivery/quote?{query}")


def north(market, km: float) -> tuple[float, float]:
    return round(market.lat + km * KM, 6), market.lng


def test_quote_1_km_from_the_market_gives_the_first_ring_and_open_slots(client, make):
    market = make.market(delivery=RINGS | {"slot_capacity": 4})

    resp = quote(client, market, *north(market, 1.0), subtotal=12000)

    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["distance_km"] == pytest.approx(1.0, abs=0.002)
    assert (body["deliverable"], body["reason"], body["fee"], body["zone_up_to_km"]) == (True, None, 3000, 1.5)
    assert (body["free_over"], body["remaining_for_free"], body["min_order"]) == (30000, 18000, 10000)
    assert len(body["slots"]) == 6
    assert all(slot["remaining"] == 4 for slot in body["slots"])
    assert all(slot["start"].endswith("+09:00") for slot in body["slots"])
    # Never stale (the public read cache): clients keep it but ask again, and get a 304 while it has not changed.
    assert resp.headers["Cache-Control"] == "public, no-cache" and resp.headers["ETag"]


def test_quote_from_free_over_charges_nothing(client, make):
    market = make.market(delivery=RINGS)

    body = quote(client, market, *north(market, 2.5), subtotal=30000).json

    assert (body["fee"], body["zone_up_to_km"], body["remaining_for_free"], body["deliverable"]) == (0, 3.0, 0, True)


@pytest.mark.parametrize(("settings", "km", "subtotal", "reason"), [
    (RINGS, 3.5, 20000, "too_far"),
    (RINGS, 1.0, 9000, "below_min_order"),
    (RINGS | {"enabled": False}, 1.0, 20000, "disabled"),
    (RINGS | {"hours": {}}, 1.0, 20000, "no_slots"),
], ids=["too-far", "below-minimum", "disabled", "no-slots"])
def test_quote_says_why_it_cannot_deliver(client, make, settings, km, subtotal, reason):
    market = make.market(delivery=settings)

    body = quote(client, market, *north(market, km), subtotal=subtotal).json

    assert (body["deliverable"], body["reason"]) == (False, reason)
    if reason == "too_far":
        assert (body["fee"], body["zone_up_to_km"], body["slots"]) == (None, None, [])
    if reason == "below_min_order":
        assert body["fee"] == 3000 and body["slots"], body  # the basket may still grow


def test_a_full_slot_is_not_offered_and_places_left_count_down(client, make, open_stand):
    market = make.market(delivery=RINGS | {"slot_capacity": 2})
    stand = open_stand(market, "두부", 1000, stock=None)
    first = quote(client, market, *north(market, 1.0), subtotal=12000).json["slots"][0]
    body = order_body(market, [(stand.product, 12)], "delivery")
    body["delivery"]["slot_start"] = first["start"]

    for remaining in (1, 0):
        shopper = make.headers(make.user())
        assert place_order(client, shopper, body).status_code == 201
        offered = quote(client, market, *north(market, 1.0), subtotal=12000).json["slots"]
        if remaining:
            assert (offered[0]["start"], offered[0]["remaining"]) == (first["start"], remaining)
        else:
            assert first["start"] not in [slot["start"] for slot in offered]


@pytest.mark.parametrize(("query", "field"), [
    ("lng=126.9", "lat"), ("lat=37.5", "lng"), ("lat=91&lng=126.9", "lat"), ("lat=37.5&lng=abc", "lng"),
    ("lat=37.5&lng=126.9&subtotal=-1", "subtotal"), ("lat=37.5&lng=126.9&subtotal=99999999999", "subtotal"),
])
def test_a_bad_quote_query_is_422_naming_the_parameter(client, make, query, field):
    market = make.market()

    resp = client.get(f"{API}/markets/{market.id}/delivery/quote?{query}")

    assert_error(resp, 422, field, location="query")


def test_quote_of_an_unknown_market_is_404(client):
    assert_error(client.get(f"{API}/markets/999/delivery/quote?lat=37.5&lng=126.9"), 404)


@pytest.mark.parametrize(("km", "quantity"), [(0.3, 10), (1.4, 25), (1.6, 12), (2.9, 29), (2.9, 30)])
def test_the_fee_at_checkout_equals_the_quote_for_that_address(client, make, open_stand, km, quantity):
    market = make.market(delivery=RINGS)
    stand, shopper = open_stand(market, "두부", 1000, stock=None), make.headers(make.user())
    lat, lng = north(market, km)
    quoted = quote(client, market, lat, lng, subtotal=quantity * 1000).json
    body = order_body(market, [(stand.product, quantity)], "delivery")
    body["delivery"].update(lat=lat, lng=lng, slot_start=quoted["slots"][0]["start"])

    resp = place_order(client, shopper, body)

    assert resp.status_code == 201, resp.json
    order = resp.json
    assert order["delivery_fee"] == quoted["fee"]
    assert order["total"] == order["subtotal"] + quoted["fee"] == order["payment"]["amount"]
    assert (order["delivery"]["distance_km"], order["delivery"]["zone_up_to_km"]) == (
        quoted["distance_km"], quoted["zone_up_to_km"])
    assert order["delivery"]["slot_end"] and order["delivery_id"] is None  # not paid yet: no delivery
