"""What an order holds while it is open (stock, and whatever the participants registered at app start hold:
a delivery slot's place, a live offer's cap), taken in one step at checkout and given back in one place."""

from market_app.orders import hooks
from market_app.orders.models import Order, StallOrder, StallOrderStatus
from market_app.orders.placement import PlacedOrder


def reserve(checkout, order: PlacedOrder) -> None:
    """Before the order's rows are written: every participant takes what the order holds, or raises."""
    for participant in hooks.current().participants:
        participant.reserve(checkout, order)


def record(checkout, order: PlacedOrder) -> None:
    """Once the order's rows are written (ids set): every participant writes its own rows pointing at them."""
    for participant in hooks.current().participants:
        participant.record(checkout, order)


def release_stall_order(stall_order: StallOrder) -> None:
    for participant in hooks.current().participants:
        participant.release_stall_order(stall_order)


def release_order(order: Order) -> None:
    for stall_order in order.stall_orders:
        if stall_order.status != StallOrderStatus.HANDED_OVER:  # those goods have left the stall: no stock back
            release_stall_order(stall_order)
    for participant in hooks.current().participants:
        participant.release_order(order)


def restore(order: Order) -> None:
    """An expired order paid after all: take back everything it held, or raise (Conflict) if anything is gone."""
    for participant in hooks.current().participants:
        participant.restore(order)
