"""Order rules after placement: the stall order state machine, cancellation with exact refunds,
expiry of unpaid orders, and the reactions to payment events."""

import logging
from datetime import datetime

import sqlalchemy as sa

from market_app.accounts.models import User
from market_app.core import uow
from market_app.core.db import db, lock_row, utcnow
from market_app.core.errors import Conflict, InvalidTransition, NotFound
from market_app.core.signals import order_closed, order_paid, stall_order_moved
from market_app.orders import hooks, reservations
from market_app.orders.models import CLOSED_STALL_ORDER_STATUSES, Order, OrderStatus, StallOrder, StallOrderStatus
from market_app.orders.status import STALL_ORDER_MACHINE, StallOrderAction, refresh_status, set_status
from market_app.payments import services as payments
from market_app.payments.models import Payment, PaymentKind

log = logging.getLogger(__name__)
S = StallOrderStatus
A = StallOrderAction


def get_order(order_id: int) -> Order:
    order = db.session.get(Order, order_id)
    if order is None:
        raise NotFound("Order not found.")
    return order


def get_stall_order(stall_order_id: int) -> StallOrder:
    stall_order = db.session.get(StallOrder, stall_order_id)
    if stall_order is None:
        raise NotFound("Stall order not found.")
    return stall_order


def _move(stall_order: StallOrder, action: StallOrderAction, actor_id: int | None, reason: str | None) -> None:
    from_status = stall_order.status
    to_status = STALL_ORDER_MACHINE.fire(stall_order, action, actor_id=actor_id, note=reason)
    if to_status in CLOSED_STALL_ORDER_STATUSES:
        stall_order.reason = reason  # shown to the shopper next to the rejected or cancelled part
    if to_status in CLOSED_STALL_ORDER_STATUSES or to_status == S.HANDED_OVER:
        stall_order.closed_at = utcnow()
    stall_order_moved.send(stall_order, from_status=from_status, to_status=to_status, actor_id=actor_id, note=reason)


def transition(stall_order: StallOrder, action: StallOrderAction, actor: User, reason: str | None = None) -> StallOrder:
    """Apply one merchant action; anything the current state does not allow is a 409."""
    order = stall_order.order
    if order.paid_at is None or order.status in (OrderStatus.CANCELLED, OrderStatus.EXPIRED):
        raise InvalidTransition(f"Cannot {action.value.replace('_', ' ')}: the order is {order.status.value}.")
    _move(stall_order, action, actor.id, reason)
    if stall_order.status == S.REJECTED:
        reservations.release_stall_order(stall_order)
        _refund_closed_part(order, stall_order, actor, reason or "rejected by the stall")
    refresh_status(order)
    return stall_order


def _refund_closed_part(order: Order, stall_order: StallOrder, actor: User | None, reason: str) -> None:
    """A stall order closed after payment is refunded for exactly its part; the delivery fee goes back too
    once nothing is left to deliver."""
    payment = payments.payment_for_order(order.id)
    if payment is None:
        return
    actor_id = actor.id if actor else None
    payments.refund_rest(payment, stall_order.subtotal, stall_order.id, reason, actor_id)
    if all(s.status in CLOSED_STALL_ORDER_STATUSES for s in order.stall_orders):
        payments.refund_rest(payment, order.delivery_fee, None, f"{reason} (delivery fee)", actor_id)


def _close_order(order: Order, status: OrderStatus, actor: User | None, reason: str) -> None:
    for stall_order in order.stall_orders:
        if STALL_ORDER_MACHINE.can(A.CANCEL, stall_order.status):  # a part already handed over stays handed over
            _move(stall_order, A.CANCEL, actor.id if actor else None, reason)
    reservations.release_order(order)
    set_status(order, status)
    order_closed.send(order, status=status, reason=reason)


def cancel_order(order: Order, actor: User) -> Order:
    """The shopper cancels while no stall has started; a paid order is refunded in full."""
    if order.status not in (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID):
        raise InvalidTransition(f"The order is {order.status.value} and can no longer be cancelled.")
    if any(s.status not in (S.PENDING, *CLOSED_STALL_ORDER_STATUSES) for s in order.stall_orders):
        raise InvalidTransition("A stall has already accepted this order; ask the stall to cancel its part.")
    payment = payments.payment_for_order(order.id)
    if order.status == OrderStatus.PENDING_PAYMENT and payment is not None:
        # Stripe not cancelling it leaves the payment open: if it is paid after all, the money goes straight back
        # (on_payment_succeeded refunds an order that is already cancelled).
        payments.cancel_payment(payment)
    _close_order(order, OrderStatus.CANCELLED, actor, "cancelled by the shopper")
    if payment is not None:
        _refund_everything(order, payment, "cancelled by the shopper", actor)
    return order


def _refund_everything(order: Order, payment: Payment, reason: str, actor: User | None) -> None:
    actor_id = actor.id if actor else None
    for stall_order in order.stall_orders:
        payments.refund_rest(payment, stall_order.subtotal, stall_order.id, reason, actor_id)
    payments.refund_rest(payment, order.delivery_fee, None, f"{reason} (delivery fee)", actor_id)


# --- the market's delivery desk (called by the delivery domain) ----------------------------------------


def link_fulfillment(order: Order, *, delivery_id: int | None = None, pickup_id: int | None = None) -> None:
    """Record the delivery (or desk pickup) the delivery domain opened for this paid order."""
    if delivery_id is not None:
        order.delivery_id = delivery_id
    if pickup_id is not None:
        order.pickup_id = pickup_id


