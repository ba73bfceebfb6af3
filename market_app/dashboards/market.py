"""The market association's dashboard: GMV, orders, shoppers, days, stalls, categories, live share, deliveries.

Three ledger queries answer every figure for the period and the one before it: the sums grouped by day, stall,
category and live session; the distinct shoppers (and returning ones); the stalls online. The rest is Python.
"""

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market_app.catalog.models import Product
from market_app.dashboards import delivery_figures
from market_app.dashboards.figures import LEDGER_SUMS, Totals, changes, rate
from market_app.dashboards.periods import Period
from market_app.markets.models import Market, Stall, StallStatus
from market_app.settlement.models import LedgerEntry, LedgerKind

TOP_STALLS = 10


def _grouped(reporting: Session, market_id: int, span: Period) -> list:
    return reporting.execute(
        sa.select(LedgerEntry.local_date, LedgerEntry.stall_id, LedgerEntry.category, LedgerEntry.live_session_id,
                  *LEDGER_SUMS)
        .where(LedgerEntry.market_id == market_id, LedgerEntry.local_date.between(span.first, span.last))
        .group_by(LedgerEntry.local_date, LedgerEntry.stall_id, LedgerEntry.category, LedgerEntry.live_session_id)
    ).all()


def _shoppers(reporting: Session, market_id: int, period: Period) -> dict:
    """Distinct shoppers of each period, and those who had bought here before it began."""
    before = period.previous
    in_now = LedgerEntry.local_date >= period.first
    in_before = LedgerEntry.local_date < period.first

    def distinct(condition):
        return sa.func.count(sa.distinct(sa.case((condition, LedgerEntry.user_id))))

    row = reporting.execute(
        sa.select(distinct(in_now), distinct(sa.and_(in_now, LedgerEntry.shopper_since < period.first)),
                  distinct(in_before), distinct(sa.and_(in_before, LedgerEntry.shopper_since < before.first)))
        .where(LedgerEntry.market_id == market_id, LedgerEntry.kind == LedgerKind.SALE,
               LedgerEntry.local_date.between(before.first, period.last))
    ).one()
    return {"now": (row[0], row[1]), "before": (row[2], row[3])}


def _stalls(reporting: Session, market_id: int) -> list:
    on_sale = (sa.select(Product.id).where(Product.stall_id == Stall.id, Product.available.is_(True),
                                           Product.deleted_at.is_(None)).exists())
    return reporting.execute(
        sa.select(Stall.id, Stall.name, sa.and_(Stall.status == StallStatus.ACTIVE, on_sale).label("online"))
        .where(Stall.market_id == market_id)
    ).all()


def _headline(totals: Totals, shoppers: tuple[int, int]) -> dict:
    count, returning = shoppers
    return {
        "gmv": totals.gross, "refunds": totals.refunds, "net": totals.net, "orders": totals.orders,
        "shoppers": count, "returning_shoppers": returning, "returning_rate": rate(returning, count),
        "average_order": totals.online_gross // totals.orders if totals.orders else 0,
        "commission": totals.commission,
        "in_person": {"count": totals.in_person_count, "gross": totals.in_person_gross},
        "live": {"gmv": totals.live_gross, "share": rate(totals.live_gross, totals.gross)},
    }


def market_dashboard(reporting: Session, market: Market, period: Period) -> dict:
    rows = _grouped(reporting, market.id, Period(period.previous.first, period.last))
    now, before = Totals(), Totals()
    days: dict = defaultdict(Totals)
    stalls: dict = defaultdict(Totals)
    categories: dict = defaultdict(Totals)
    sessions: dict[str, set] = {"now": set(), "before": set()}
    for row in rows:
        if row.local_date in period:
            for bucket in (now, days[row.local_date], stalls[row.stall_id], categories[row.category]):
                bucket.add(row)
            if row.live_session_id is not None and row.live_gross:
                sessions["now"].add(row.live_session_id)
        else:
            before.add(row)
            if row.live_session_id is not None and row.live_gross:
                sessions["before"].add(row.live_session_id)
    shoppers = _shoppers(reporting, market.id, period)
    stall_rows = _stalls(reporting, market.id)
    names = {s.id: s.name for s in stall_rows}
    current, previous = _headline(now, shoppers["now"]), _headline(before, shoppers["before"])
    current["live"]["sessions"], previous["live"]["sessions"] = len(sessions["now"]), len(sessions["before"])
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
        "delivery": delivery_figures.on_time_figures(reporting, market.id, period),
        "stalls": {"online": sum(1 for s in stall_rows if s.online), "total": len(stall_rows)},
        "changes": changes(current, previous),
    }
