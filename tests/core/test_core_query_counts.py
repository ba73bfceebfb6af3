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


def test_placing_a_pickup_order_from_two_stalls_sends_21_statements_on_postgresql_24_on_sqlite(
        client, busy_market, sent):
    shop = busy_market
    body = order_body(shop.market, [(shop.stands[0].product, 2), (shop.stands[1].product, 1)])

    resp, statements = sent(lambda: place_order(client, shop.headers, body))

    assert resp.status_code == 201, resp.json
    # 1 the user behind the token, 2 an earlier order with this Idempotency-Key, 3 the key claimed (INSERT),
    # 4 the market, 5 both products in one SELECT, 6 the live offers on air for them (live prices), 7 the
    # shopper's open unpaid orders in this market (the cap), 8-9 the stock taken from each product (one
    # conditional UPDATE per line), 10 the order, 11 its two stall orders, 12 its two items, 13 the stall orders'
    # first timeline events, 14 the payment, 15 the claim pointed at the order, 16 the order refreshed after the
    # commit, 17-21 the order read back for the response (order, stall orders with their stalls, payment, items,
    # refunds). SQLAlchemy batches the INSERTs of 11, 12 and 13 on PostgreSQL; on SQLite it inserts those one row
    # at a time: one more statement each for the second stall.
    expected = {"postgresql": 21, "sqlite": 24}[db.engine.dialect.name]
    assert len(statements) == expected, _listed(statements)


def test_listing_a_markets_stalls_sends_4_statements(client, busy_market, sent):
    url = f"{API}/markets/{busy_market.market.id}/stalls"

    resp, statements = sent(lambda: client.get(url))

    assert resp.status_code == 200 and len(resp.json) == 5, resp.json
    # 1 the market, 2 the count of its active stalls (pagination), 3 the page of stalls, 4 the market again: the
    # view's copy has left the session's (weak) identity map by the time the stalls are dumped, and the first
    # stall's open_now lazy-loads it for the timezone; the other stalls find it there.
    assert len(statements) == 4, _listed(statements)


def test_searching_a_markets_products_sends_4_statements(client, busy_market, sent):
    url = f"{API}/markets/{busy_market.market.id}/products"

    resp, statements = sent(lambda: client.get(url, query_string={"q": "두부"}))

    assert resp.status_code == 200 and len(resp.json) == 2, resp.json
    # 1 the market, 2 the ids and texts of the products the text may match, 3 the products found, 4 their stalls
    # (one SELECT).
    assert len(statements) == 4, _listed(statements)


def test_listing_markets_sends_2_statements(client, busy_market, sent):
    resp, statements = sent(lambda: client.get(f"{API}/markets"))

    assert resp.status_code == 200 and len(resp.json) == 2, resp.json
    # 1 the count of markets (pagination), 2 the page of markets.
    assert len(statements) == 2, _listed(statements)


def test_reading_a_markets_map_sends_3_statements(client, busy_market, sent):
    url = f"{API}/markets/{busy_market.market.id}/map"

    resp, statements = sent(lambda: client.get(url))

    assert resp.status_code == 200 and len(resp.json["stalls"]) == 5, resp.json
    # 1 the market, 2 its active stalls in aisle order, 3 the market again, lazy-loaded by the first stall's
    # open_now (as in the stall list).
    assert len(statements) == 3, _listed(statements)
