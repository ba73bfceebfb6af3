"""The delivery quote and the slot list are served from the public cache (tests/core/test_core_public_cache.py) and
are never stale: a settings PUT, and a slot's place given back by an order that expired or was cancelled, are seen
by the very next read of either."""

from datetime import datetime

import pytest

from tests.conftest import DELIVERY
from tests.delivery.conftest import SEOUL, delivery_body
from tests.helpers import API, make_overdue, next_slot_start, place_order, read_order


def _quote_url(shop, _start: datetime) -> str:
    return f"{API}/markets/{shop.market.id}/delivery/quote?lat=37.556&lng=126.905&subtotal=15000"


def _slots_url(shop, start: datetime) -> str:
    return f"{API}/markets/{shop.market.id}/delivery/slots?date={start.astimezone(SEOUL).date()}"


def _slot(slots: list[dict], start: datetime) -> dict:
    return next(slot for slot in slots if datetime.fromisoformat(slot["start"]) == start)


def _quote_shows(resp, start: datetime) -> tuple:
    return resp.json["fee"], None, _slot(resp.json["slots"], start)["remaining"]


def _slots_show(resp, start: datetime) -> tuple:
    slot = _slot(resp.json, start)
    return None, slot["capacity"], slot["remaining"]


# Each read: its URL, and what it shows of the terms and of the order's slot: (fee, capacity, places left); the
# quote names no capacity, the slot list no fee.
READS = {"quote": (_quote_url, _quote_shows), "slot list": (_slots_url, _slots_show)}


def _read_from_the_cache(client, count_queries, url: str):
    """Read url twice: the second answer comes from the cache (only the version is read)."""
    first = client.get(url)
    assert first.status_code == 200, first.json
    with count_queries() as statements:
        second = client.get(url)
    assert second.status_code == 200 and second.data == first.data
    assert len(statements) == 1 and "cache_versions" in statements[0], statements
    return second


def _hold_a_place(client, shop, start: datetime) -> dict:
    resp = place_order(client, shop.headers, delivery_body(shop, [(shop.stands[1].product, 2)], start.isoformat()))
    assert resp.status_code == 201, resp.json
    return resp.json


@pytest.mark.parametrize("read", READS)
def test_a_settings_put_is_seen_by_the_next_read(client, shop, count_queries, read):
    url_of, shows = READS[read]
    start = datetime.fromisoformat(next_slot_start())
    url = url_of(shop, start)
    before = shows(_read_from_the_cache(client, count_queries, url), start)
    assert before == {"quote": (3000, None, 50), "slot list": (None, 50, 50)}[read]

    settings = DELIVERY | {"zones": [{"up_to_km": 3.0, "fee": 4000}], "slot_capacity": 20}
    resp = client.put(f"{API}/markets/{shop.market.id}/delivery/settings", json=settings, headers=shop.admin_headers)
    assert resp.status_code == 200, resp.json

    after = client.get(url)
    assert after.status_code == 200
    assert shows(after, start) == {"quote": (4000, None, 20), "slot list": (None, 20, 20)}[read]
    assert _read_from_the_cache(client, count_queries, url).data == after.data


def _expire(client, shop, order: dict) -> None:
    make_overdue(order["id"])
    assert read_order(client, shop, order["id"])["status"] == "expired"


def _cancel(client, shop, order: dict) -> None:
    resp = client.post(f"{API}/orders/{order['id']}/cancel", headers=shop.headers)
    assert resp.status_code == 200 and resp.json["status"] == "cancelled", resp.json


@pytest.mark.parametrize("read", READS)
@pytest.mark.parametrize("give_back", [_expire, _cancel], ids=["expired", "cancelled"])
def test_a_place_given_back_is_seen_by_the_next_read(client, shop, count_queries, read, give_back):
    url_of, shows = READS[read]
    start = datetime.fromisoformat(next_slot_start())
    order = _hold_a_place(client, shop, start)
    url = url_of(shop, start)
    before = _read_from_the_cache(client, count_queries, url)
    assert shows(before, start)[2] == 49

    give_back(client, shop, order)

    after = client.get(url)
    assert after.status_code == 200 and shows(after, start)[2] == 50, after.json
    assert _read_from_the_cache(client, count_queries, url).data == after.data
