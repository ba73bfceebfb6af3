"""Who hears of what happens to orders: a paid order tells each of its stalls' owners."""

from market_app.notifications.services import Message, notify
from market_app.orders.models import Order


def on_order_paid(order: Order, **_kwargs) -> None:
    for stall_order in order.stall_orders:
        items = ", ".join(f"{item.name} {item.quantity}" for item in stall_order.items)
        notify([stall_order.stall.owner_id], Message(
            kind="order_paid", key=f"order_paid:{stall_order.id}",
            title=f"새 주문 #{order.id} ({stall_order.stall.name})",
            body=f"{items} — {stall_order.subtotal:,}원. 수락하거나 거절해 주세요.",
            data={"order_id": order.id, "stall_order_id": stall_order.id, "stall_id": stall_order.stall_id},
        ))
