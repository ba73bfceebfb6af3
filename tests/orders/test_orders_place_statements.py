"""Placing an order sends a fixed number of SQL statements, pinned exactly (transaction control not counted): a
statement per line or a read-back after the commit shows here. A number that goes down is an improvement: lower it
here. One that goes up needs a reason in the commit."""

import pytest
import sqlalchemy as sa

from market_app.extensions import db
from tests.conftest import order_body, place_order

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@pytest.fixture
def sent(app):
    """Send one request in an app context of its own (as in production); returns the response and its statements."""

    def sent(request) -> tuple:
        statements = []

        def count(_conn, _cursor, statement, *_args):
            if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
                statements.append(statement)

        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", count)
            try:
                resp = request()
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", count)
        return resp, statements

    return sent


def _listed(statements: list[str]) -> str:
    return "\n".join(" ".join(statement.split())[:160] for statement in statements)


def test_a_three_line_order_from_two_stalls_sends_13_statements_on_postgresql_and_19_on_sqlite(
        client, shop, open_stand, sent):
    third = open_stand(shop.market, "대파", 2000, stock=None)  # stock not tracked: nothing to take, no UPDATE
    body = order_body(shop.market, [(shop.stands[0].product, 2), (shop.stands[1].product, 1), (third.product, 1)])

    resp, statements = sent(lambda: place_order(client, shop.headers, body))

    assert resp.status_code == 201, resp.json
    # 1 the user behind the token, 2 the Idempotency-Key claimed (INSERT ... ON CONFLICT DO NOTHING), 3 the market,
    # 4 the three products with their stalls, 5 the shopper's open unpaid orders (the cap), 6 the product search's
    # version changed (stock), 7 the two tracked products' stock taken in one UPDATE, 8 the order, 9 its three stall
    # orders, 10 its items, 11 the stall orders' first timeline events, 12 the payment, 13 the claim pointed at the
    # order. Nothing is read back after the commit. SQLAlchemy sends 9-11 as one statement each on PostgreSQL; on
    # SQLite it inserts those rows one at a time (RETURNING each id): two more statements for each.
    expected = {"postgresql": 13, "sqlite": 19}[db.engine.dialect.name]
    assert len(statements) == expected, _listed(statements)
    assert sum("UPDATE products" in statement for statement in statements) == 1
    assert [line["stall_name"] for line in resp.json["stall_orders"]] == [
        shop.stands[0].stall.name, shop.stands[1].stall.name, third.stall.name]
    assert resp.json["payment"]["refunded_amount"] == 0 and resp.json["payment"]["client_secret"]


def test_a_replayed_key_writes_nothing_and_reads_the_order_once(client, shop, sent):
    body = order_body(shop.market, [(shop.stands[0].product, 1)])
    first = place_order(client, shop.headers, body, key="same-key")

    resp, statements = sent(lambda: place_order(client, shop.headers, body, key="same-key"))

    assert resp.status_code == 200 and resp.json == first.json
    # 1 the user, 2 the claim (conflicts: nothing written), 3 the order of this key, 4-8 the order read for the
    # response (order, stall orders with their stalls, items, payment, refunds).
    assert len(statements) == 8, _listed(statements)
