"""A paid order's delivery (or desk pickup): opened when the order is paid, claimed or assigned, picked up only
once everything is ready, delivered or failed; a failed one is re-slotted or cancelled with a full refund. Every
move goes through the state machine with the row locked, so two couriers claiming at once: one wins, one 409."""

from datetime import datetime

import sqlalchemy as sa

from market_app.accounts.models import User
from market_app.core.db import db, lock_row, utcnow
from market_app.core.errors import InvalidInput, InvalidTransition, NotFound
from market_app.core.signals import delivery_moved, delivery_ready, pickup_moved
from market_app.delivery import settings as delivery_settings
from market_app.delivery import slots
from market_app.delivery.access import is_courier
from market_app.delivery.checkout import booking_of, resplit_fee
from market_app.delivery.models import Delivery, DeliveryStatus, Pickup, PickupStatus
from market_app.delivery.rules import utc
from market_app.delivery.status import DELIVERY_MACHINE, PICKUP_MACHINE, DeliveryAction, PickupAction
from market_app.markets.services import get_market
from market_app.orders import services as orders
from market_app.orders.models import (
    CLOSED_STALL_ORDER_STATUSES,
    Fulfillment,
    Order,
    OrderStatus,
    StallOrder,
    StallOrderStatus,
)

A = DeliveryAction


def get_delivery(delivery_id: int) -> Delivery:
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFound("Delivery not found.")
    return delivery


def delivery_of_order(order_id: int) -> Delivery | None:
    return db.session.scalar(sa.select(Delivery).filter_by(order_id=order_id))


def pickup_of_order(order_id: int) -> Pickup | None:
    return db.session.scalar(sa.select(Pickup).filter_by(order_id=order_id))


def _lock(row: Delivery | Pickup) -> None:
    """Moves of one delivery wait for each other, then see what the other did (a claim that lost sees 'assigned')."""
    lock_row(type(row), row.id)
    db.session.refresh(row)


def _move(delivery: Delivery, action: DeliveryAction, actor_id: int | None, note: str | None = None) -> None:
    from_status = delivery.status
    to_status = DELIVERY_MACHINE.fire(delivery, action, actor_id=actor_id, note=note)
    delivery_moved.send(delivery, from_status=from_status, to_status=to_status, actor_id=actor_id, note=note)


def _move_pickup(pickup: Pickup, action: PickupAction, actor_id: int | None, note: str | None = None) -> None:
    from_status = pickup.status
    to_status = PICKUP_MACHINE.fire(pickup, action, actor_id=actor_id, note=note)
    pickup_moved.send(pickup, from_status=from_status, to_status=to_status, actor_id=actor_id)


# --- opened when the order is paid ---------------------------------------------------------------------


def open_for_paid_order(order: Order, **_kwargs) -> None:
    """order_paid: a delivery order gets its delivery, a pickup order its ticket at the desk (once)."""
    if order.fulfillment == Fulfillment.DELIVERY:
        if delivery_of_order(order.id) is None:
            _open_delivery(order)
    elif pickup_of_order(order.id) is None:
        _open_pickup(order)


def _open_delivery(order: Order) -> Delivery:
    booking = booking_of(order.id)
    delivery = Delivery(
        order_id=order.id, market_id=order.market_id, status=DeliveryStatus.REQUESTED,
        slot_start=order.delivery_slot_start, slot_end=order.delivery_slot_end, address=order.delivery_address,
        lat=order.delivery_lat, lng=order.delivery_lng, fee=order.delivery_fee,
        distance_km=order.delivery_distance_km, zone_up_to_km=order.delivery_zone_km,
        waived_fee=booking.waived_fee if booking else 0, waived_paid_by=booking.waived_paid_by if booking else None,
    )
    delivery.add_event(None, DeliveryStatus.REQUESTED.value, order.user_id, None)
    db.session.add(delivery)
    db.session.flush()
    orders.link_fulfillment(order, delivery_id=delivery.id)
    delivery_moved.send(delivery, from_status=None, to_status=delivery.status, actor_id=order.user_id, note=None)
    return delivery


def _open_pickup(order: Order) -> Pickup:
    pickup = Pickup(order_id=order.id, market_id=order.market_id, status=PickupStatus.WAITING)
    pickup.add_event(None, PickupStatus.WAITING.value, order.user_id, None)
    db.session.add(pickup)
    db.session.flush()
    orders.link_fulfillment(order, pickup_id=pickup.id)
    return pickup


# --- reactions to the order --------------------------------------------------------------------------


def on_order_status_changed(order: Order, from_status: OrderStatus, to_status: OrderStatus, **_kwargs) -> None:
    if to_status in (OrderStatus.READY, OrderStatus.COMPLETED):
        _mark_ready(order, to_status)
    elif to_status in (OrderStatus.CANCELLED, OrderStatus.EXPIRED):
        _close_for_order(order, to_status)


def _mark_ready(order: Order, status: OrderStatus) -> None:
    """Every remaining stall order is ready or at the desk: the delivery may be picked up. A pickup order is ready
    for its shopper once every remaining part is at the desk (handed over), i.e. the order is completed."""
    if order.fulfillment == Fulfillment.DELIVERY:
        delivery = delivery_of_order(order.id)
        if delivery is not None and delivery.ready_at is None and delivery.status != DeliveryStatus.CANCELLED:
            delivery.ready_at = utcnow()
            delivery_ready.send(delivery)
    elif status == OrderStatus.COMPLETED:
        pickup = pickup_of_order(order.id)
        if pickup is not None and PICKUP_MACHINE.can(PickupAction.READY, pickup.status):
            pickup.ready_at = utcnow()
            _move_pickup(pickup, PickupAction.READY, None)


