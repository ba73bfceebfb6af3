"""The stall order's state machine, and the whole order's status derived in this one place from its payment
state and its stall orders."""

import enum

from market_app.core.db import utcnow
from market_app.core.signals import order_status_changed
from market_app.core.statemachine import StateMachine
from market_app.orders.models import CLOSED_STALL_ORDER_STATUSES, Order, OrderStatus, StallOrderStatus

S = StallOrderStatus


class StallOrderAction(enum.StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    READY = "ready"
    HAND_OVER = "hand_over"
    CANCEL = "cancel"  # the order was cancelled or expired (the system or the shopper, not the stall)
    REOPEN = "reopen"  # an expired order's payment arrived after all and everything could be held again


STALL_ORDER_MACHINE: StateMachine[StallOrderStatus, StallOrderAction] = StateMachine("stall order", {
    StallOrderAction.ACCEPT: ((S.PENDING,), S.ACCEPTED),
    StallOrderAction.REJECT: ((S.PENDING, S.ACCEPTED), S.REJECTED),
    StallOrderAction.READY: ((S.ACCEPTED,), S.READY),
    StallOrderAction.HAND_OVER: ((S.READY,), S.HANDED_OVER),
    StallOrderAction.CANCEL: ((S.PENDING, S.ACCEPTED, S.READY), S.CANCELLED),
    StallOrderAction.REOPEN: ((S.CANCELLED,), S.PENDING),
})

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


def set_status(order: Order, status: OrderStatus) -> OrderStatus:
    """The one place an order's status changes; tells the other domains when it does."""
    previous = order.status
    order.status = status
    if status in _TERMINAL and order.closed_at is None:
        order.closed_at = utcnow()
    if status != previous:
        order_status_changed.send(order, from_status=previous, to_status=status)
    return status


def refresh_status(order: Order) -> OrderStatus:
    return set_status(order, derive_status(order))
