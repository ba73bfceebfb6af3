"""Delivery and pickup listings for the market's desk (selects for the paginator)."""

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from market_app.core.timeutil import local_day_bounds
from market_app.delivery.models import Delivery, DeliveryStatus, Pickup, PickupStatus
from market_app.markets.models import Market


def market_deliveries(market: Market, status: DeliveryStatus | None = None, date: date | None = None,
                      courier_id: int | None = None, ready: bool | None = None) -> sa.Select:
    """By slot, earliest first; date is the slot's local date."""
    stmt = sa.select(Delivery).where(Delivery.market_id == market.id)
    if status:
        stmt = stmt.where(Delivery.status == status)
    if date:
        start, end = local_day_bounds(date, date, market.timezone)
        stmt = stmt.where(Delivery.slot_start >= start, Delivery.slot_start < end)
    if courier_id is not None:
        stmt = stmt.where(Delivery.courier_id == courier_id)
    if ready is not None:
        stmt = stmt.where(Delivery.ready_at.is_not(None) if ready else Delivery.ready_at.is_(None))
    return stmt.options(so.selectinload(Delivery.events), so.selectinload(Delivery.fee_shares)).order_by(
        Delivery.slot_start, Delivery.id)


def market_pickups(market: Market, status: PickupStatus | None = None) -> sa.Select:
    stmt = sa.select(Pickup).where(Pickup.market_id == market.id)
    if status:
        stmt = stmt.where(Pickup.status == status)
    return stmt.options(so.selectinload(Pickup.events)).order_by(Pickup.id.desc())
