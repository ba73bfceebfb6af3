"""Bad input the outside fuzzer sent: each is a JSON 4xx naming what is wrong (404 for a path that names no row),
never a 500, and nothing is written. Runs on SQLite and on PostgreSQL (TEST_DATABASE_URL)."""

import json

import pytest

from market_app.markets.models import Market, Stall
from market_app.orders.models import Cart, CartItem, Order
from tests.helpers import API, assert_error

PAST_INT4 = 2**31
PAST_INT8 = 2**63
TWENTY_DIGITS = 99999999999999999999

NEW_MARKET = {"name": "통인시장", "slug": "tongin", "region": "서울 종로구", "address": "서울 종로구 자하문로15길 18",
              "lat": 37.5806, "lng": 126.97}
APPLICATION = {"name": "통인 떡집", "category": "rice_cakes"}


def field_errors(resp, status: int, location: str = "json") -> dict:
    errors = assert_error(resp, status)
    assert location in errors, errors
    return errors[location]


@pytest.fixture
def platform_admin(make) -> dict:
    return make.headers(make.user(platform_admin=True))


@pytest.mark.parametrize("big", [PAST_INT4, PAST_INT8, TWENTY_DIGITS], ids=["2^31", "2^63", "20-digits"])
@pytest.mark.parametrize("path", ["/markets/{}", "/stalls/{}", "/products/{}", "/orders/{}", "/stalls/{}/products",
                                  "/markets/{}/map", "/stall-orders/{}/accept"])
def test_path_id_past_the_integer_column_is_404(client, shop, path, big):
    method = "POST" if path.endswith("accept") else "GET"

    resp = client.open(API + path.format(big), method=method, headers=shop.headers)

    assert_error(resp, 404)


@pytest.mark.parametrize("big", [PAST_INT4, PAST_INT8, TWENTY_DIGITS], ids=["2^31", "2^63", "20-digits"])
def test_query_id_past_the_integer_column_is_422_naming_it(client, shop, big):
    search = client.get(f"{API}/markets/{shop.market.id}/products?stall_id={big}")
    orders = client.get(f"{API}/markets/{shop.market.id}/orders?stall_id={big}", headers=shop.admin_headers)

    assert "stall_id" in field_errors(search, 422, "query")
    assert "stall_id" in field_errors(orders, 422, "query")


@pytest.mark.parametrize("big", [PAST_INT4, PAST_INT8, TWENTY_DIGITS], ids=["2^31", "2^63", "20-digits"])
def test_body_id_past_the_integer_column_is_422_naming_it(client, make, shop, big):
    product = shop.stands[0].product
    market_body = {"market_id": big, "fulfillment": "pickup", "items": [{"product_id": product.id, "quantity": 1}]}
    item_body = {"market_id": shop.market.id, "fulfillment": "pickup", "items": [{"product_id": big, "quantity": 1}]}

    by_market = client.post(f"{API}/orders", json=market_body, headers=shop.headers | {"Idempotency-Key": "a"})
    by_item = client.post(f"{API}/orders", json=item_body, headers=shop.headers | {"Idempotency-Key": "b"})
    in_cart = client.put(f"{API}/markets/{shop.market.id}/cart", json={"items": [{"product_id": big, "quantity": 1}]},
                         headers=shop.headers)

    assert "market_id" in field_errors(by_market, 422)
    assert "product_id" in field_errors(by_item, 422)["items"]["0"]
    assert "product_id" in field_errors(in_cart, 422)["items"]["0"]
    assert (make.count(Order), make.count(Cart), make.count(CartItem)) == (0, 0, 0)


def test_nul_character_in_a_body_string_is_422_naming_the_field(client, make, platform_admin):
    market = make.market()
    stall = make.stall(market)

    created = client.post(f"{API}/markets", json=NEW_MARKET | {"name": "통인\x00시장"}, headers=platform_admin)
    hours = client.patch(f"{API}/stalls/{stall.id}", json={"hours": {"mon": "09:00-18:00\x00"}},
                         headers=platform_admin)
    registered = client.post(f"{API}/auth/register", json={"email": "a@example.kr", "password": "correct-horse-9",
                                                           "name": "김\x00민지"})

    assert "name" in field_errors(created, 422)
    assert "mon" in field_errors(hours, 422)["hours"]
    assert "name" in field_errors(registered, 422)
    assert make.count(Market) == 1


