"""Settlement's reactions to the events of the domains below it: each one writes the ledger row it calls for,
in the transaction of the event."""

import sqlalchemy as sa

from market_app.core.db import db, utcnow
from market_app.orders.models import Order, StallOrder, StallOrderStatus
from market_app.payments.models import Payment, PaymentKind, QuickPayRequest, Refund
from market_app.settlement import ledger


def on_order_paid(order: Order, **_kwargs) -> None:
    ledger.record_order_sales(order)


def on_payment_succeeded(payment: Payment, **_kwargs) -> None:
    if payment.kind != PaymentKind.QUICK_PAY:
        return  # an order's payment becomes sales when orders says the order is paid
    pay_request = db.session.scalar(sa.select(QuickPayRequest).filter_by(payment_id=payment.id))
    ledger.record_in_person_sale(pay_request, payment.succeeded_at or utcnow())


def on_refund_recorded(refund: Refund, **_kwargs) -> None:
    ledger.record_refund(refund)


def on_refund_failed(refund: Refund, **_kwargs) -> None:
    ledger.record_refund_failed(refund, utcnow())


def on_stall_order_moved(stall_order: StallOrder, *, to_status, **_kwargs) -> None:
    if to_status == StallOrderStatus.HANDED_OVER:
        ledger.mark_settleable(stall_order)