def hand_over(stall_order: StallOrder, actor_id: int | None, note: str | None) -> None:
    """The desk received the stall's part, or the courier took it from the desk: the stall's own hand-over move."""
    order = stall_order.order
    if order.paid_at is None or order.status in (OrderStatus.CANCELLED, OrderStatus.EXPIRED):
        raise InvalidTransition(f"Cannot hand over: the order is {order.status.value}.")
    _move(stall_order, A.HAND_OVER, actor_id, note)
    refresh_status(order)


def refund_undelivered(order: Order, actor: User, reason: str) -> Order:
    """The market gives up on delivering a paid order (its delivery failed or was cancelled): parts not yet handed
    over are cancelled (stock back), and the shopper gets back every won still paid, goods and delivery fee."""
    if order.paid_at is None or order.status in (OrderStatus.CANCELLED, OrderStatus.EXPIRED):
        raise InvalidTransition(f"The order is {order.status.value}: nothing to refund here.")
    for stall_order in order.stall_orders:
        if stall_order.status == S.HANDED_OVER:  # a part the desk received may have been paid out meanwhile
            lock_row(StallOrder, stall_order.id)
            for guard in hooks.current().refund_guards:
                guard(stall_order)
    _close_order(order, OrderStatus.CANCELLED, actor, reason)
    payment = payments.payment_for_order(order.id)
    if payment is not None:
        _refund_everything(order, payment, reason, actor)
    return order


# --- expiry --------------------------------------------------------------------------------------------


def expire_if_overdue(order: Order, now: datetime | None = None) -> bool:
    """Expire an unpaid order past its deadline and release what it holds. Its payment is cancelled at Stripe
    first; only Stripe's cancellation lets the order go. When Stripe refuses (the intent is processing, a 429)
    or cannot be reached, the order stays pending and is tried again; when it was paid meanwhile, the order
    becomes paid instead."""
    now = now or utcnow()
    if order.status != OrderStatus.PENDING_PAYMENT or order.expires_at > now:
        return False
    payment = payments.payment_for_order(order.id)
    if payment is not None and not payments.cancel_payment(payment):
        log.warning("Order %s overdue but Stripe has not cancelled its payment (%s); retrying later",
                    order.id, payment.status.value)
        return False
    if order.status != OrderStatus.PENDING_PAYMENT:  # paid meanwhile
        return False
    _close_order(order, OrderStatus.EXPIRED, None, "not paid in time")
    return True


def expire_order(order_id: int) -> bool:
    """The job queued for an order's deadline: expire it if it is still unpaid then."""
    order = db.session.get(Order, order_id)
    return order is not None and expire_if_overdue(order)


def expire_overdue_orders(now: datetime | None = None) -> int:
    now = now or utcnow()
    overdue = db.session.scalars(
        sa.select(Order.id).where(Order.status == OrderStatus.PENDING_PAYMENT, Order.expires_at <= now)
    ).all()
    expired = 0
    for order_id in overdue:
        with uow.unit_of_work():
            expired += expire_if_overdue(db.session.get(Order, order_id), now)
    return expired


# --- reactions to payments -----------------------------------------------------------------------------


def on_payment_succeeded(payment: Payment, **_kwargs) -> None:
    """Paid: the stalls now see the order. An order that expired while the money was on its way is taken back
    if everything it held can still be held; otherwise, and for an order the shopper cancelled, the money goes
    straight back. Money is never kept without an order."""
    if payment.kind != PaymentKind.ORDER:
        return
    order = db.session.get(Order, payment.order_id)
    if order.status == OrderStatus.EXPIRED:
        _revive(order)
    if order.status == OrderStatus.PENDING_PAYMENT:
        order.paid_at = utcnow()
        for stall_order in order.stall_orders:
            stall_order.notified_at = order.paid_at
        refresh_status(order)
        order_paid.send(order)
        log.info("Order %s paid; notified stalls %s", order.id, [s.stall_id for s in order.stall_orders])
    else:
        _refund_everything(order, payment, f"paid after the order was {order.status.value}", None)


def _revive(order: Order) -> None:
    """Hold again what an expired order held (stock, a slot's place...) and reopen its stall orders; leave it
    expired when anything is gone meanwhile."""
    try:
        with db.session.begin_nested():
            reservations.restore(order)
    except Conflict as refused:
        log.warning("Order %s was paid after it expired and cannot be taken back (%s): refunding", order.id,
                    refused.message)
        return
    for stall_order in order.stall_orders:
        _move(stall_order, A.REOPEN, None, "paid after it expired")
        stall_order.reason, stall_order.closed_at = None, None
    order.closed_at = None
    set_status(order, OrderStatus.PENDING_PAYMENT)


def refund_part(stall_order: StallOrder, amount: int, reason: str, actor: User):
    """A merchant's or association's partial refund of one stall order (a missing item, a weight short).
    The stall order's row is locked first: a payout of the same sale takes the same lock, so the two never
    both go through."""
    if stall_order.order.paid_at is None:
        raise InvalidTransition("The order has not been paid.")
    lock_row(StallOrder, stall_order.id)
    for guard in hooks.current().refund_guards:
        guard(stall_order)
    payment = payments.payment_for_order(stall_order.order_id)
    return payments.request_refund(payment, amount, cap=stall_order.subtotal, stall_order_id=stall_order.id,
                                   reason=reason, actor_id=actor.id)
