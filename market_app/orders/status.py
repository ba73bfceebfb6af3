"""The whole order's status, derived in this one place from payment state and its stall orders."""

from market_app.core.db import utcnow
from market_app.orders.models import CLOSED_STALL_ORDER_STATUSES, Order, OrderStatus, StallOrderStatus

_TERMINAL = (OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.COMPLETED)


def derive_status(order: Order) -> OrderStatus:
    if order.status in (OrderStatus.EXPIRED, OrderStatus.CANCELLED) or order.paid_at is None:
        return order.status
    remaining = [s.status for s in order.stall_orders if s.status not in CLOSED_STALL_ORDER_STATUSES]
    if not remaining:
        return OrderStatus.CANCELLED
    if all(s == StallOrderStatus.HANDED_OVER for s in remaining):
        return OrderStatus.COMPLETED
    if all(s in (StallOrderStatus.READY, StallOrderStatus.HANDED_OVER) for s in remaining):
        return OrderStatus.READY
    if all(s == StallOrderStatus.PENDING for s in remaining):
        return OrderStatus.PAID
    return OrderStatus.PREPARING


def refresh_status(order: Order) -> OrderStatus:
    order.status = derive_status(order)
    if order.status in _TERMINAL and order.closed_at is None:
        order.closed_at = utcnow()
    return order.status
