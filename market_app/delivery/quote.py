"""The delivery quote for an address and the slot list of a local day: public, read on every basket change, so
each is one query for the market and its settings (the rules compiled once per settings version) and one for
the slots' loads."""

from datetime import date, datetime

from market_app.core.errors import NotFound
from market_app.delivery import settings as delivery_settings
from market_app.delivery import slots
from market_app.delivery.rules import Rules
from market_app.markets.models import Market


def _market_and_rules(market_id: int) -> tuple[Market, Rules]:
    found = delivery_settings.market_and_rules(market_id)
    if found is None:
        raise NotFound("Market not found.")
    return found


def quote(market_id: int, lat: float, lng: float, subtotal: int, now: datetime) -> dict:
    """Distance, ring, fee, what is left to free delivery, the minimum order, and the next open slots with places
    left; deliverable is false with a reason (disabled, too_far, below_min_order, no_slots) when it is not."""
    market, rules = _market_and_rules(market_id)
    price = rules.price(lat, lng, subtotal)
    offered = slots.next_open_slots(market.id, rules, now) if price.zone and rules.enabled else []
    reason = price.reason or (None if offered else "no_slots")
    return {"market_id": market.id, "deliverable": reason is None, "reason": reason,
            "distance_km": price.distance_km, "fee": price.fee if price.zone else None,
            "zone_up_to_km": price.zone.up_to_km if price.zone else None, "free_over": rules.free_over,
            "remaining_for_free": price.remaining_for_free, "min_order": rules.min_order, "slots": offered}


def day_slots(market_id: int, day: date, now: datetime) -> list[dict]:
    market, rules = _market_and_rules(market_id)
    return slots.day_slots(market.id, rules, day, now) if rules.enabled else []
