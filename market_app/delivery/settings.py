"""A market's delivery settings: read (defaults when never set: no delivery), replaced by its admins, and compiled
into rules cached per settings version, so a quote or a slot list reads one row and computes nothing twice."""

import sqlalchemy as sa

from market_app.core.db import db, lock_row, read, utcnow
from market_app.delivery import rules as rules_module
from market_app.delivery.models import DeliverySettings, FeePayer
from market_app.delivery.rules import Rules
from market_app.markets.models import Market
from market_app.orders.hooks import DeliveryTerms

_RULES_CACHE: dict[tuple, Rules] = {}
_RULES_CACHE_SIZE = 1024


def defaults(market_id: int) -> DeliverySettings:
    """What a market that never set its delivery gets: no delivery (not added to the session)."""
    return DeliverySettings(market_id=market_id, enabled=False, zones=[], free_over=None, min_order=0,
                            slot_minutes=60, slot_capacity=8, cutoff_minutes=30, lead_minutes=60, days_ahead=7,
                            hours={}, closed_dates=[], free_delivery_paid_by=FeePayer.MARKET, version=0)


def settings_of(market: Market) -> DeliverySettings:
    found = db.session.scalar(sa.select(DeliverySettings).filter_by(market_id=market.id))
    return found if found is not None else defaults(market.id)


def replace_settings(market: Market, data: dict) -> DeliverySettings:
    """PUT: the whole document replaces the old one; the version moves so every cache drops the old rules."""
    lock_row(Market, market.id)  # two admins saving at once: one after the other, never two rows
    settings = db.session.scalar(sa.select(DeliverySettings).filter_by(market_id=market.id))
    if settings is None:
        settings = DeliverySettings(market_id=market.id, version=0)
        db.session.add(settings)
    for key, value in data.items():
        setattr(settings, key, value)
    settings.closed_dates = sorted(d.isoformat() for d in data.get("closed_dates", []))
    settings.version += 1
    settings.updated_at = utcnow()
    return settings


def _key(market, version: int, updated_at) -> tuple:
    """The compiled rules' key: the market's settings version and what of the market itself they use."""
    # updated_at is in the key too: a database emptied and refilled reuses ids and versions, never timestamps.
    return market.id, version, updated_at, market.timezone, market.lat, market.lng


def rules_for(market: Market | sa.Row, settings: DeliverySettings | None = None) -> Rules:
    settings = settings if settings is not None else settings_of(market)
    key = _key(market, settings.version, settings.updated_at)
    rules = _RULES_CACHE.get(key)
    if rules is None:
        if len(_RULES_CACHE) >= _RULES_CACHE_SIZE:
            _RULES_CACHE.clear()
        rules = _RULES_CACHE[key] = rules_module.compile_rules(
            key, timezone=market.timezone, lat=market.lat, lng=market.lng, enabled=settings.enabled,
            zones=settings.zones or [], free_over=settings.free_over, min_order=settings.min_order,
            slot_minutes=settings.slot_minutes, slot_capacity=settings.slot_capacity,
            cutoff_minutes=settings.cutoff_minutes, lead_minutes=settings.lead_minutes,
            days_ahead=settings.days_ahead, hours=settings.hours, closed_dates=settings.closed_dates,
            free_delivery_paid_by=FeePayer(settings.free_delivery_paid_by).value,
        )
    return rules


_MARKETS, _SETTINGS = Market.__table__, DeliverySettings.__table__
# What the rules' key needs of the market and its settings, as plain values (no ORM objects), in one statement built
# once; the settings' whole row is read only when the rules are not cached yet.
_MARKET_AND_VERSION = (
    sa.select(_MARKETS.c.id, _MARKETS.c.timezone, _MARKETS.c.lat, _MARKETS.c.lng,
              _SETTINGS.c.id.label("settings_id"), _SETTINGS.c.version, _SETTINGS.c.updated_at)
    .select_from(_MARKETS.outerjoin(_SETTINGS, _SETTINGS.c.market_id == _MARKETS.c.id))
    .where(_MARKETS.c.id == sa.bindparam("market_id"))
)


def market_and_rules(market_id: int) -> tuple[sa.Row, Rules] | None:
    """The market (id, timezone, lat, lng) and its rules in one query (the quote's and the slot list's only read
    besides the slot loads; a second one reads the settings when their version is not compiled yet)."""
    market = read(_MARKET_AND_VERSION, {"market_id": market_id}).first()
    if market is None:
        return None
    # Without a settings row, the key of defaults(): version 0, never updated.
    version, updated_at = (market.version, market.updated_at) if market.settings_id is not None else (0, None)
    rules = _RULES_CACHE.get(_key(market, version, updated_at))
    return market, rules if rules is not None else rules_for(market, settings_of(market))


def terms_for_cart(market: Market, subtotal: int) -> DeliveryTerms:
    """The cart's delivery line (orders' delivery_terms hook): the nearest ring's fee, as the address is unknown."""
    rules = rules_for(market)
    nearest = rules.zones[0].fee if rules.zones else 0
    free = rules.free_over is not None and subtotal >= rules.free_over
    return DeliveryTerms(enabled=rules.enabled and bool(rules.zones), fee=0 if free else nearest,
                         min_order=rules.min_order, free_over=rules.free_over)
