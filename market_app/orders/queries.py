"""Order listings for shoppers, stalls and market associations (selects for the paginator)."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from market_app.accounts.models import User
from market_app.core.db import db
from market_app.core.timeutil import local_day_bounds
from market_app.markets.models import Market, Stall
from market_app.orders.models import Order, OrderStatus, StallOrder, StallOrderStatus
from market_app.payments.models import Payment


def _with_parts(stmt: sa.Select) -> sa.Select:
    """Everything an order's response shows, in a fixed number of queries (not one per stall)."""
    parts = so.selectinload(Order.stall_orders)
    return stmt.options(parts.selectinload(StallOrder.items), parts.joinedload(StallOrder.stall),
                        so.selectinload(Order.payment).selectinload(Payment.refunds))


def load_order(order_id: int) -> Order:
    """A freshly committed order read back with all its parts, for the response."""
    return db.session.scalars(_with_parts(sa.select(Order).where(Order.id == order_id))).one()


def shopper_orders(user: User, status: OrderStatus | None = None) -> sa.Select:
    stmt = sa.select(Order).where(Order.user_id == user.id)
    if status:
        stmt = stmt.where(Order.status == status)
    return _with_parts(stmt.order_by(Order.created_at.desc(), Order.id.desc()))


def market_orders(market: Market, status: OrderStatus | None = None, stall_id: int | None = None,
                  from_=None, to=None) -> sa.Select:
    stmt = sa.select(Order).where(Order.market_id == market.id)
    if status:
        stmt = stmt.where(Order.status == status)
    if stall_id is not None:
        stmt = stmt.where(Order.stall_orders.any(StallOrder.stall_id == stall_id))
    if from_ or to:
        start, end = local_day_bounds(from_ or to, to or from_, market.timezone)
        if from_:
            stmt = stmt.where(Order.created_at >= start)
        if to:
            stmt = stmt.where(Order.created_at < end)
    return _with_parts(stmt.order_by(Order.created_at.desc(), Order.id.desc()))


def stall_orders(stall: Stall, status: StallOrderStatus | None = None) -> sa.Select:
    """Only paid orders reach the stall."""
    stmt = (sa.select(StallOrder).join(Order).where(StallOrder.stall_id == stall.id, Order.paid_at.is_not(None))
            .options(so.selectinload(StallOrder.items), so.selectinload(StallOrder.events),
                     so.contains_eager(StallOrder.order)))
    if status:
        stmt = stmt.where(StallOrder.status == status)
    return stmt.order_by(Order.paid_at.desc(), StallOrder.id.desc())
