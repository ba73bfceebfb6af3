"""The market association's dashboard: GMV, orders, shoppers, days, stalls, categories, live share, deliveries.

Figures come from the ledger's day rollup (LedgerDay: a few thousand rows for a year) in three small queries
(by day for both periods, by stall for this one, live sessions), the shoppers from one grouped pass over the
market's orders in the ledger, and the stall counts; the rest is Python.
"""

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market_app.catalog.models import Product
from market_app.dashboards import delivery_figures
from market_app.dashboards.figures import DAY_SUMS, Totals, changes, rate
from market_app.dashboards.periods import Period
from market_app.markets.models import Market, Stall, StallStatus
from market_app.settlement.models import LedgerDay, LedgerEntry

TOP_STALLS = 10


def _in(market_id: int, span: Period):
    return LedgerDay.market_id == market_id, LedgerDay.local_date.between(span.first, span.last)


def _by_day(reporting: Session, market_id: int, span: Period) -> list:
    return reporting.execute(sa.select(LedgerDay.local_date, *DAY_SUMS).where(*_in(market_id, span))
                             .group_by(LedgerDay.local_date)).all()


def _by_stall(reporting: Session, market_id: int, period: Period) -> list:
    return reporting.execute(sa.select(LedgerDay.stall_id, LedgerDay.category, *DAY_SUMS)
                             .where(*_in(market_id, period)).group_by(LedgerDay.stall_id, LedgerDay.category)).all()


def _live_sessions(reporting: Session, market_id: int, period: Period) -> tuple[int, int]:
    """Live sessions that sold something, in this period and the one before."""
    def distinct(condition):
        return sa.func.count(sa.distinct(sa.case((condition, LedgerDay.live_session_id))))

    span = Period(period.previous.first, period.last)
    return tuple(reporting.execute(
        sa.select(distinct(LedgerDay.local_date >= period.first), distinct(LedgerDay.local_date < period.first))
        .where(*_in(market_id, span), LedgerDay.live_session_id != 0, LedgerDay.live_gross > 0)).one())


def _shoppers(reporting: Session, market_id: int, period: Period) -> dict:
    """Distinct shoppers of each period, and those who had bought here before it began: one pass over the rows
    that count an order (order_count 1), grouped by shopper."""
    before = period.previous
    shopper = (
        sa.select(sa.func.max(sa.case((LedgerEntry.local_date >= period.first, 1), else_=0)).label("now"),
                  sa.func.max(sa.case((LedgerEntry.local_date < period.first, 1), else_=0)).label("before"),
                  sa.func.min(LedgerEntry.shopper_since).label("since"))
        .where(LedgerEntry.market_id == market_id, LedgerEntry.local_date.between(before.first, period.last),
               LedgerEntry.order_count == 1)
        .group_by(LedgerEntry.user_id).subquery()
    )
    row = reporting.execute(sa.select(
        sa.func.coalesce(sa.func.sum(shopper.c.now), 0),
        sa.func.coalesce(sa.func.sum(sa.case((sa.and_(shopper.c.now == 1, shopper.c.since < period.first), 1),
                                             else_=0)), 0),
        sa.func.coalesce(sa.func.sum(shopper.c.before), 0),
        sa.func.coalesce(sa.func.sum(sa.case((sa.and_(shopper.c.before == 1, shopper.c.since < before.first), 1),
                                             else_=0)), 0),
    )).one()
    return {"now": (int(row[0]), int(row[1])), "before": (int(row[2]), int(row[3]))}


def _stalls(reporting: Session, market_id: int) -> list:
    on_sale = (sa.select(Product.id).where(Product.stall_id == Stall.id, Product.available.is_(True),
                                           Product.deleted_at.is_(None)).exists())
    return reporting.execute(
        sa.select(Stall.id, Stall.name, sa.and_(Stall.status == StallStatus.ACTIVE, on_sale).label("online"))
        .where(Stall.market_id == market_id)
    ).all()


def _headline(totals: Totals, shoppers: tuple[int, int], sessions: int) -> dict:
    count, returning = shoppers
    return {
        "gmv": totals.gross, "refunds": totals.refunds, "net": totals.net, "orders": totals.orders,
        "shoppers": count, "returning_shoppers": returning, "returning_rate": rate(returning, count),
        "average_order": totals.online_gross // totals.orders if totals.orders else 0,
        "commission": totals.commission,
        "in_person": {"count": totals.in_person_count, "gross": totals.in_person_gross},
        "live": {"sessions": sessions, "gmv": totals.live_gross, "share": rate(totals.live_gross, totals.gross)},
    }


def market_dashboard(reporting: Session, market: Market, period: Period) -> dict:
    now, before = Totals(), Totals()
    days: dict = defaultdict(Totals)
    for row in _by_day(reporting, market.id, Period(period.previous.first, period.last)):
        if row.local_date in period:
            now.add(row)
            days[row.local_date].add(row)
        else:
            before.add(row)
    stalls: dict = defaultdict(Totals)
    categories: dict = defaultdict(Totals)
    for row in _by_stall(reporting, market.id, period):
        stalls[row.stall_id].add(row)
        categories[row.category].add(row)
    sessions_now, sessions_before = _live_sessions(reporting, market.id, period)
    shoppers = _shoppers(reporting, market.id, period)
    stall_rows = _stalls(reporting, market.id)
    names = {s.id: s.name for s in stall_rows}
    current = _headline(now, shoppers["now"], sessions_now)
    previous = _headline(before, shoppers["before"], sessions_before)
    top = sorted(stalls.items(), key=lambda item: (-item[1].gross, item[0]))[:TOP_STALLS]
    return {
        "market_id": market.id, "from_": period.first, "to": period.last,
        "previous": {"from_": period.previous.first, "to": period.previous.last},
        **current,
        "by_day": [{"date": day, "orders": days[day].orders, "gmv": days[day].gross, "refunds": days[day].refunds,
                    "net": days[day].net} for day in period.dates()],
        "top_stalls": [{"stall_id": stall_id, "name": names.get(stall_id, ""), "orders": t.stall_orders,
                        "gmv": t.gross} for stall_id, t in top],
        "by_category": [{"category": category, "gmv": t.gross, "share": rate(t.gross, now.gross)}
                        for category, t in sorted(categories.items(), key=lambda item: (-item[1].gross, item[0]))],
        "delivery": delivery_figures.on_time_figures(reporting, market.id, period, market.timezone),
        "stalls": {"online": sum(1 for s in stall_rows if s.online), "total": len(stall_rows)},
        "changes": changes(current, previous),
    }
