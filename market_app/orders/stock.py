"""Stock reservation by conditional UPDATE: two orders can never take the same last unit,
on SQLite (one writer at a time) and on PostgreSQL (the second UPDATE re-checks the row it waited for).

Only products that track stock are written: a product without a stock count has nothing to take, and an UPDATE of
its row would only make every order of it wait for the one before to commit."""

import functools
from collections import Counter

import sqlalchemy as sa

from market_app.catalog.models import Product
from market_app.core import versions
from market_app.core.db import db
from market_app.core.errors import Conflict
from market_app.orders.hooks import ReservationParticipant
from market_app.orders.models import OrderItem


class OutOfStock(Conflict):
    pass


def _out_of_stock(product_id: int, item_index: int) -> OutOfStock:
    left = db.session.scalar(sa.select(Product.stock).where(Product.id == product_id))
    message = f"Only {left} left." if left else "Sold out."
    return OutOfStock(f"Not enough stock for item {item_index}: {message}",
                      {"json": {"items": {str(item_index): {"quantity": [message]}}}})


@functools.cache
def _take(count: int, postgresql: bool) -> sa.Update:
    """One UPDATE taking quantity_N units of each product id_N still on sale that has them; RETURNING says which.
    Built once per number of products (checkout runs it for every order), on the table: the ORM's bulk UPDATE
    path costs about 150 µs more of Python per order, for objects nobody loads here."""
    products = Product.__table__
    ids = [sa.bindparam(f"id_{n}") for n in range(count)]
    quantity = sa.case(*[(products.c.id == ids[n], sa.bindparam(f"quantity_{n}")) for n in range(count)])
    stmt = (
        sa.update(products)
        .where(products.c.id.in_(ids), products.c.deleted_at.is_(None), products.c.available.is_(True),
               sa.or_(products.c.stock.is_(None), products.c.stock >= quantity))
        .values(stock=sa.case((products.c.stock.is_(None), None), else_=products.c.stock - quantity))
        .returning(products.c.id, products.c.stock)
    )
    if postgresql and count > 1:
        # Lock the rows in id order first (a CTE with FOR UPDATE runs before the UPDATE touches any row), so two
        # orders sharing products never wait for each other in a circle.
        locked = (sa.select(products.c.id).where(products.c.id.in_(ids)).order_by(products.c.id).with_for_update()
                  .cte("locked"))
        stmt = stmt.where(products.c.id.in_(sa.select(locked.c.id)))
    return stmt


def reserve_many(market_id: int, quantities: dict[int, int], index_of) -> dict[int, int]:
    """Take quantities (product id -> units) in one statement; returns how many units came out of tracked stock per
    product (0 for one that stopped tracking stock meanwhile). index_of(product_id) names the line in an error."""
    if not quantities:
        return {}
    versions.touch(versions.products_scope(market_id))  # product search shows the stock
    params = {}
    for n, (product_id, quantity) in enumerate(sorted(quantities.items())):
        params |= {f"id_{n}": product_id, f"quantity_{n}": quantity}
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    taken = dict(db.session.execute(_take(len(quantities), postgresql), params).all())
    for product_id in sorted(quantities, key=index_of):
        if product_id not in taken:
            raise _out_of_stock(product_id, index_of(product_id))
    return {product_id: 0 if stock is None else quantities[product_id] for product_id, stock in taken.items()}


def reserve(market_id: int, product_id: int, quantity: int, item_index: int) -> int:
    """Take quantity units of one product; returns how many came out of tracked stock."""
    return reserve_many(market_id, {product_id: quantity}, lambda _product_id: item_index)[product_id]


def release(market_id: int, items: list[OrderItem]) -> None:
    """Give back exactly what each line took from tracked stock (never twice: the line forgets it)."""
    held = [item for item in items if item.reserved_quantity]
    if held:
        versions.touch(versions.products_scope(market_id))
    for item in held:
        db.session.execute(
            sa.update(Product).where(Product.id == item.product_id, Product.stock.is_not(None))
            .values(stock=Product.stock + item.reserved_quantity)
            .execution_options(synchronize_session=False)
        )
        item.reserved_quantity = 0


class StockReservation(ReservationParticipant):
    """Every line of a product that tracks stock takes its units, all in one statement."""

    def reserve(self, checkout, order) -> None:
        items = order.items
        tracked = {line.product.id for line in checkout.lines if line.product.stock is not None}
        quantities = Counter()
        for item in items:
            if item.product_id in tracked:
                quantities[item.product_id] += item.quantity
        reserved = reserve_many(checkout.market.id, dict(quantities), checkout.index_of)
        for item in items:
            item.reserved_quantity = item.quantity if reserved.get(item.product_id) else 0

    def release_stall_order(self, stall_order) -> None:
        release(stall_order.order.market_id, stall_order.items)

    def restore(self, order) -> None:
        items = sorted(enumerate(item for part in order.stall_orders for item in part.items),
                       key=lambda pair: pair[1].product_id)
        for index, item in items:
            item.reserved_quantity = reserve(order.market_id, item.product_id, item.quantity, index)
