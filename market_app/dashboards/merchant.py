"""The merchant's dashboard for one stall or all of an owner's stalls: sales, commission and payout, orders by
status, days, top products, low stock, live sessions, in-person sales, and what is paid out and pending.

A fixed number of queries whatever the number of stalls or days: the day rollup by stall, day and live session
(both periods), the stall orders not handed over, top products, low stock, and the period's sales against paid
payouts.
"""

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from market_app.catalog.models import Product
from market_app.core.timeutil import local_day_bounds
from market_app.dashboards import live_titles
from market_app.dashboards.figures import DAY_SUMS, Totals, changes
from market_app.dashboards.periods import Period
from market_app.markets.models import Stall
from market_app.orders.models import StallOrder, StallOrderStatus
from market_app.settlement.models import (
    SALE_KINDS,
    LedgerDay,
    LedgerEntry,
    LedgerKind,
    LedgerProductDay,
    Payout,
    PayoutLine,
    PayoutStatus,
)

TOP_PRODUCTS = 10
NOT_HANDED_OVER = [status for status in StallOrderStatus if status != StallOrderStatus.HANDED_OVER]
LOW_STOCK_ROWS = 50


def _grouped(reporting: Session, stall_ids: list[int], span: Period) -> list:
    return reporting.execute(
        sa.select(LedgerDay.stall_id, LedgerDay.local_date, LedgerDay.live_session_id, *DAY_SUMS)
        .where(LedgerDay.stall_id.in_(stall_ids), LedgerDay.local_date.between(span.first, span.last))
        .group_by(LedgerDay.stall_id, LedgerDay.local_date, LedgerDay.live_session_id)
    ).all()


def _by_status(reporting: Session, stall_ids: list[int], period: Period, paid: int) -> dict[str, int]:
    """The period's paid stall orders by their status now. Only those not handed over are read (few, by the
    stall-and-status index); handed over is the rest of the period's paid count."""
    rows = reporting.execute(
        sa.select(StallOrder.status, sa.func.count())
        .join(LedgerEntry, sa.and_(LedgerEntry.stall_order_id == StallOrder.id, LedgerEntry.kind == LedgerKind.SALE))
        .where(StallOrder.stall_id.in_(stall_ids), StallOrder.status.in_(NOT_HANDED_OVER),
               LedgerEntry.local_date.between(period.first, period.last))
        .group_by(StallOrder.status)
    ).all()
    counts = {status.value: count for status, count in rows}
    if paid - sum(counts.values()):
        counts[StallOrderStatus.HANDED_OVER.value] = paid - sum(counts.values())
    return dict(sorted(counts.items()))


def _top_products(reporting: Session, stall_ids: list[int], period: Period) -> list[dict]:
    """From the product-day rollup (a row per product a stall sold on a day), added up first, then named."""
    sold = (
        sa.select(LedgerProductDay.product_id, sa.func.sum(LedgerProductDay.quantity).label("quantity"),
                  sa.func.sum(LedgerProductDay.gross).label("gross"))
        .where(LedgerProductDay.stall_id.in_(stall_ids),
               LedgerProductDay.local_date.between(period.first, period.last))
        .group_by(LedgerProductDay.product_id).order_by(sa.desc("gross"), LedgerProductDay.product_id)
        .limit(TOP_PRODUCTS).subquery()
    )
    rows = reporting.execute(
        sa.select(sold.c.product_id, Product.name, sold.c.quantity, sold.c.gross)
        .join(Product, Product.id == sold.c.product_id).order_by(sold.c.gross.desc(), sold.c.product_id)
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


def _payouts(reporting: Session, stall_ids: list[int], period: Period, timezone: str) -> dict:
    """The period's sales (net of every refund, commission and delivery-fee row of theirs, whenever) split into
    what paid payouts hold and what is still pending (no payout yet, or one not paid). A payout line's net is its
    sale's net (a sale paid out can no longer be refunded), so the paid part is read from the stall's paid
    payouts."""
    net = sa.func.coalesce(sa.func.sum(
        LedgerEntry.gross - LedgerEntry.refund - LedgerEntry.commission - LedgerEntry.delivery_fee), 0)
    of_sales = reporting.scalar(sa.select(net).where(
        LedgerEntry.stall_id.in_(stall_ids), LedgerEntry.kind.in_(SALE_KINDS),
        LedgerEntry.local_date.between(period.first, period.last)))
    sale = aliased(LedgerEntry)
    of_refunds = reporting.scalar(
        sa.select(net).join(sale, sale.id == LedgerEntry.sale_id)
        .where(LedgerEntry.stall_id.in_(stall_ids),
               LedgerEntry.kind.in_((LedgerKind.REFUND, LedgerKind.DELIVERY_FEE_SHARE)),
               LedgerEntry.local_date >= period.first, sale.local_date.between(period.first, period.last)))
    start, end = local_day_bounds(period.first, period.last, timezone)
    paid = reporting.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PayoutLine.net), 0)).join(Payout, Payout.id == PayoutLine.payout_id)
        .where(Payout.stall_id.in_(stall_ids), Payout.status == PayoutStatus.PAID, PayoutLine.sold_at >= start,
               PayoutLine.sold_at < end))
    return {"pending": int(of_sales) + int(of_refunds) - int(paid), "paid": int(paid)}


def _headline(totals: Totals) -> dict:
    return {
        "sales": {"gross": totals.gross, "refunds": totals.refunds, "net": totals.net,
                  "commission": totals.commission, "delivery_fees": totals.delivery_fees, "payout": totals.payout},
        "orders": {"count": totals.stall_orders},
        "in_person": {"count": totals.in_person_count, "gross": totals.in_person_gross},
    }


def merchant_dashboard(reporting: Session, stalls: list[Stall], period: Period, low_stock_below: int,
                       single: bool, timezone: str) -> dict:
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
    current["orders"]["by_status"] = _by_status(reporting, stall_ids, period, now.stall_orders)
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
        "payouts": _payouts(reporting, stall_ids, period, timezone),
        "stalls": [{"stall_id": stall.id, "name": stall.name, "gross": per_stall[stall.id].gross,
                    "refunds": per_stall[stall.id].refunds, "net": per_stall[stall.id].net} for stall in stalls],
        "changes": diff,
    }
