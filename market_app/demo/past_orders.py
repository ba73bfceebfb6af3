"""Past sales written straight into orders, payments and the ledger at given times, without Stripe: the demo's
90 days of history and the tests' hand-computed books use the same few functions.

Each writes what the live flow would have written by then (order paid, stall orders in their status, items,
a succeeded payment, refunds) and records the ledger rows through the ledger's own functions, at that time.
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from market_app.catalog.models import Product
from market_app.core.db import db
from market_app.markets.models import Market, Stall
from market_app.orders.models import Fulfillment, Order, OrderItem, OrderStatus, StallOrder, StallOrderStatus
from market_app.payments.models import (
    Payment,
    PaymentKind,
    PaymentStatus,
    QuickPayRequest,
    QuickPayStatus,
    Refund,
    RefundStatus,
)
from market_app.settlement import ledger


@dataclass(frozen=True)
class Line:
    product: Product
    quantity: int
    unit_price: int | None = None  # a live price; the product's price when None
    live_session_id: int | None = None


def _fake_intent(prefix: str) -> str:
    return f"{prefix}_history_{uuid.uuid4().hex[:20]}"


def paid_order(market: Market, shopper_id: int, lines: list[Line], paid_at: datetime, *,
               fulfillment: Fulfillment = Fulfillment.PICKUP, delivery_fee: int = 0,
               statuses: dict[int, StallOrderStatus] | None = None,
               slot_start: datetime | None = None) -> Order:
    """An order paid at paid_at, one stall order per stall (status by stall id, default handed over an hour
    after payment), its payment succeeded, and its sales in the ledger."""
    statuses = statuses or {}
    subtotal = sum((line.unit_price or line.product.price) * line.quantity for line in lines)
    order = Order(
        reference=str(uuid.uuid4()), user_id=shopper_id, market_id=market.id, status=OrderStatus.PAID,
        fulfillment=fulfillment, subtotal=subtotal, delivery_fee=delivery_fee, discount=0,
        total=subtotal + delivery_fee, idempotency_key=f"history-{uuid.uuid4().hex}", request_hash="0" * 64,
        expires_at=paid_at + timedelta(minutes=30), paid_at=paid_at, created_at=paid_at, updated_at=paid_at,
        delivery_slot_start=slot_start,
        delivery_address="서울 (지난 주문)" if fulfillment == Fulfillment.DELIVERY else None,
    )
    by_stall: dict[int, list[Line]] = {}
    for line in lines:
        by_stall.setdefault(line.product.stall_id, []).append(line)
    for stall_id, stall_lines in sorted(by_stall.items()):
        status = statuses.get(stall_id, StallOrderStatus.HANDED_OVER)
        closed = status in (StallOrderStatus.HANDED_OVER, StallOrderStatus.REJECTED, StallOrderStatus.CANCELLED)
        items = [OrderItem(product_id=line.product.id, name=line.product.name, unit=line.product.unit,
                           unit_price=line.unit_price or line.product.price, list_price=line.product.price,
                           quantity=line.quantity, line_total=(line.unit_price or line.product.price) * line.quantity,
                           live_session_id=line.live_session_id) for line in stall_lines]
        order.stall_orders.append(StallOrder(
            stall_id=stall_id, status=status, subtotal=sum(item.line_total for item in items), items=items,
            notified_at=paid_at, closed_at=paid_at + timedelta(hours=1) if closed else None,
            created_at=paid_at, updated_at=paid_at,
        ))
    db.session.add(order)
    db.session.flush()
    db.session.add(Payment(kind=PaymentKind.ORDER, order_id=order.id, market_id=market.id, amount=order.total,
                           status=PaymentStatus.SUCCEEDED, payment_intent_id=_fake_intent("pi"),
                           client_secret="history", succeeded_at=paid_at, created_at=paid_at, updated_at=paid_at))
    ledger.record_order_sales(order, paid_at)
    return order


def refund(order: Order, stall_order: StallOrder, amount: int, at: datetime, reason: str = "지난 환불") -> Refund:
    """A refund of part of a stall order, recorded (and confirmed) at `at`, and its ledger row."""
    payment = db.session.scalars(sa.select(Payment).filter_by(order_id=order.id)).one()
    row = Refund(payment_id=payment.id, stall_order_id=stall_order.id, amount=amount, reason=reason,
                 status=RefundStatus.SUCCEEDED, stripe_refund_id=_fake_intent("re"), created_at=at, updated_at=at)
    db.session.add(row)
    db.session.flush()
    ledger.record_refund(row, at)
    return row


def quick_pay(stall: Stall, merchant_id: int, amount: int, paid_at: datetime, memo: str | None = None):
    """An in-person sale paid by QR code at paid_at, and its ledger row."""
    payment = Payment(kind=PaymentKind.QUICK_PAY, stall_id=stall.id, market_id=stall.market_id, amount=amount,
                      status=PaymentStatus.SUCCEEDED, payment_intent_id=_fake_intent("pi"), client_secret="history",
                      succeeded_at=paid_at, created_at=paid_at, updated_at=paid_at)
    request = QuickPayRequest(token=secrets.token_urlsafe(24), stall_id=stall.id, amount=amount, memo=memo,
                              status=QuickPayStatus.PAID, payment=payment, created_by_id=merchant_id, paid_at=paid_at,
                              created_at=paid_at, updated_at=paid_at)
    db.session.add(request)
    db.session.flush()
    ledger.record_in_person_sale(request, paid_at)
    return request
