"""Reading sessions: the public schedule of a market or a stall, and the sales figures of one session."""

import functools
from collections import defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from market_app.catalog.models import Product
from market_app.core.db import db, read, utcnow
from market_app.core.timeutil import local_date, local_day_bounds
from market_app.live.models import LiveKind, LiveOffer, LiveSession, LiveStatus, LiveViewer
from market_app.markets.models import Market, Stall, StallStatus
from market_app.orders.models import Order, OrderItem, OrderStatus, StallOrder


def with_details(stmt: sa.Select) -> sa.Select:
    """What a session's response shows, loaded with the page (no query per session)."""
    return stmt.options(so.joinedload(LiveSession.stall).joinedload(Stall.market),
                        so.selectinload(LiveSession.offers).joinedload(LiveOffer.product))


_SESSIONS, _OFFERS, _STALLS = LiveSession.__table__, LiveOffer.__table__, Stall.__table__
TIMEZONE = "stall.market.timezone"  # the row's key of the market's time zone (the schema's attribute)
LOCAL_TIMES = ("starts_at", "ends_at", "started_at", "ended_at", "cancelled_at")


def _window(market_timezone: str, from_: date | None, to: date | None, now: datetime | None) -> dict:
    first_day = from_ or local_date(now or utcnow(), market_timezone)
    window_start, _ = local_day_bounds(first_day, first_day, market_timezone)
    window_end = local_day_bounds(to, to, market_timezone)[1] if to is not None else None
    return {"window_start": window_start, "window_end": window_end}


@functools.lru_cache(maxsize=64)
def _schedule_select(columns: tuple, by_stall: bool, until: bool, status: bool, kind: bool) -> sa.Select:
    """The schedule's statement for one shape (by market or stall, with or without an end day, a status, a kind),
    built once; the values are bound per request."""
    markets = Market.__table__
    stmt = (sa.select(*columns, _STALLS.c.name.label("stall.name"), markets.c.timezone.label(TIMEZONE))
            .select_from(_SESSIONS.join(_STALLS, _STALLS.c.id == _SESSIONS.c.stall_id)
                         .join(markets, markets.c.id == _STALLS.c.market_id))
            .where(_STALLS.c.status == StallStatus.ACTIVE, _SESSIONS.c.ends_at > sa.bindparam("window_start")))
    owner = _SESSIONS.c.stall_id if by_stall else _SESSIONS.c.market_id
    stmt = stmt.where(owner == sa.bindparam("owner_id"))
    if until:
        stmt = stmt.where(_SESSIONS.c.starts_at < sa.bindparam("window_end"))
    stmt = stmt.where(_SESSIONS.c.status == sa.bindparam("status") if status
                      else _SESSIONS.c.status != LiveStatus.CANCELLED)
    if kind:
        stmt = stmt.where(_SESSIONS.c.kind == sa.bindparam("kind"))
    return stmt.order_by(_SESSIONS.c.starts_at, _SESSIONS.c.id)


def schedule_rows(market_id: int, market_timezone: str, columns: list, *, stall_id: int | None = None,
                  from_: date | None = None, to: date | None = None, status: LiveStatus | None = None,
                  kind: LiveKind | None = None, now: datetime | None = None) -> tuple[sa.Select, dict]:
    """Sessions of the market's active stalls (or of one stall) that overlap the market's local days from..to, by
    start time (without from: from today on; without status: all but the cancelled ones), as plain rows of columns
    with their stall's name and market's time zone: the statement and the values to bind."""
    stmt = _schedule_select(tuple(columns), stall_id is not None, to is not None, status is not None,
                            kind is not None)
    params = _window(market_timezone, from_, to, now) | {
        "owner_id": stall_id if stall_id is not None else market_id, "status": status, "kind": kind}
    return stmt, params


@functools.lru_cache(maxsize=8)
def _offer_rows_select(places: int) -> sa.Select:
    """The offers with their products of up to `places` sessions (ids bound as s0, s1...; the unused ones NULL,
    which match nothing): a fixed statement for each power of two, instead of an expanding IN rewritten and
    compiled again for every page."""
    return (sa.select(_OFFERS.c.live_session_id, _OFFERS.c.product_id, Product.__table__.c.name.label("product.name"),
                      Product.__table__.c.unit.label("product.unit"),
                      Product.__table__.c.price.label("product.price"), _OFFERS.c.live_price,
                      _OFFERS.c.quantity_cap, _OFFERS.c.per_shopper_limit, _OFFERS.c.sold)
            .join(Product.__table__, Product.__table__.c.id == _OFFERS.c.product_id)
            .where(_OFFERS.c.live_session_id.in_([sa.bindparam(f"s{n}", type_=sa.Integer) for n in range(places)]))
            .order_by(_OFFERS.c.live_session_id, _OFFERS.c.id))


