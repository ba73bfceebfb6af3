"""Stock reservation by conditional UPDATE: two orders can never take the same last unit,
on SQLite (one writer at a time) and on PostgreSQL (the second UPDATE re-checks the row it waited for)."""

import sqlalchemy as sa

from market_app.catalog.models import Product
from market_app.core.db import db
from market_app.core.errors import Conflict
from market_app.orders.hooks import ReservationParticipant
from market_app.orders.models import OrderItem


class OutOfStock(Conflict):
    pass


def reserve(product_id: int, quantity: int, item_index: int) -> int:
    """Take quantity units if the product is still on sale and has them; returns how many came out of
    tracked stock (0 for products that do not track stock)."""
    stmt = (
        sa.update(Product)
        .where(Product.id == product_id, Product.deleted_at.is_(None), Product.available.is_(True),
               sa.or_(Product.stock.is_(None), Product.stock >= quantity))
        .values(stock=sa.case((Product.stock.is_(None), None), else_=Product.stock - quantity))
        .returning(Product.stock)
        .execution_options(synchronize_session=False)
    )
    row = db.session.execute(stmt).first()
    if row is None:
        left = db.session.scalar(sa.select(Product.stock).where(Product.id == product_id))
        message = f"Only {left} left." if left else "Sold out."
        raise OutOfStock(f"Not enough stock for item {item_index}: {message}",
                         {"json": {"items": {str(item_index): {"quantity": [message]}}}})
    return 0 if row.stock is None else quantity


def release(items: list[OrderItem]) -> None:
    """Give back exactly what each line took from tracked stock (never twice: the line forgets it)."""
    for item in items:
        if item.reserved_quantity:
            db.session.execute(
                sa.update(Product).where(Product.id == item.product_id, Product.stock.is_not(None))
                .values(stock=Product.stock + item.reserved_quantity)
                .execution_options(synchronize_session=False)
            )
            item.reserved_quantity = 0


class StockReservation(ReservationParticipant):
    """Every line takes its units from tracked stock, products in id order so concurrent orders lock alike."""

    def reserve(self, checkout, order) -> None:
        items = [item for stall_order in order.stall_orders for item in stall_order.items]
        for item in sorted(items, key=lambda item: item.product_id):
            item.reserved_quantity = reserve(item.product_id, item.quantity, checkout.index_of(item.product_id))

    def release_stall_order(self, stall_order) -> None:
        release(stall_order.items)

    def restore(self, order) -> None:
        items = sorted(enumerate(item for part in order.stall_orders for item in part.items),
                       key=lambda pair: pair[1].product_id)
        for index, item in items:
            item.reserved_quantity = reserve(item.product_id, item.quantity, index)
