"""Stock reservation: exact decrements, untracked stock left alone, and never an oversold last unit,
also when many shoppers order the last units at the same moment."""

import pytest
import sqlalchemy as sa

from market_app.extensions import db
from market_app.orders.models import Order, OrderItem, StallOrder
from market_app.payments.models import Payment
from tests.helpers import assert_error, order_body, place_order, post_at_once, stock_of


def test_reservation_takes_exactly_the_ordered_units_from_tracked_stock(shop, checkout):
    cabbage, mackerel = shop.stands[0].product, shop.stands[1].product

    checkout([(cabbage, 3), (mackerel, 1)])
    checkout([(cabbage, 2)])

    assert (stock_of(cabbage), stock_of(mackerel)) == (5, 9)


def test_untracked_stock_stays_untracked(make, shop, checkout):
    tofu = make.product(shop.stands[0].stall, name="두부", price=1500, stock=None)

    placed = checkout([(tofu, 40)])

    assert placed["total"] == 60000
    assert stock_of(tofu) is None
    item = db.session.scalar(sa.select(OrderItem).filter_by(product_id=tofu.id))
    assert item.reserved_quantity == 0


def test_the_last_units_go_to_the_first_order_and_the_next_is_409(client, make, shop, ledger):
    pears = make.product(shop.stands[0].stall, name="배", price=4000, stock=3)
    late = make.user("늦은 손님")

    first = place_order(client, shop.headers, order_body(shop.market, [(pears, 3)]))
    before = ledger()
    second = place_order(client, make.headers(late), order_body(shop.market, [(pears, 1)]))

    assert first.status_code == 201
    assert "quantity" in assert_error(second, 409)["json"]["items"]["0"]
    assert "Sold out" in second.json["message"]
    assert stock_of(pears) == 0
    assert ledger() == before


@pytest.mark.committing  # twelve threads, each with its own session and connection, race for the last units
def test_concurrent_orders_for_the_last_units_never_oversell(app, make, shop):
    """12 shoppers each order 1 of the last 5 units at once, through their own clients and sessions."""
    pears = make.product(shop.stands[0].stall, name="신고배", price=4000, stock=5)
    shoppers = [make.headers(make.user(f"손님{i}")) | {"Idempotency-Key": "last-pears"} for i in range(12)]
    body = order_body(shop.market, [(pears, 1)])

    results = post_at_once(app, [(headers, body) for headers in shoppers])

    statuses = sorted(status for status, _ in results)
    assert statuses == [201] * 5 + [409] * 7, results
    for status, body in results:
        if status == 409:
            assert body["code"] == 409 and body["message"] and "items" in body["errors"]["json"], body
    assert stock_of(pears) == 0
    assert make.count(Order) == 5 and make.count(StallOrder) == 5 and make.count(Payment) == 5
    assert db.session.scalar(sa.select(sa.func.sum(OrderItem.quantity))) == 5


@pytest.mark.committing  # six threads with their own sessions and connections post one order at once
def test_a_double_submitted_order_is_placed_once(app, make, shop):
    """One shopper's app sends the same order six times at once with one key: one order, stock taken once."""
    pears = make.product(shop.stands[0].stall, name="신고배", price=4000, stock=5)
    body = order_body(shop.market, [(pears, 2)])

    results = post_at_once(app, [(shop.headers | {"Idempotency-Key": "tap-tap-tap"}, body)] * 6)

    assert sorted(status for status, _ in results) == [200] * 5 + [201], results
    assert len({body["id"] for _, body in results}) == 1
    assert stock_of(pears) == 3
    assert make.count(Order) == 1 and make.count(Payment) == 1