def test_lone_surrogate_in_a_body_string_is_422_naming_the_field(client, make, platform_admin):
    market = make.market()
    stall = make.stall(market)

    def send(method: str, url: str, body: dict):
        # json.dumps writes "\ud800" as its JSON escape, which decodes to half a surrogate pair: valid JSON, but no
        # UTF-8 database can store it.
        return client.open(url, method=method, data=json.dumps(body), content_type="application/json",
                           headers=platform_admin)

    created = send("POST", f"{API}/markets", NEW_MARKET | {"name": "통인\ud800시장"})
    described = send("PATCH", f"{API}/stalls/{stall.id}", {"description": "\udfff"})
    hours = send("PATCH", f"{API}/stalls/{stall.id}", {"hours": {"mon": "\ud83d"}})

    assert "surrogate" in field_errors(created, 422)["name"][0]
    assert "description" in field_errors(described, 422)
    assert "mon" in field_errors(hours, 422)["hours"]
    assert make.count(Market) == 1


def test_unknown_field_named_with_a_lone_surrogate_is_422_naming_it_escaped(client, shop):
    body = json.dumps({"items": [{"product_id": shop.stands[0].product.id, "quantity": 1, "\udc00": 2}]})

    resp = client.put(f"{API}/markets/{shop.market.id}/cart", data=body, content_type="application/json",
                      headers=shop.headers)

    # The name has no UTF-8 form: the 422 echoes it as the JSON escape the client sent.
    assert b'"\\udc00":["Unknown field."]' in resp.data
    assert "\udc00" in field_errors(resp, 422)["items"]["0"]


def test_nul_character_in_a_query_or_path_string_is_refused(client, shop):
    search = client.get(f"{API}/markets/{shop.market.id}/products?q=%00")
    stalls = client.get(f"{API}/markets/{shop.market.id}/stalls?q=a%00b")
    quick_pay = client.get(f"{API}/quick-pay/abc%00def")

    assert "q" in field_errors(search, 422, "query")
    assert "q" in field_errors(stalls, 422, "query")
    assert_error(quick_pay, 404)


def test_json_nested_five_thousand_deep_is_400(client, shop):
    deep = "[" * 5000 + "]" * 5000

    resp = client.put(f"{API}/markets/{shop.market.id}/cart", data=deep, content_type="application/json",
                      headers=shop.headers)

    assert "json" in assert_error(resp, 400)


@pytest.mark.parametrize("timezone", ["A" * 1000, "Asia/" + "x" * 300, "../../etc/passwd"],
                         ids=["1000-chars", "300-char-city", "path"])
def test_overlong_or_strange_timezone_is_422_naming_timezone(client, make, platform_admin, timezone):
    market = make.market()

    created = client.post(f"{API}/markets", json=NEW_MARKET | {"timezone": timezone}, headers=platform_admin)
    patched = client.patch(f"{API}/markets/{market.id}", json={"timezone": timezone}, headers=platform_admin)

    assert list(field_errors(created, 422)) == ["timezone"]
    assert list(field_errors(patched, 422)) == ["timezone"]
    assert make.count(Market) == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"slug": "a" * 61}, "slug"),
    ({"name": "가" * 101}, "name"),
    ({"region": "r" * 61}, "region"),
    ({"address": "a" * 256}, "address"),
], ids=["slug-61", "name-101", "region-61", "address-256"])
def test_string_longer_than_its_column_is_422_naming_it(client, make, platform_admin, change, field):
    resp = client.post(f"{API}/markets", json=NEW_MARKET | change, headers=platform_admin)

    assert list(field_errors(resp, 422)) == [field]
    assert make.count(Market) == 0


@pytest.mark.parametrize("hours", [
    {"mon": "09:00-18:00", "holiday": "10:00-12:00"},
    {f"day{n}": "09:00-18:00" for n in range(1000)},
    {"mon": ",".join(["01:00-02:00", "03:00-04:00", "05:00-06:00", "07:00-08:00", "09:00-10:00"])},
    {"mon": "09:00-18:00" + " " * 5000},
], ids=["unknown-day", "a-thousand-days", "five-ranges", "long-text"])
def test_opening_hours_beyond_seven_days_of_a_few_ranges_are_422(client, make, hours, snapshot):
    market = make.market()
    owner = make.user("상인")
    before = snapshot(Stall)

    resp = client.post(f"{API}/markets/{market.id}/stalls", json=APPLICATION | {"hours": hours},
                       headers=make.headers(owner))

    assert list(field_errors(resp, 422)) == ["hours"]
    assert snapshot(Stall) == before


