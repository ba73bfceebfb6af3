"""Live prices at checkout: while a session is live, its offers' products cost the live price for as many units
as its cap (and the shopper's own limit) still allows; the order takes those units from the cap atomically and
gives them back when it closes without being sold (expired, cancelled, rejected)."""

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from market_app.catalog.models import Product
from market_app.core import versions
from market_app.core.db import db, utcnow
from market_app.core.errors import Conflict
from market_app.live.models import LiveOffer, LiveOfferReservation, LiveSession, LiveStatus
from market_app.orders.hooks import ReservationParticipant, SpecialPrice

_EXTRA = "live"  # checkout.extras: the (line, offer id) pairs reserve() took units for


class LivePriceGone(Conflict):
    """The live price's cap ran out (or the session ended) between pricing and placing the order."""


def grace() -> timedelta:
    return timedelta(minutes=current_app.config["LIVE_AUTO_END_GRACE_MINUTES"])


def _held_by(shopper_id: int, offer_ids: list[int]) -> dict[int, int]:
    """Units of each offer this shopper holds at the live price in orders that are not closed."""
    stmt = (sa.select(LiveOfferReservation.offer_id, sa.func.sum(LiveOfferReservation.quantity))
            .where(LiveOfferReservation.offer_id.in_(offer_ids), LiveOfferReservation.user_id == shopper_id,
                   LiveOfferReservation.released_at.is_(None))
            .group_by(LiveOfferReservation.offer_id))
    return {offer_id: int(units) for offer_id, units in db.session.execute(stmt)}


def live_prices(products: Sequence[Product], now: datetime, shopper_id: int | None) -> dict[int, SpecialPrice]:
    """The price override registered at app start: special prices of the offers on air now."""
    ids = [product.id for product in products]
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(LiveOffer, LiveSession).join(LiveOffer.session)
        .where(LiveOffer.product_id.in_(ids), LiveSession.status == LiveStatus.LIVE,
               LiveSession.ends_at > now - grace())
    ).all()
    on_air = [(offer, session) for offer, session in rows if now < session.auto_end_at(grace())]
    limited = [offer.id for offer, _ in on_air if offer.per_shopper_limit is not None]
    held = _held_by(shopper_id, limited) if shopper_id is not None and limited else {}
    prices = {}
    for offer, session in on_air:
        units = offer.remaining
        if offer.per_shopper_limit is not None:
            units = min(units, max(0, offer.per_shopper_limit - held.get(offer.id, 0)))
        prices[offer.product_id] = SpecialPrice(offer.live_price, session.id, max_quantity=units)
    return prices


def _gone(index: int, message: str) -> LivePriceGone:
    return LivePriceGone(f"Item {index}: {message}", {"json": {"items": {str(index): {"quantity": [message]}}}})


class LiveCapReservation(ReservationParticipant):
    """Takes each live-priced line's units from its offer's cap with one conditional UPDATE: two orders can never
    both take the last units (the second UPDATE waits for the first and re-checks the row, on PostgreSQL)."""

    def reserve(self, checkout, order) -> None:
        items = [item for item in order.items if item.live_session_id]
        if items:
            versions.touch(versions.live_scope(checkout.market.id))  # the schedule shows what is sold
        taken_offers = []
        for item in sorted(items, key=lambda item: item.product_id):
            index = checkout.index_of(item.product_id)
            on_air = sa.exists().where(LiveSession.id == item.live_session_id, LiveSession.status == LiveStatus.LIVE)
            taken = db.session.execute(
                sa.update(LiveOffer)
                .where(LiveOffer.live_session_id == item.live_session_id, LiveOffer.product_id == item.product_id,
                       LiveOffer.sold + item.quantity <= LiveOffer.quantity_cap, on_air)
                .values(sold=LiveOffer.sold + item.quantity)
                .returning(LiveOffer.id, LiveOffer.per_shopper_limit)
                .execution_options(synchronize_session=False)
            ).first()
            if taken is None:
                left = db.session.scalar(sa.select(LiveOffer.quantity_cap - LiveOffer.sold).where(
                    LiveOffer.live_session_id == item.live_session_id, LiveOffer.product_id == item.product_id))
                raise _gone(index, f"Other orders took the live price meanwhile ({left or 0} left at it). Order "
                                   "again: what is left at the live price, the rest at the list price.")
            if taken.per_shopper_limit is not None:
                # The offer's row is locked by the UPDATE above: this shopper's other orders are counted as committed.
                held = _held_by(order.user_id, [taken.id]).get(taken.id, 0)
                if held + item.quantity > taken.per_shopper_limit:
                    raise _gone(index, f"At most {taken.per_shopper_limit} per shopper at the live price.")
            taken_offers.append((item, taken.id))
        checkout.extras[_EXTRA] = taken_offers

    def record(self, checkout, order) -> None:
        """The units taken in reserve(), each on the line that took them (written now: the line has its id)."""
        taken_offers = checkout.extras.get(_EXTRA)
        if taken_offers:
            now = utcnow()
            db.session.execute(sa.insert(LiveOfferReservation.__table__), [
                {"offer_id": offer_id, "order_item_id": item.id, "user_id": order.user_id, "quantity": item.quantity,
                 "created_at": now, "released_at": None} for item, offer_id in taken_offers])

    def restore(self, order) -> None:
        """An expired order was paid after all: its live-priced lines take their units back from the cap (the
        shopper paid the live price, also if the session has ended meanwhile), or, when the cap has been sold
        meanwhile, the order cannot be taken back (the caller refunds it)."""
        item_ids = [item.id for part in order.stall_orders for item in part.items if item.live_session_id]
        if not item_ids:
            return
        restored = db.session.execute(
            sa.update(LiveOfferReservation)
            .where(LiveOfferReservation.order_item_id.in_(item_ids), LiveOfferReservation.released_at.is_not(None))
            .values(released_at=None)
            .returning(LiveOfferReservation.offer_id, LiveOfferReservation.quantity)
            .execution_options(synchronize_session=False)
        ).all()
        if restored:
            versions.touch(versions.live_scope(order.market_id))
        for offer_id, quantity in sorted(restored):
            taken = db.session.execute(
                sa.update(LiveOffer)
                .where(LiveOffer.id == offer_id, LiveOffer.sold + quantity <= LiveOffer.quantity_cap)
                .values(sold=LiveOffer.sold + quantity).returning(LiveOffer.id)
                .execution_options(synchronize_session=False)
            ).first()
            if taken is None:
                raise LivePriceGone("The live price's units were sold to others meanwhile.")

    def release_stall_order(self, stall_order) -> None:
        item_ids = [item.id for item in stall_order.items if item.live_session_id and item.id is not None]
        if not item_ids:
            return
        # Only the first release of a line matches released_at IS NULL: a second (or concurrent) one gives back nothing.
        released = db.session.execute(
            sa.update(LiveOfferReservation)
            .where(LiveOfferReservation.order_item_id.in_(item_ids), LiveOfferReservation.released_at.is_(None))
            .values(released_at=utcnow())
            .returning(LiveOfferReservation.offer_id, LiveOfferReservation.quantity)
            .execution_options(synchronize_session=False)
        ).all()
        if released:
            versions.touch(versions.live_scope(stall_order.order.market_id))
        for offer_id, quantity in sorted(released):
            db.session.execute(sa.update(LiveOffer).where(LiveOffer.id == offer_id)
                               .values(sold=LiveOffer.sold - quantity).execution_options(synchronize_session=False))