def offer_rows(session_ids: list[int]) -> dict[int, list[sa.Row]]:
    """The sessions' offers with their products, by session, in offer order: one query for a page."""
    by_session = defaultdict(list)
    if session_ids:
        places = 1 << (len(session_ids) - 1).bit_length()  # 1, 2, 4, 8...: a page of 20 takes the 32 one
        params = {f"s{n}": session_ids[n] if n < len(session_ids) else None for n in range(places)}
        for row in read(_offer_rows_select(places), params).all():
            by_session[row.live_session_id].append(row)
    return by_session


def offer_facts(row: sa.Row) -> dict:
    """What the offer schema computes for a row: remaining (LiveOffer.remaining)."""
    return {"remaining": max(0, row.quantity_cap - row.sold)}


def local_times(row: sa.Row) -> dict:
    """The row's times in its market's time zone (LiveSessionSchema's LocalDateTime)."""
    mapping = row._mapping
    zone = ZoneInfo(mapping[TIMEZONE])
    return {name: None if mapping[name] is None else mapping[name].astimezone(zone) for name in LOCAL_TIMES}


def session_detail(session_id: int) -> LiveSession | None:
    return db.session.scalars(with_details(sa.select(LiveSession).where(LiveSession.id == session_id))).first()


def _attributed(session: LiveSession) -> sa.Select:
    """Order lines that got this session's price, with their order."""
    return (sa.select().select_from(OrderItem)
            .join(StallOrder, StallOrder.id == OrderItem.stall_order_id)
            .join(Order, Order.id == StallOrder.order_id)
            .where(OrderItem.live_session_id == session.id))


def session_stats(session: LiveSession) -> dict:
    """Sales at the live price: lines of paid orders (refunded or not, like the dashboards' gross), per offer and
    in all; the audience; and orders per hundred distinct viewers."""
    paid = _attributed(session).where(Order.paid_at.is_not(None))
    by_product = {row.product_id: row for row in db.session.execute(
        paid.add_columns(OrderItem.product_id, sa.func.count(sa.distinct(Order.id)).label("orders"),
                         sa.func.sum(OrderItem.quantity).label("units"),
                         sa.func.sum(OrderItem.line_total).label("gross"),
                         sa.func.sum(OrderItem.list_price * OrderItem.quantity).label("list_gross"))
        .group_by(OrderItem.product_id))}
    orders = db.session.scalar(paid.add_columns(sa.func.count(sa.distinct(Order.id))))
    pending = db.session.scalar(_attributed(session).where(Order.status == OrderStatus.PENDING_PAYMENT)
                                .add_columns(sa.func.count(sa.distinct(Order.id))))
    viewers = db.session.scalar(sa.select(sa.func.count()).select_from(LiveViewer)
                                .where(LiveViewer.live_session_id == session.id))
    units = sum(int(row.units) for row in by_product.values())
    gross = sum(int(row.gross) for row in by_product.values())
    list_gross = sum(int(row.list_gross) for row in by_product.values())
    offers = []
    for offer in session.offers:
        row = by_product.get(offer.product_id)
        offers.append({"product_id": offer.product_id, "name": offer.product.name, "live_price": offer.live_price,
                       "quantity_cap": offer.quantity_cap, "sold": offer.sold, "remaining": offer.remaining,
                       "orders": row.orders if row else 0, "units": int(row.units) if row else 0,
                       "gross": int(row.gross) if row else 0})
    return {
        "live_session_id": session.id, "status": session.status, "orders": orders, "units": units, "gross": gross,
        "list_gross": list_gross, "savings": list_gross - gross, "pending_orders": pending,
        "subscribers": session.subscriber_count, "peak_viewers": session.peak_viewers, "viewers": viewers,
        "orders_per_100_viewers": round(orders * 100 / viewers, 1) if viewers else None,
        "offers": offers, "events": session.events,
    }