def test_opening_hours_of_four_ranges_a_day_are_accepted(client, make):
    market = make.market()

    resp = client.post(f"{API}/markets/{market.id}/stalls",
                       json=APPLICATION | {"hours": {"sat": "06:00-08:00,09:00-12:00,13:00-17:00,18:00-02:00"}},
                       headers=make.headers(make.user()))

    assert resp.status_code == 201, resp.json
    assert resp.json["hours"] == {"sat": "06:00-08:00,09:00-12:00,13:00-17:00,18:00-02:00"}


@pytest.mark.parametrize("page", [10_001, PAST_INT4, PAST_INT8, TWENTY_DIGITS])
def test_page_past_the_bound_is_422_naming_page(client, shop, page):
    markets = client.get(f"{API}/markets?page={page}")
    stalls = client.get(f"{API}/markets/{shop.market.id}/stalls?page={page}&page_size=100")

    assert "page" in field_errors(markets, 422, "query")
    assert "page" in field_errors(stalls, 422, "query")


def test_last_allowed_page_is_an_empty_list(client, shop):
    resp = client.get(f"{API}/markets/{shop.market.id}/stalls?page=10000&page_size=100")

    assert resp.status_code == 200 and resp.json == []


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"])
def test_days_outside_the_platforms_years_are_422_naming_them(client, shop, day):
    market = shop.market.id
    orders = client.get(f"{API}/markets/{market}/orders?from={day}", headers=shop.admin_headers)
    orders_to = client.get(f"{API}/markets/{market}/orders?to={day}", headers=shop.admin_headers)
    payouts = client.post(f"{API}/markets/{market}/payouts/run", json={"from": day, "to": day},
                          headers=shop.admin_headers)
    statement = client.get(f"{API}/markets/{market}/payouts/statement.csv?to={day}", headers=shop.admin_headers)

    assert "from" in field_errors(orders, 422, "query")
    assert "to" in field_errors(orders_to, 422, "query")
    assert {"from", "to"} <= field_errors(payouts, 422).keys()
    assert "to" in field_errors(statement, 422, "query")


def test_moment_outside_the_platforms_years_is_422(client, shop):
    body = {"market_id": shop.market.id, "fulfillment": "delivery",
            "items": [{"product_id": shop.stands[0].product.id, "quantity": 1}],
            "delivery": {"address": "서울", "lat": 37.5, "lng": 126.9, "slot_start": "0001-01-01T00:00:00+14:00"}}

    resp = client.post(f"{API}/orders", json=body, headers=shop.headers | {"Idempotency-Key": "far"})

    assert "slot_start" in field_errors(resp, 422)["delivery"]


def test_tiny_coordinates_do_not_underflow_the_distance(client, make, platform_admin):
    created = client.post(f"{API}/markets", json=NEW_MARKET | {"lat": 1e-200, "lng": -1e-200}, headers=platform_admin)

    near = client.get(f"{API}/markets?lat=3e-200&lng=2e-200")

    assert created.status_code == 201 and (created.json["lat"], created.json["lng"]) == (0.0, 0.0)
    assert near.status_code == 200, near.json
    assert [(m["slug"], m["distance_km"]) for m in near.json] == [("tongin", 0.0)]


@pytest.mark.parametrize("value", [0, 1, "true", "yes", None], ids=repr)
def test_body_boolean_is_true_or_false_only(client, make, value):
    owner = make.user("상인")
    stall = make.stall(make.market(), owner=owner)

    resp = client.post(f"{API}/stalls/{stall.id}/products", json={"name": "떡", "unit": "1팩", "price": 3000,
                                                                  "available": value}, headers=make.headers(owner))

    assert "available" in field_errors(resp, 422)


@pytest.mark.parametrize("value", ["0", "1", "yes", "True", "on"])
def test_query_boolean_is_true_or_false_only(client, shop, value):
    stalls = client.get(f"{API}/markets/{shop.market.id}/stalls?open_now={value}")
    products = client.get(f"{API}/stalls/{shop.stands[0].stall.id}/products?available={value}")

    assert "open_now" in field_errors(stalls, 422, "query")
    assert "available" in field_errors(products, 422, "query")


def test_query_boolean_true_and_false_work(client, shop):
    assert client.get(f"{API}/markets/{shop.market.id}/stalls?open_now=true").status_code == 200
    assert client.get(f"{API}/stalls/{shop.stands[0].stall.id}/products?available=false").status_code == 200


def test_string_field_sent_as_json_nested_five_hundred_deep_is_422(client):
    deep = '{"a":' * 500 + '"x"' + "}" * 500  # within the JSON parser's depth, past Python's recursion limit
    body = '{"email": ' + deep + ', "password": "correct-horse-9", "name": "n"}'

    resp = client.post(f"{API}/auth/register", data=body, content_type="application/json")

    assert "email" in field_errors(resp, 422)
