"""Delivery's part in checkout (a reservation participant registered at app start): check the address and the
slot and set the fee in prepare(), take the slot's place in the order's transaction, give it back when the order
closes. The fee charged is the quote's for that address and subtotal: both come from Rules.price."""

import sqlalchemy as sa

from market_app.core.db import db, utcnow
from market_app.core.errors import Conflict, InvalidInput
from market_app.core.money import split_exactly
from market_app.delivery import settings as delivery_settings
from market_app.delivery import slots
from market_app.delivery.models import FeePayer, FeeShare, SlotBooking
from market_app.delivery.rules import Price, Rules, slot_at, utc
from market_app.markets.models import Market
from market_app.orders.checkout import Checkout
from market_app.orders.hooks import DeliveryCharge, ReservationParticipant
from market_app.orders.models import CLOSED_STALL_ORDER_STATUSES, Fulfillment, Order, StallOrder
from market_app.orders.placement import PlacedOrder

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

    def reserve(self, checkout: Checkout, order: PlacedOrder) -> None:
        if _EXTRA not in checkout.extras:
            return
        rules, _price, slot = checkout.extras[_EXTRA]
        slots.take_place(checkout.market.id, slot, rules.slot_capacity, SLOT_FIELD)

    def record(self, checkout: Checkout, order: PlacedOrder) -> None:
        """The order's booking of its slot and, when the stalls pay a free delivery, their shares of the fee."""
        if _EXTRA not in checkout.extras:
            return
        rules, price, slot = checkout.extras[_EXTRA]
        paid_by = FeePayer(rules.free_delivery_paid_by) if price.waived_fee else None
        db.session.execute(sa.insert(SlotBooking.__table__).values(
            order_id=order.id, market_id=checkout.market.id, slot_start=utc(slot.start), fee=price.fee,
            waived_fee=price.waived_fee, waived_paid_by=paid_by, created_at=utcnow()))
        if paid_by == FeePayer.STALLS:
            parts = split_exactly(price.waived_fee, {part.id: part.subtotal for part in order.stall_orders})
            db.session.execute(sa.insert(FeeShare.__table__), [
                {"order_id": order.id, "stall_order_id": part.id, "stall_id": part.stall_id, "amount": parts[part.id]}
                for part in order.stall_orders])

    def release_order(self, order: Order) -> None:
        booking = booking_of(order.id)
        if booking is not None:
            slots.release(booking)

    def restore(self, order: Order) -> None:
        """An expired order paid after all takes its place back if its slot still takes orders and has room;
        otherwise Conflict (the shopper is refunded)."""
        booking = booking_of(order.id)
        if booking is None or booking.released_at is None:
            return
        market = db.session.get(Market, order.market_id)
        rules = delivery_settings.rules_for(market)
        slot = slot_at(rules, booking.slot_start)
        if slot is None or not rules.is_bookable(slot, utcnow()):
            raise Conflict("The order's delivery slot no longer takes orders.")
        slots.take_place(market.id, slot, rules.slot_capacity, SLOT_FIELD)
        booking.released_at = None


def booking_of(order_id: int) -> SlotBooking | None:
    return db.session.scalar(sa.select(SlotBooking).filter_by(order_id=order_id))


def split_fee(order: Order, stall_orders: list[StallOrder], fee: int) -> None:
    """The stalls' shares of a free delivery's fee, pro rata to their subtotals (largest remainder: the parts add
    up to the fee exactly). Stall orders not yet flushed are keyed by their position."""
    parts = split_exactly(fee, {i: s.subtotal for i, s in enumerate(stall_orders)})
    for i, stall_order in enumerate(stall_orders):
        db.session.add(FeeShare(order=order, stall_order=stall_order, stall_id=stall_order.stall_id,
                                amount=parts[i]))


def resplit_fee(order: Order) -> None:
    """A stall order closed (rejected, cancelled) or reopened: the waived fee is split again among the parts
    still going out, exactly; a closed part's share is 0."""
    booking = booking_of(order.id)
    if booking is None or booking.waived_paid_by != FeePayer.STALLS:
        return
    shares = db.session.scalars(sa.select(FeeShare).filter_by(order_id=order.id)).all()
    weights = {s.id: s.subtotal for s in order.stall_orders if s.status not in CLOSED_STALL_ORDER_STATUSES}
    parts = split_exactly(booking.waived_fee, weights)
    for share in shares:
        share.amount = parts.get(share.stall_order_id, 0)
