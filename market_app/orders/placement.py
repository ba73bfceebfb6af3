"""An order being placed, as plain values, and its rows written with Core inserts (one statement per table).

Checkout builds a PlacedOrder from the priced basket, the reservation participants take what it holds (reserve), its
rows are written here, then the participants write their own rows pointing at them (record), and the 201 body is
dumped from it. The ORM's unit of work is not used for these rows: it cost more Python than every statement of
the order together. Nothing of the order is in the session afterwards; later requests load it as an Order."""

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from market_app.core.db import db
from market_app.markets.models import Stall
from market_app.orders.models import (
    Fulfillment,
    Order,
    OrderItem,
    OrderStatus,
    StallOrder,
    StallOrderEvent,
    StallOrderStatus,
)


@dataclass
class PlacedItem:
    """One line as written to order_items. reserved_quantity is set by the stock participant in reserve()."""

    product_id: int
    name: str
    unit: str
    unit_price: int
    list_price: int
    quantity: int
    line_total: int
    live_session_id: int | None
    reserved_quantity: int = 0
    id: int | None = None  # set once written


@dataclass
class PlacedStallOrder:
    stall_id: int
    stall: Stall  # read with the products; the response shows its name
    subtotal: int
    items: list[PlacedItem]
    status: StallOrderStatus = StallOrderStatus.PENDING
    reason: str | None = None
    id: int | None = None  # set once written
    order_id: int | None = None


@dataclass
class PlacedOrder:
    """The order's columns as written (the same names as Order's, so OrderSchema dumps either)."""

    reference: str
    user_id: int
    market_id: int
    fulfillment: Fulfillment
    subtotal: int
    delivery_fee: int
    total: int
    note: str | None
    delivery_address: str | None
    delivery_lat: float | None
    delivery_lng: float | None
    delivery_slot_start: datetime | None
    delivery_slot_end: datetime | None
    delivery_distance_km: float | None
    delivery_zone_km: float | None
    idempotency_key: str
    request_hash: str
    expires_at: datetime
    created_at: datetime
    stall_orders: list[PlacedStallOrder] = field(default_factory=list)
    status: OrderStatus = OrderStatus.PENDING_PAYMENT
    discount: int = 0
    delivery_id: int | None = None
    pickup_id: int | None = None
    paid_at: datetime | None = None
    partially_rejected: bool = False
    id: int | None = None  # set once written
    payment: Any = None  # the payments domain's record of it, set by checkout once written

    @property
    def items(self) -> list[PlacedItem]:
        return [item for stall_order in self.stall_orders for item in stall_order.items]


_ORDER_COLUMNS = ("reference", "user_id", "market_id", "status", "fulfillment", "subtotal", "delivery_fee",
                  "discount", "total", "note", "delivery_address", "delivery_lat", "delivery_lng",
                  "delivery_slot_start", "delivery_slot_end", "delivery_distance_km", "delivery_zone_km",
                  "idempotency_key", "request_hash", "expires_at", "created_at")
_ITEM_COLUMNS = ("product_id", "name", "unit", "unit_price", "list_price", "quantity", "line_total",
                 "reserved_quantity", "live_session_id")


@functools.cache
def _inserts() -> tuple[sa.Insert, sa.Insert, sa.Insert, sa.Insert]:
    """Built once: every order runs them. Rows of many come back in the order they were given."""
    orders, stall_orders = Order.__table__, StallOrder.__table__
    items, events = OrderItem.__table__, StallOrderEvent.__table__
    return (sa.insert(orders).returning(orders.c.id),
            sa.insert(stall_orders).returning(stall_orders.c.id, sort_by_parameter_order=True),
            sa.insert(items).returning(items.c.id, sort_by_parameter_order=True),
            sa.insert(events))


def write(order: PlacedOrder, actor_id: int) -> None:
    """Insert the order, its stall orders, their items and their first timeline events (four statements); sets
    the ids on order."""
    insert_order, insert_stall_orders, insert_items, insert_events = _inserts()
    session, now = db.session, order.created_at
    order.id = session.execute(insert_order, {name: getattr(order, name) for name in _ORDER_COLUMNS}
                               | {"updated_at": now}).scalar_one()
    parts = order.stall_orders
    ids = session.execute(insert_stall_orders, [
        {"order_id": order.id, "stall_id": part.stall_id, "status": part.status, "subtotal": part.subtotal,
         "created_at": now, "updated_at": now} for part in parts]).scalars().all()
    for part, part_id in zip(parts, ids, strict=True):
        part.id, part.order_id = part_id, order.id
    lines = [(part.id, item) for part in parts for item in part.items]
    ids = session.execute(insert_items, [
        {"stall_order_id": part_id, **{name: getattr(item, name) for name in _ITEM_COLUMNS}}
        for part_id, item in lines]).scalars().all()
    for (_, item), item_id in zip(lines, ids, strict=True):
        item.id = item_id
    session.execute(insert_events, [
        {"stall_order_id": part.id, "from_status": None, "to_status": part.status.value, "actor_id": actor_id,
         "reason": None, "created_at": now} for part in parts])