def _close_for_order(order: Order, status: OrderStatus) -> None:
    """The order was cancelled or expired (or every stall rejected it): its delivery is cancelled and its slot's
    place given back (once: the checkout participant may have given it back already)."""
    booking = booking_of(order.id)
    if booking is not None:
        slots.release(booking)
    reason = f"the order was {status.value}"
    delivery = delivery_of_order(order.id)
    if delivery is not None and DELIVERY_MACHINE.can(A.CANCEL, delivery.status):
        _move(delivery, A.CANCEL, None, reason)
    pickup = pickup_of_order(order.id)
    if pickup is not None and PICKUP_MACHINE.can(PickupAction.CANCEL, pickup.status):
        _move_pickup(pickup, PickupAction.CANCEL, None, reason)


def on_stall_order_moved(stall_order: StallOrder, from_status: StallOrderStatus, to_status: StallOrderStatus,
                         **_kwargs) -> None:
    if (from_status in CLOSED_STALL_ORDER_STATUSES) != (to_status in CLOSED_STALL_ORDER_STATUSES):
        resplit_fee(stall_order.order)


# --- couriers and the market's admins ----------------------------------------------------------------


def claim(delivery: Delivery, courier: User) -> Delivery:
    _lock(delivery)
    _move(delivery, A.CLAIM, courier.id)
    delivery.courier_id = courier.id
    return delivery


def assign(delivery: Delivery, courier_id: int, admin: User) -> Delivery:
    courier = db.session.get(User, courier_id)
    if courier is None or not is_courier(courier, delivery.market_id):
        raise InvalidInput("courier_id", "Not a courier of this market.")
    _lock(delivery)
    _move(delivery, A.ASSIGN, admin.id, f"assigned to courier {courier_id}")
    delivery.courier_id = courier_id
    return delivery


def pick_up(delivery: Delivery, courier: User) -> Delivery:
    """Only once every remaining stall order is ready or at the desk (409 before). Parts still marked ready at
    their stall are handed over now: the goods have left with the courier."""
    _lock(delivery)
    DELIVERY_MACHINE.target(A.PICK_UP, delivery.status)
    if not delivery.ready_for_pickup:
        raise InvalidTransition("Not ready for pickup: some stalls are still preparing this order.")
    _move(delivery, A.PICK_UP, courier.id)
    delivery.picked_up_at = utcnow()
    for stall_order in delivery.order.stall_orders:
        if stall_order.status == StallOrderStatus.READY:
            orders.hand_over(stall_order, courier.id, "collected by the courier")
    return delivery


def deliver(delivery: Delivery, courier: User, note: str | None) -> Delivery:
    _lock(delivery)
    _move(delivery, A.DELIVER, courier.id, note)
    delivery.delivered_at, delivery.note = utcnow(), note
    return delivery


def fail(delivery: Delivery, courier: User, reason: str) -> Delivery:
    """The courier could not deliver: the bag goes back to the desk and the market's admins decide."""
    _lock(delivery)
    _move(delivery, A.FAIL, courier.id, reason)
    delivery.failed_at, delivery.failure_reason = utcnow(), reason
    return delivery


def reslot(delivery: Delivery, slot_start: datetime, admin: User) -> Delivery:
    """Move the delivery to another open slot (a failed one goes out again): the new slot's place is taken, the
    old one given back; a new courier claims it (the market's couriers are told again if it is ready)."""
    _lock(delivery)
    DELIVERY_MACHINE.target(A.RESLOT, delivery.status)
    rules = delivery_settings.rules_for(get_market(delivery.market_id))
    slot = slots.open_slot(rules, slot_start, utcnow(), ("slot_start",))
    booking = booking_of(delivery.order_id)
    if booking is not None:
        slots.move(booking, rules, slot, ("slot_start",))
    else:
        slots.take_place(delivery.market_id, slot, rules.slot_capacity, ("slot_start",))
    # The new slot first: the move's reactions tell the shopper (and the couriers) about this slot.
    delivery.slot_start, delivery.slot_end, delivery.courier_id = utc(slot.start), utc(slot.end), None
    _move(delivery, A.RESLOT, admin.id, f"new slot {slot.start.isoformat()}")
    if delivery.ready_for_pickup:
        # The bag waits at the desk for a courier again, now for this slot: the market's couriers hear of it.
        delivery_ready.send(delivery)
    return delivery


def cancel(delivery: Delivery, admin: User, reason: str) -> Delivery:
    """The market gives up on the delivery: its place is given back and the shopper refunded every won still paid
    (goods and fee) through the orders' refund path. Not once the goods are out with a courier."""
    _lock(delivery)
    _move(delivery, A.CANCEL, admin.id, reason)
    booking = booking_of(delivery.order_id)
    if booking is not None:
        slots.release(booking)
    orders.refund_undelivered(delivery.order, admin, f"delivery cancelled: {reason}")
    return delivery


# --- desk pickups -------------------------------------------------------------------------------------


def get_pickup(pickup_id: int) -> Pickup:
    pickup = db.session.get(Pickup, pickup_id)
    if pickup is None:
        raise NotFound("Pickup not found.")
    return pickup


def collect(pickup: Pickup, staff: User) -> Pickup:
    _lock(pickup)
    _move_pickup(pickup, PickupAction.COLLECT, staff.id)
    pickup.collected_at = utcnow()
    return pickup
