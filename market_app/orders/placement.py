"""An order being placed, as plain values, and its rows written with Core (on PostgreSQL in one statement).

Checkout builds a PlacedOrder from the priced basket, the reservation participants take what it holds (reserve), its
rows are written here, then the participants write their own rows pointing at them (record), and the 201 body is
dumped from it. The ORM's unit of work is not used for these rows: flushing them was about a quarter of an
order's Python (bench/README.md). Nothing of the order is in the session afterwards; later requests load an Order."""

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from market_app.core.db import db
from market_app.markets.models import Stall
from market_app.orders.models import (
    Fulfillment,
    IdempotencyClaim,
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


def write(order: PlacedOrder, actor_id: int) -> None:
    """Insert the order, its stall orders, their items and their first timeline events, and point the key's claim
    at the order; sets the ids on order. One statement on PostgreSQL, five on SQLite."""
    if db.session.get_bind().dialect.name == "postgresql":
        _write_postgresql(order, actor_id)
    else:
        _write_each(order, actor_id)


def _write_postgresql(order: PlacedOrder, actor_id: int) -> None:
    lines = [(part, item) for part in order.stall_orders for item in part.items]
    params = {f"o_{name}": getattr(order, name) for name in _ORDER_COLUMNS} | {
        "actor_id": actor_id, "part_status": StallOrderStatus.PENDING.value,
        "part_stall_ids": [part.stall_id for part in order.stall_orders],
        "part_subtotals": [part.subtotal for part in order.stall_orders],
        "item_stall_ids": [part.stall_id for part, _ in lines],
    } | {f"item_{name}s": [getattr(item, name) for _, item in lines] for name in _ITEM_COLUMNS}
    rows = db.session.execute(_insert_all(), params).all()
    if len(rows) != len(lines):  # one row per line written: anything else is a bug here, never a partial order
        raise RuntimeError(f"order rows written for {len(rows)} of {len(lines)} lines")
    order.id = rows[0].order_id
    parts = {row.stall_id: row.stall_order_id for row in rows}
    items = {(row.stall_order_id, row.product_id, row.live_session_id): row.item_id for row in rows}
    for part in order.stall_orders:
        part.id, part.order_id = parts[part.stall_id], order.id
        # A product has at most two lines: the one at its live price (with the session) and the one at its list
        # price (without).
        for item in part.items:
            item.id = items[part.id, item.product_id, item.live_session_id]


_ARRAY_TYPES = {"name": sa.String, "unit": sa.String}


@functools.cache
def _insert_all() -> sa.Select:
    """WITH new_order AS (INSERT INTO orders ... RETURNING id), parts AS (INSERT INTO stall_orders SELECT ... FROM
    unnest(stall ids, subtotals) ...), lines AS (INSERT INTO order_items ... joined to parts by stall), events AS
    (...), claim AS (UPDATE idempotency_claims ...) SELECT the new ids. Built once: the rows travel as arrays, so
    the statement is the same for every order (PostgreSQL checks the foreign keys at its end)."""
    orders, stall_orders = Order.__table__, StallOrder.__table__
    items, events, claims = OrderItem.__table__, StallOrderEvent.__table__, IdempotencyClaim.__table__
    now = sa.bindparam("o_created_at", type_=orders.c.created_at.type)
    columns = {name: sa.bindparam(f"o_{name}", type_=orders.c[name].type) for name in _ORDER_COLUMNS}
    new_order = sa.insert(orders).values(columns | {"updated_at": now}).returning(orders.c.id).cte("new_order")
    part_rows = sa.func.unnest(sa.bindparam("part_stall_ids", type_=postgresql.ARRAY(sa.Integer)),
                               sa.bindparam("part_subtotals", type_=postgresql.ARRAY(sa.Integer))
                               ).table_valued("stall_id", "subtotal", with_ordinality="n").render_derived()
    parts = (sa.insert(stall_orders).from_select(
        ["order_id", "stall_id", "status", "subtotal", "created_at", "updated_at"],
        sa.select(new_order.c.id, part_rows.c.stall_id, sa.bindparam("part_status", type_=sa.String),
                  part_rows.c.subtotal, now, now).select_from(new_order).join(part_rows, sa.true())
        .order_by(part_rows.c.n))
        .returning(stall_orders.c.id, stall_orders.c.stall_id).cte("parts"))
    item_arrays = [sa.bindparam("item_stall_ids", type_=postgresql.ARRAY(sa.Integer))] + [
        sa.bindparam(f"item_{name}s", type_=postgresql.ARRAY(_ARRAY_TYPES.get(name, sa.Integer)))
        for name in _ITEM_COLUMNS]
    item_rows = sa.func.unnest(*item_arrays).table_valued("stall_id", *_ITEM_COLUMNS, with_ordinality="n") \
        .render_derived()
    lines = (sa.insert(items).from_select(
        ["stall_order_id", *_ITEM_COLUMNS],
        sa.select(parts.c.id, *(item_rows.c[name] for name in _ITEM_COLUMNS))
        .select_from(parts.join(item_rows, item_rows.c.stall_id == parts.c.stall_id)).order_by(item_rows.c.n))
        .returning(items.c.id, items.c.stall_order_id, items.c.product_id, items.c.live_session_id).cte("lines"))
    first_events = sa.insert(events).from_select(
        ["stall_order_id", "from_status", "to_status", "actor_id", "created_at"],
        sa.select(parts.c.id, sa.null(), sa.bindparam("part_status", type_=sa.String),
                  sa.bindparam("actor_id", type_=sa.Integer), now).select_from(parts)).cte("first_events")
    claim = (sa.update(claims).where(claims.c.user_id == columns["user_id"],
                                     claims.c.idempotency_key == columns["idempotency_key"])
             .values(order_id=sa.select(new_order.c.id).scalar_subquery()).cte("claim"))
    return (sa.select(new_order.c.id.label("order_id"), parts.c.id.label("stall_order_id"), parts.c.stall_id,
                      lines.c.id.label("item_id"), lines.c.product_id, lines.c.live_session_id)
            .select_from(new_order).join(parts, sa.true()).join(lines, lines.c.stall_order_id == parts.c.id)
            .add_cte(first_events, claim))


@functools.cache
def _inserts() -> tuple[sa.Insert, sa.Insert, sa.Insert, sa.Insert, sa.Update]:
    """Built once: every order runs them. Rows of many come back in the order they were given."""
    orders, stall_orders = Order.__table__, StallOrder.__table__
    items, events, claims = OrderItem.__table__, StallOrderEvent.__table__, IdempotencyClaim.__table__
    return (sa.insert(orders).returning(orders.c.id),
            sa.insert(stall_orders).returning(stall_orders.c.id, sort_by_parameter_order=True),
            sa.insert(items).returning(items.c.id, sort_by_parameter_order=True),
            sa.insert(events),
            sa.update(claims).where(claims.c.user_id == sa.bindparam("claim_user"),
                                    claims.c.idempotency_key == sa.bindparam("claim_key"))
            .values(order_id=sa.bindparam("order_id")))


def _write_each(order: PlacedOrder, actor_id: int) -> None:
    insert_order, insert_stall_orders, insert_items, insert_events, point_claim = _inserts()
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
    session.execute(point_claim, {"claim_user": order.user_id, "claim_key": order.idempotency_key,
                                  "order_id": order.id})
