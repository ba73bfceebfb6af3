"""Who hears of what happens to orders and payments: a paid order tells each of its stalls' owners; a payment
Stripe reported wrongly tells the market's admins."""

import sqlalchemy as sa

from market_app.core.db import db
from market_app.markets.models import MemberRole, Membership
from market_app.notifications.services import Message, notify
from market_app.orders.models import Order
from market_app.payments.models import Payment


def on_order_paid(order: Order, **_kwargs) -> None:
    for stall_order in order.stall_orders:
        items = ", ".join(f"{item.name} {item.quantity}" for item in stall_order.items)
        notify([stall_order.stall.owner_id], Message(
            kind="order_paid", key=f"order_paid:{stall_order.id}",
            title=f"새 주문 #{order.id} ({stall_order.stall.name})",
            body=f"{items} — {stall_order.subtotal:,}원. 수락하거나 거절해 주세요.",
            data={"order_id": order.id, "stall_order_id": stall_order.id, "stall_id": stall_order.stall_id},
        ))


def market_admin_ids(market_id: int) -> list[int]:
    return list(db.session.scalars(sa.select(Membership.user_id).where(
        Membership.market_id == market_id, Membership.role == MemberRole.ADMIN)))


def on_payment_flagged(payment: Payment, **_kwargs) -> None:
    about = f"주문 #{payment.order_id}" if payment.order_id else f"현장 결제 (가게 #{payment.stall_id})"
    notify(market_admin_ids(payment.market_id), Message(
        kind="payment_flagged", key=f"payment_flagged:{payment.id}",
        title=f"결제 확인 필요: {about}",
        body=f"{payment.flag_reason} 결제 완료로 처리하지 않았습니다. Stripe 대시보드에서 확인해 주세요.",
        data={"payment_id": payment.id, "order_id": payment.order_id, "payment_intent_id": payment.payment_intent_id},
    ))
