"""Who may see and act on orders: shoppers their own, stalls their part, associations their market."""

from market_app.accounts.models import User
from market_app.core.errors import Forbidden, NotFound
from market_app.markets.access import is_market_admin
from market_app.orders.models import Order, StallOrder


def require_order_viewer(user: User, order: Order) -> Order:
    """The shopper who placed it or an admin of its market; anyone else gets a 404, not a hint."""
    if order.user_id != user.id and not is_market_admin(user, order.market_id):
        raise NotFound("Order not found.")
    return order


def require_order_owner(user: User, order: Order) -> Order:
    if order.user_id != user.id:
        if is_market_admin(user, order.market_id):
            raise Forbidden("Only the shopper who placed the order may cancel it.")
        raise NotFound("Order not found.")
    return order



def require_stall_order_merchant(user: User, stall_order: StallOrder) -> StallOrder:
    """Only the owner of the stall acts on its part of an order; merchants of other stalls never see it,
    and a stall order is not shown to anyone before it is paid."""
    if stall_order.stall.owner_id == user.id and stall_order.order.paid_at is not None:
        return stall_order
    if is_market_admin(user, stall_order.order.market_id):
        raise Forbidden("Only the stall's owner may do this.")
    raise NotFound("Stall order not found.")


def require_stall_order_refunder(user: User, stall_order: StallOrder) -> StallOrder:
    """Refunds: the stall's owner or the market's admins (the association settles disputes)."""
    if stall_order.stall.owner_id == user.id or is_market_admin(user, stall_order.order.market_id):
        return stall_order
    raise NotFound("Stall order not found.")
