"""The merchant's dashboard for one stall or all of an owner's stalls: sales, commission and payout, orders by
status, days, top products, low stock, live sessions, in-person sales, and what is paid out and pending.

Five queries whatever the number of stalls or days: the ledger sums by stall, day and live session (both periods),
stall orders by status, top products, low stock, and the period's sales against payouts.
"""

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from market_app.catalog.models import Product
from market_app.dashboards import live_titles
from market_app.dashboards.figures import DAY_SUMS, Totals, changes
from market_app.dashboards.periods import Period
from market_app.markets.models import Stall
from market_app.orders.models import StallOrder
from market_app.settlement.models import (
    SALE_KINDS,
    LedgerDay,
    LedgerEntry,
    LedgerKind,
    LedgerLine,
    Payout,
    PayoutLine,
    PayoutStatus,
)

TOP_PRODUCTS = 10
LOW_STOCK_ROWS = 50


def _grouped(reporting: Session, stall_ids: list[int], span: Period) -> list:
    return reporting.execute(
        sa.select(LedgerDay.stall_id, LedgerDay.local_date, LedgerDay.live_session_id, *DAY_SUMS)
        .where(LedgerDay.stall_id.in_(stall_ids), LedgerDay.local_date.between(span.first, span.last))
        .group_by(LedgerDay.stall_id, LedgerDay.local_date, LedgerDay.live_session_id)
    ).all()


def _by_status(reporting: Session, stall_ids: list[int], period: Period) -> dict[str, int]:
    rows = reporting.execute(
        sa.select(StallOrder.status, sa.func.count())
        .join(LedgerEntry, LedgerEntry.stall_order_id == StallOrder.id)
        .where(LedgerEntry.stall_id.in_(stall_ids), LedgerEntry.kind == LedgerKind.SALE,
               LedgerEntry.local_date.between(period.first, period.last))
        .group_by(StallOrder.status)
    ).all()
    return {status.value: count for status, count in sorted(rows, key=lambda r: r[0].value)}


def _top_products(reporting: Session, stall_ids: list[int], period: Period) -> list[dict]:
    gross = sa.func.sum(LedgerLine.gross)
    rows = reporting.execute(
        sa.select(LedgerLine.product_id, Product.name, sa.func.sum(LedgerLine.quantity), gross)
        .join(Product, Product.id == LedgerLine.product_id)
        .where(LedgerLine.stall_id.in_(stall_ids), LedgerLine.local_date.between(period.first, period.last))
        .group_by(LedgerLine.product_id, Product.name)
        .order_by(gross.desc(), LedgerLine.product_id).limit(TOP_PRODUCTS)
    ).all()
    return [{"product_id": pid, "name": name, "quantity": int(qty), "gross": int(total)}
            for pid, name, qty, total in rows]


def _low_stock(reporting: Session, stall_ids: list[int], below: int) -> list[dict]:
    rows = reporting.execute(
        sa.select(Product.id, Product.stall_id, Product.name, Product.stock)
        .where(Product.stall_id.in_(stall_ids), Product.deleted_at.is_(None), Product.stock.is_not(None),
               Product.stock < below)
        .order_by(Product.stock, Product.name, Product.id).limit(LOW_STOCK_ROWS)
    ).all()
    return [{"product_id": pid, "stall_id": sid, "name": name, "stock": stock} for pid, sid, name, stock in rows]


def _payouts(reporting: Session, stall_ids: list[int], period: Period) -> dict:
    """The period's sales (with every refund and commission row of theirs, whenever) by whether a paid payout
    holds them: paid, or still pending (no payout yet, or one not paid)."""
    after_sale = (
        sa.select(LedgerEntry.sale_id, sa.func.sum(LedgerEntry.refund + LedgerEntry.commission).label("taken"))
        .where(LedgerEntry.stall_id.in_(stall_ids), LedgerEntry.kind == LedgerKind.REFUND)
        .group_by(LedgerEntry.sale_id).subquery()
    )
    by_order, by_quick = aliased(PayoutLine), aliased(PayoutLine)
    order_payout, quick_payout = aliased(Payout), aliased(Payout)
    is_paid = sa.or_(order_payout.status == PayoutStatus.PAID, quick_payout.status == PayoutStatus.PAID)
    net = sa.func.sum(LedgerEntry.gross - LedgerEntry.commission - sa.func.coalesce(after_sale.c.taken, 0))
    rows = reporting.execute(
        sa.select(is_paid.label("paid"), net)
        .outerjoin(after_sale, after_sale.c.sale_id == LedgerEntry.id)
        .outerjoin(by_order, by_order.stall_order_id == LedgerEntry.stall_order_id)
        .outerjoin(order_payout, order_payout.id == by_order.payout_id)
        .outerjoin(by_quick, by_quick.quick_pay_id == LedgerEntry.quick_pay_id)
        .outerjoin(quick_payout, quick_payout.id == by_quick.payout_id)
        .where(LedgerEntry.stall_id.in_(stall_ids), LedgerEntry.kind.in_(SALE_KINDS),
               LedgerEntry.local_date.between(period.first, period.last))
        .group_by(is_paid)
    ).all()
    totals = {bool(paid): int(amount or 0) for paid, amount in rows}
    return {"pending": totals.get(False, 0), "paid": totals.get(True, 0)}


def _headline(totals: Totals) -> dict:
    return {
        "sales": {"gross": totals.gross, "refunds": totals.refunds, "net": totals.net,
                  "commission": totals.commission, "payout": totals.net - totals.commission},
        "orders": {"count": totals.stall_orders},
        "in_person": {"count": totals.in_person_count, "gross": totals.in_person_gross},
    }


def merchant_dashboard(reporting: Session, stalls: list[Stall], period: Period, low_stock_below: int,
                       single: bool) -> dict:
    stall_ids = [stall.id for stall in stalls]
    now, before = Totals(), Totals()
    days: dict = defaultdict(Totals)
    per_stall: dict = defaultdict(Totals)
    live: dict = defaultdict(Totals)
    for row in _grouped(reporting, stall_ids, Period(period.previous.first, period.last)):
        if row.local_date not in period:
            before.add(row)
            continue
        for bucket in (now, days[row.local_date], per_stall[row.stall_id]):
            bucket.add(row)
        if row.live_session_id and row.live_gross:
            live[row.live_session_id].add(row)
    current, previous = _headline(now), _headline(before)
    diff = changes(current, previous)
    current["orders"]["by_status"] = _by_status(reporting, stall_ids, period)
    names = live_titles.titles(reporting, live)
    return {
        "stall_id": stall_ids[0] if single else None, "stall_ids": stall_ids,
        "from_": period.first, "to": period.last,
        "previous": {"from_": period.previous.first, "to": period.previous.last},
        **current,
        "by_day": [{"date": day, "orders": days[day].stall_orders, "gross": days[day].gross,
                    "refunds": days[day].refunds, "net": days[day].net} for day in period.dates()],
        "top_products": _top_products(reporting, stall_ids, period),
        "low_stock_below": low_stock_below,
        "low_stock": _low_stock(reporting, stall_ids, low_stock_below),
        "live_sessions": [{"id": sid, "title": names.get(sid), "orders": t.live_orders, "gross": t.live_gross}
                          for sid, t in sorted(live.items(), key=lambda item: (-item[1].live_gross, item[0]))],
        "payouts": _payouts(reporting, stall_ids, period),
        "stalls": [{"stall_id": stall.id, "name": stall.name, "gross": per_stall[stall.id].gross,
                    "refunds": per_stall[stall.id].refunds, "net": per_stall[stall.id].net} for stall in stalls],
        "changes": diff,
    }
