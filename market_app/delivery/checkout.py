"""Delivery's part in checkout (a reservation participant registered at app start): check the address and the
slot and set the fee in prepare(), take the slot's place in the order's transaction, give it back when the order
closes. The fee charged is the quote's for that address and subtotal: both come from Rules.price."""

import sqlalchemy as sa

from market_app.core.db import db, utcnow
from market_app.core.errors import InvalidInput
from market_app.delivery import settings as delivery_settings
from market_app.delivery import slots
from market_app.delivery.models import FeePayer, FeeShare, SlotBooking
from market_app.delivery.rules import Price, Rules, split_pro_rata, utc
from market_app.orders.checkout import Checkout
from market_app.orders.hooks import DeliveryCharge, ReservationParticipant
from market_app.orders.models import CLOSED_STALL_ORDER_STATUSES, Fulfillment, Order, StallOrder

SLOT_FIELD = ("delivery", "slot_start")
_EXTRA = "delivery"


def _refuse(checkout: Checkout, rules: Rules, price: Price) -> None:
    if price.reason == "disabled":
        raise InvalidInput("fulfillment", "This market does not deliver; choose pickup.")
    if price.reason == "too_far":
        last = rules.zones[-1].up_to_km if rules.zones else 0
        message = f"The address is {price.distance_km} km from the market; it delivers up to {last} km."
        error = InvalidInput("delivery", message)
        error.errors = {"json": {"delivery": {"lat": [message], "lng": [message]}}}
        raise error
    if price.reason == "below_min_order":
        raise InvalidInput("items", f"Delivery needs an order of at least {rules.min_order} won.")


class SlotReservation(ReservationParticipant):
    """A delivery order holds one place of its slot from placement until the order closes."""

    def prepare(self, checkout: Checkout) -> None:
        if checkout.fulfillment != Fulfillment.DELIVERY:
            return
        rules = delivery_settings.rules_for(checkout.market)
        delivery = checkout.delivery or {}
        price = rules.price(delivery["lat"], delivery["lng"], checkout.subtotal)
        _refuse(checkout, rules, price)
        slot = slots.open_slot(rules, delivery.get("slot_start"), utcnow(), SLOT_FIELD)
        checkout.delivery_charge = DeliveryCharge(fee=price.fee, distance_km=price.distance_km,
                                                  zone_up_to_km=price.zone.up_to_km, slot_start=utc(slot.start),
                                                  slot_end=utc(slot.end))
        checkout.extras[_EXTRA] = (rules, price, slot)

    def reserve(self, checkout: Checkout, order: Order) -> None:
        if _EXTRA not in checkout.extras:
            return
        rules, price, slot = checkout.extras[_EXTRA]
        slots.take_place(checkout.market.id, slot, rules.slot_capacity, SLOT_FIELD)
        paid_by = FeePayer(rules.free_delivery_paid_by) if price.waived_fee else None
        db.session.add(SlotBooking(order=order, market_id=checkout.market.id, slot_start=utc(slot.start),
                                   fee=price.fee, waived_fee=price.waived_fee, waived_paid_by=paid_by))
        if paid_by == FeePayer.STALLS:
            split_fee(order, order.stall_orders, price.waived_fee)

    def release_order(self, order: Order) -> None:
        booking = booking_of(order.id)
        if booking is not None:
            slots.release(booking)


def booking_of(order_id: int) -> SlotBooking | None:
    return db.session.scalar(sa.select(SlotBooking).filter_by(order_id=order_id))


def split_fee(order: Order, stall_orders: list[StallOrder], fee: int) -> None:
    """The stalls' shares of a free delivery's fee, pro rata to their subtotals (largest remainder: the parts add
    up to the fee exactly). Stall orders not yet flushed are keyed by their position."""
    parts = split_pro_rata(fee, {i: s.subtotal for i, s in enumerate(stall_orders)})
    for i, stall_order in enumerate(stall_orders):
        db.session.add(FeeShare(order=order, stall_order=stall_order, stall_id=stall_order.stall_id,
                                amount=parts[i]))


def resplit_fee(order: Order) -> None:
    """A stall order closed (rejected, cancelled): its share moves to the parts still going out, exactly again."""
    shares = db.session.scalars(sa.select(FeeShare).filter_by(order_id=order.id)).all()
    if not shares:
        return
    total = sum(share.amount for share in shares)
    open_ids = {s.id for s in order.stall_orders if s.status not in CLOSED_STALL_ORDER_STATUSES}
    weights = {s.stall_order_id: s.stall_order.subtotal for s in shares if s.stall_order_id in open_ids}
    parts = split_pro_rata(total, weights) if weights else {}
    for share in shares:
        share.amount = parts.get(share.stall_order_id, 0)
