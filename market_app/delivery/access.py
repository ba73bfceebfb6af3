"""Who may see and move deliveries: the shopper their own (read only), the market's couriers and admins (the desk)
its deliveries; anyone else gets a 404, not a hint. Each helper loads and checks in one step."""

from market_app.accounts.models import User
from market_app.core.db import db
from market_app.core.errors import Forbidden, NotFound
from market_app.delivery.models import Delivery, Pickup
from market_app.markets.access import has_market_role, is_market_admin
from market_app.markets.models import Market, MemberRole
from market_app.orders.models import StallOrder


def is_courier(user: User | None, market_id: int) -> bool:
    return has_market_role(user, market_id, MemberRole.COURIER)


def is_desk_staff(user: User | None, market_id: int) -> bool:
    """The market's delivery desk: its admins (the association) and its couriers."""
    return is_market_admin(user, market_id) or is_courier(user, market_id)


def require_desk_staff(user: User, market: Market) -> None:
    if not is_desk_staff(user, market.id):
        raise Forbidden("Only the market's delivery desk (its admins and couriers) may do this.")


def visible_delivery(user: User, delivery_id: int) -> Delivery:
    """The shopper whose order it is, and the market's desk; a 404 for anyone else."""
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None or not (delivery.order.user_id == user.id or is_desk_staff(user, delivery.market_id)):
        raise NotFound("Delivery not found.")
    return delivery


def delivery_for_courier(user: User, delivery_id: int) -> Delivery:
    """A courier of the delivery's market (claim)."""
    delivery = visible_delivery(user, delivery_id)
    if not is_courier(user, delivery.market_id):
        raise Forbidden("Only a courier of this market may do this.")
    return delivery


def delivery_for_its_courier(user: User, delivery_id: int) -> Delivery:
    """The courier it is assigned to (pickup, deliver, fail); before any assignment the state machine refuses."""
    delivery = delivery_for_courier(user, delivery_id)
    if delivery.courier_id is not None and delivery.courier_id != user.id:
        raise Forbidden("This delivery is assigned to another courier.")
    return delivery


def delivery_for_admin(user: User, delivery_id: int) -> Delivery:
    """A market admin (assign, re-slot, cancel)."""
    delivery = visible_delivery(user, delivery_id)
    if not is_market_admin(user, delivery.market_id):
        raise Forbidden("Only an admin of this market may do this.")
    return delivery


def visible_pickup(user: User, pickup_id: int) -> Pickup:
    pickup = db.session.get(Pickup, pickup_id)
    if pickup is None or not (pickup.order.user_id == user.id or is_desk_staff(user, pickup.market_id)):
        raise NotFound("Pickup not found.")
    return pickup


def pickup_for_desk(user: User, pickup_id: int) -> Pickup:
    pickup = visible_pickup(user, pickup_id)
    if not is_desk_staff(user, pickup.market_id):
        raise Forbidden("Only the market's delivery desk may do this.")
    return pickup


def stall_order_for_desk(user: User, stall_order_id: int) -> StallOrder:
    """A paid stall order of the desk's market; its stall's owner sees it but does not receive it at the desk."""
    stall_order = db.session.get(StallOrder, stall_order_id)
    if stall_order is None or stall_order.order.paid_at is None:
        raise NotFound("Stall order not found.")
    if is_desk_staff(user, stall_order.order.market_id):
        return stall_order
    if stall_order.stall.owner_id == user.id:
        raise Forbidden("Only the market's delivery desk records what arrived at the desk.")
    raise NotFound("Stall order not found.")
