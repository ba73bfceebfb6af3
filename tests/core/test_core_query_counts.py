"""The busiest requests send a fixed number of SQL statements, pinned exactly: a query per row (an N+1) or a lost
eager load shows as a changed number here. The market has more stalls and products than each request needs, so
a per-row query would add several statements. Each request runs in an app context (so a session) of its own, as
in production; transaction control (BEGIN, COMMIT, the savepoints the test transaction adds) is not counted.
A number that goes down is an improvement: lower it here. One that goes up needs a reason in the commit."""

import pytest

from market_app.extensions import db
from tests.helpers import API, Shop, order_body, place_order


@pytest.fixture
def busy_market(make, shop, open_stand) -> Shop:
    """shop's market with five active stalls (its two stands selling 배추 and 고등어, and three selling 두부, 두부조림
    and 콩나물), a pending stall, and a second market."""
    for product in ("두부", "두부조림", "콩나물"):
        open_stand(shop.market, product, 2000)
    make.stall(shop.market, status="pending")
    make.market()
    return shop


@pytest.fixture
def sent(app, count_queries):
    """Send one request in an app context of its own; returns the response and the statements it sent. Build the
    request beforehand: reading an expired row of the test's (a market's id after a commit) would be counted."""

    def sent(request) -> tuple:
        with app.app_context(), count_queries() as statements:
            resp = request()
        return resp, statements

    return sent


def _listed(statements: list[str]) -> str:
    return "\n".join(" ".join(statement.split())[:160] for statement in statements)


def test_placing_a_pickup_order_from_three_stalls_sends_8_statements_on_postgresql_16_on_sqlite(
        client, busy_market, open_stand, sent):
    shop = busy_market
    untracked = open_stand(shop.market, "대파", 2000, stock=None)  # stock not tracked: nothing to take, no UPDATE
    body = order_body(shop.market, [(shop.stands[0].product, 2), (shop.stands[1].product, 1), (untracked.product, 1)])

    resp, statements = sent(lambda: place_order(client, shop.headers, body))

    assert resp.status_code == 201, resp.json
    # 1 the user behind the token, 2 the Idempotency-Key claimed (INSERT ... ON CONFLICT DO NOTHING: a replay finds
    # it taken), on PostgreSQL in the same statement after the shopper-and-market advisory lock (orders at once
    # cannot all pass the unpaid-order cap; SQLite's write lock is taken by the claim), 3 the market with the
    # shopper's unpaid orders in it (the cap) and the three products with their stalls, 4 the live offers on air for
    # them (live prices), 5 the product search's cache version (stock changes), 6 the two tracked products' stock
    # taken in one conditional UPDATE (the untracked one is not written), 7 the order's rows (orders/placement.py:
    # on PostgreSQL one statement of CTEs inserting the order, its three stall orders, its three items and the stall
    # orders' first timeline events, and pointing the claim at the order), 8 the payment. Nothing is read back
    # after the commit: the body is dumped from what was written. On SQLite 7 is the order, its stall orders and
    # items one row at a time (RETURNING the ids of many rows in order is not promised there), the events, the
    # claim: nine statements instead of one.
    expected = {"postgresql": 8, "sqlite": 16}[db.engine.dialect.name]
    assert len(statements) == expected, _listed(statements)
    assert sum("UPDATE products" in statement for statement in statements) == 1
    assert [part["stall_name"] for part in resp.json["stall_orders"]] == [
        shop.stands[0].stall.name, shop.stands[1].stall.name, untracked.stall.name]


def test_a_replayed_idempotency_key_writes_nothing_and_reads_the_order_once(client, busy_market, sent):
    shop = busy_market
    body = order_body(shop.market, [(shop.stands[0].product, 1)])
    first = place_order(client, shop.headers, body, key="same-key")

    resp, statements = sent(lambda: place_order(client, shop.headers, body, key="same-key"))

    assert resp.status_code == 200 and resp.json == first.json
    # 1 the user, 2 the claim (taken: nothing written), 3 the order of this key, 4-8 the order read for the response
    # (order, stall orders with their stalls, payment, items, refunds).
    assert len(statements) == 8, _listed(statements)


def test_listing_a_markets_stalls_sends_4_statements_then_1(client, busy_market, sent):
    url = f"{API}/markets/{busy_market.market.id}/stalls"

    resp, statements = sent(lambda: client.get(url))

    assert resp.status_code == 200 and len(resp.json) == 5, resp.json
    # 1 the market's cache version (core/versions.py; production reads it on a connection of its own), 2-3 the
    # market's time zone and its stalls' opening and closing minutes (once per version: an "open now" answer holds
    # until the next one), 4 the page of stall rows with the total and the market's time zone (no count query, no
    # market read: only an empty page looks the market up).
    assert len(statements) == 4, _listed(statements)
    resp, statements = sent(lambda: client.get(url))
    assert resp.status_code == 200 and len(statements) == 1, _listed(statements)  # from the cache


def test_searching_a_markets_products_sends_2_statements_then_1(client, busy_market, sent):
    url = f"{API}/markets/{busy_market.market.id}/products"

    resp, statements = sent(lambda: client.get(url, query_string={"q": "두부"}))

    assert resp.status_code == 200 and len(resp.json) == 2, resp.json
    # 1 the products' cache version, 2 the rows of the products the text may match (ranked here; the market is
    # read only when none matches).
    assert len(statements) == 2, _listed(statements)
    resp, statements = sent(lambda: client.get(url, query_string={"q": "두부"}))
    assert resp.status_code == 200 and len(statements) == 1, _listed(statements)


def test_listing_markets_sends_2_statements_then_1(client, busy_market, sent):
    resp, statements = sent(lambda: client.get(f"{API}/markets"))

    assert resp.status_code == 200 and len(resp.json) == 2, resp.json
    # 1 the market list's cache version, 2 the page of markets with the total.
    assert len(statements) == 2, _listed(statements)
    resp, statements = sent(lambda: client.get(f"{API}/markets"))
    assert resp.status_code == 200 and len(statements) == 1, _listed(statements)


def test_reading_a_markets_map_sends_5_statements_then_1(client, busy_market, sent):
    url = f"{API}/markets/{busy_market.market.id}/map"

    resp, statements = sent(lambda: client.get(url))

    assert resp.status_code == 200 and len(resp.json["stalls"]) == 5, resp.json
    # 1 the market's cache version, 2-3 its time zone and opening and closing minutes (as in the stall list), 4 the
    # market, 5 its active stalls in aisle order.
    assert len(statements) == 5, _listed(statements)
    resp, statements = sent(lambda: client.get(url))
    assert resp.status_code == 200 and len(statements) == 1, _listed(statements)
