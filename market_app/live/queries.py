"""Reading sessions: the public schedule of a market or a stall, and the sales figures of one session."""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from market_app.core.db import db, utcnow
from market_app.core.timeutil import local_date, local_day_bounds
from market_app.live.models import LiveKind, LiveOffer, LiveSession, LiveStatus, LiveViewer
from market_app.markets.models import Market, Stall, StallStatus
from market_app.orders.models import Order, OrderItem, OrderStatus, StallOrder


def with_details(stmt: sa.Select) -> sa.Select:
    """What a session's response shows, loaded with the page (no query per session)."""
    return stmt.options(so.joinedload(LiveSession.stall).joinedload(Stall.market),
                        so.selectinload(LiveSession.offers).joinedload(LiveOffer.product))


def schedule_query(market: Market, *, stall: Stall | None = None, from_: date | None = None, to: date | None = None,
                   status: LiveStatus | None = None, kind: LiveKind | None = None,
                   now: datetime | None = None) -> sa.Select:
    """Sessions of the market's active stalls (or of one stall) that overlap the market's local days from..to, by
    start time. Without from: from today on; without status: all but the cancelled ones."""
    first_day = from_ or local_date(now or utcnow(), market.timezone)
    window_start, _ = local_day_bounds(first_day, first_day, market.timezone)
    stmt = (sa.select(LiveSession).join(LiveSession.stall)
            .where(Stall.status == StallStatus.ACTIVE, LiveSession.ends_at > window_start))
    stmt = stmt.where(LiveSession.stall_id == stall.id) if stall else stmt.where(LiveSession.market_id == market.id)
    if to is not None:
        _, window_end = local_day_bounds(to, to, market.timezone)
        stmt = stmt.where(LiveSession.starts_at < window_end)
    if status is not None:
        stmt = stmt.where(LiveSession.status == status)
    else:
        stmt = stmt.where(LiveSession.status != LiveStatus.CANCELLED)
    if kind is not None:
        stmt = stmt.where(LiveSession.kind == kind)
    return with_details(stmt.order_by(LiveSession.starts_at, LiveSession.id))


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
