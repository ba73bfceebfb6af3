"""The sales ledger: what each stall sold, refunded and owes in commission, by the market's local day.

Rows are written by the reactions below, in the transaction of the event itself (a stall order paid, a quick
pay paid, a refund recorded or refused for good), and never changed afterwards: a refund is a row of its own on
its own day, and a refund Stripe finally refuses is a correcting row on the day it failed. The commission rate
is snapshotted on each sale; every refund row carries what it gives back of that sale's commission, so the rows
of one sale add up to commission_on(gross - refunds) at the sale's rate, rounded down once per sale.
Settlement (payouts) and the dashboards read these rows only.
"""

from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from market_app.core.db import db
from market_app.core.money import commission_on, split_exactly
from market_app.core.timeutil import local_date
from market_app.markets.models import Market, Stall
from market_app.orders.models import Fulfillment, Order, StallOrder, StallOrderStatus
from market_app.payments.models import Payment, PaymentKind, QuickPayRequest, Refund
from market_app.settlement.models import (
    DAY_FIGURES,
    SALE_KINDS,
    LedgerDay,
    LedgerEntry,
    LedgerKind,
    LedgerLine,
    LedgerProductDay,
)


def day_figures(entry: LedgerEntry) -> dict[str, int]:
    """What one ledger row adds to its day (LedgerDay)."""
    sale, in_person = entry.kind == LedgerKind.SALE, entry.kind == LedgerKind.IN_PERSON_SALE
    return {"online_gross": entry.gross if sale else 0, "in_person_gross": entry.gross if in_person else 0,
            "in_person_count": int(in_person), "stall_orders": int(sale), "refunds": entry.refund or 0,
            "commission": entry.commission, "orders": entry.order_count or 0, "live_gross": entry.live_gross or 0,
            "live_orders": int(bool(entry.live_gross)), "delivery_fees": entry.delivery_fee or 0}


def _add(entry: LedgerEntry) -> LedgerEntry:
    """Write the row and add it to its day in the same transaction (an upsert: concurrent sales of one stall on
    one day wait for each other on that row, none is lost)."""
    db.session.add(entry)
    key = {"market_id": entry.market_id, "local_date": entry.local_date, "stall_id": entry.stall_id,
           "category": entry.category, "live_session_id": entry.live_session_id or 0}
    _add_up(LedgerDay, DAY_FIGURES, [{**key, **day_figures(entry)}])
    return entry


def _add_up(rollup, figures: Sequence[str], rows: list[dict]) -> None:
    """Add rows to a rollup table in one upsert: a row already there (same primary key) gets the figures added."""
    dialect = sqlite if db.session.get_bind().dialect.name == "sqlite" else postgresql
    stmt = dialect.insert(rollup).values(rows)
    stmt = stmt.on_conflict_do_update(index_elements=[column.name for column in rollup.__table__.primary_key],
                                      set_={name: getattr(rollup, name) + getattr(stmt.excluded, name)
                                            for name in figures})
    db.session.execute(stmt)


def _add_product_days(entry: LedgerEntry) -> None:
    """A sale's lines added to its stall's products of the day (a product on two lines, as a live offer whose
    cap ran out, is one row: an upsert may not touch a row twice)."""
    sold: dict[int, tuple[int, int]] = {}
    for line in entry.lines:
        quantity, gross = sold.get(line.product_id, (0, 0))
        sold[line.product_id] = (quantity + line.quantity, gross + line.gross)
    if sold:
        _add_up(LedgerProductDay, ("quantity", "gross"), [
            {"stall_id": entry.stall_id, "local_date": entry.local_date, "product_id": product_id,
             "market_id": entry.market_id, "quantity": quantity, "gross": gross}
            for product_id, (quantity, gross) in sorted(sold.items())])  # rows locked in one order: no deadlock


def _exists(source: str) -> bool:
    return db.session.scalar(sa.select(LedgerEntry.id).filter_by(source=source)) is not None


def _shopper_since(market_id: int, user_id: int, day: date) -> date:
    earlier = db.session.scalar(sa.select(sa.func.min(LedgerEntry.shopper_since))
                                .where(LedgerEntry.market_id == market_id, LedgerEntry.user_id == user_id))
    return min(earlier, day) if earlier else day


def record_order_sales(order: Order, paid_at: datetime | None = None) -> list[LedgerEntry]:
    """One sale row per stall order of a paid order (refunded later or not), with its product lines."""
    market = db.session.get(Market, order.market_id)
    paid_at = paid_at or order.paid_at
    day = local_date(paid_at, market.timezone)
    since = _shopper_since(market.id, order.user_id, day)
    entries = []
    for position, stall_order in enumerate(order.stall_orders):
        source = f"stall_order:{stall_order.id}"
        if _exists(source):
            continue
        items = stall_order.items
        commission = commission_on(stall_order.subtotal, market.commission_bps)
        live = [item for item in items if item.live_session_id is not None]
        entry = LedgerEntry(
            kind=LedgerKind.SALE, source=source, market_id=market.id, stall_id=stall_order.stall_id,
            local_date=day, occurred_at=paid_at, gross=stall_order.subtotal, refund=0, commission=commission,
            commission_bps=market.commission_bps, order_id=order.id, stall_order_id=stall_order.id,
            user_id=order.user_id, shopper_since=since, order_count=1 if position == 0 else 0,
            live_session_id=live[0].live_session_id if live else None,
            live_gross=sum(item.line_total for item in live), category=stall_order.stall.category,
            fulfillment=order.fulfillment.value,
            settleable_at=_settleable_at(order, stall_order),
        )
        shares = list(split_exactly(commission, {i: item.line_total for i, item in enumerate(items)}).values())
        entry.lines = [
            LedgerLine(market_id=market.id, stall_id=stall_order.stall_id, local_date=day, order_item_id=item.id,
                       product_id=item.product_id, name=item.name, unit_price=item.unit_price,
                       quantity=item.quantity, gross=item.line_total, commission=share,
                       live_session_id=item.live_session_id)
            for item, share in zip(items, shares, strict=True)
        ]
        entries.append(_add(entry))
        _add_product_days(entry)
    return entries


def record_in_person_sale(pay_request: QuickPayRequest, paid_at: datetime) -> LedgerEntry | None:
    """A quick pay paid at the stall: an in-person sale, payable to the stall at once."""
    source = f"quick_pay:{pay_request.id}"
    if _exists(source):
        return None
    stall = db.session.get(Stall, pay_request.stall_id)
    market = db.session.get(Market, stall.market_id)
    entry = LedgerEntry(
        kind=LedgerKind.IN_PERSON_SALE, source=source, market_id=market.id, stall_id=stall.id,
        local_date=local_date(paid_at, market.timezone), occurred_at=paid_at, gross=pay_request.amount, refund=0,
        commission=commission_on(pay_request.amount, market.commission_bps), commission_bps=market.commission_bps,
        quick_pay_id=pay_request.id, category=stall.category, settleable_at=paid_at,
    )
    return _add(entry)


def _sale_of(refund: Refund) -> LedgerEntry | None:
    """The sale a refund gives money back on; None for the delivery fee or an order that never counted as paid."""
    if refund.stall_order_id is not None:
        return db.session.scalar(sa.select(LedgerEntry).filter_by(source=f"stall_order:{refund.stall_order_id}"))
    payment = db.session.get(Payment, refund.payment_id)
    if payment.kind != PaymentKind.QUICK_PAY:
        return None
    quick_pay_id = db.session.scalar(sa.select(QuickPayRequest.id).filter_by(payment_id=payment.id))
    return db.session.scalar(sa.select(LedgerEntry).filter_by(source=f"quick_pay:{quick_pay_id}"))


def _refunded_so_far(sale: LedgerEntry) -> int:
    db.session.flush()
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.refund), 0))
                             .where(LedgerEntry.sale_id == sale.id))


def _refund_row(sale: LedgerEntry, refund: Refund, amount: int, source: str, at: datetime) -> LedgerEntry:
    """A row moving amount of the sale back to the shopper (negative: back to the stall), with the commission
    it gives back computed on the sale's running total, so the sale's rows stay exact."""
    before = _refunded_so_far(sale)
    given_back = (commission_on(sale.gross - before - amount, sale.commission_bps)
                  - commission_on(sale.gross - before, sale.commission_bps))
    market = db.session.get(Market, sale.market_id)
    entry = LedgerEntry(
        kind=LedgerKind.REFUND, source=source, market_id=sale.market_id, stall_id=sale.stall_id,
        local_date=local_date(at, market.timezone), occurred_at=at, gross=0, refund=amount,
        commission=given_back, commission_bps=sale.commission_bps, sale_id=sale.id, order_id=sale.order_id,
        stall_order_id=sale.stall_order_id, quick_pay_id=sale.quick_pay_id, refund_id=refund.id,
        user_id=sale.user_id, shopper_since=sale.shopper_since, category=sale.category,
        fulfillment=sale.fulfillment, live_session_id=sale.live_session_id,
    )
    return _add(entry)


def record_refund(refund: Refund, at: datetime | None = None) -> LedgerEntry | None:
    """A refund counts on the local day it was recorded (the platform has committed the money back)."""
    source = f"refund:{refund.id}"
    sale = _sale_of(refund)
    if sale is None or _exists(source):
        return None
    return _refund_row(sale, refund, refund.amount, source, at or refund.created_at)


def record_refund_failed(refund: Refund, at: datetime) -> LedgerEntry | None:
    """Stripe refused a refund that was counted: the money is the stall's again, from the day it failed."""
    source = f"refund_failed:{refund.id}"
    sale = _sale_of(refund)
    if sale is None or _exists(source) or not _exists(f"refund:{refund.id}"):
        return None
    return _refund_row(sale, refund, -refund.amount, source, at)


def _settleable_at(order: Order, stall_order: StallOrder) -> datetime | None:
    """A pickup order's part is payable once handed over at the desk; a delivery order's once delivered."""
    if order.fulfillment == Fulfillment.PICKUP and stall_order.status == StallOrderStatus.HANDED_OVER:
        return stall_order.closed_at
    return None


def mark_settleable(stall_order: StallOrder) -> None:
    """A pickup order's part handed over at the desk may now be paid out (payouts take sales by this time)."""
    sale = db.session.scalar(sa.select(LedgerEntry).filter_by(source=f"stall_order:{stall_order.id}"))
    if sale is not None:
        sale.settleable_at = _settleable_at(stall_order.order, stall_order)


def record_delivered(order: Order, delivered_at: datetime, fee_shares: dict[int, int]) -> None:
    """A delivery order reached the shopper: its parts may now be paid out, and each part's share of a free
    delivery the stalls pay (fee_shares by stall order id) is charged to its stall on the day it was delivered."""
    market = db.session.get(Market, order.market_id)
    for stall_order in order.stall_orders:
        sale = db.session.scalar(sa.select(LedgerEntry).filter_by(source=f"stall_order:{stall_order.id}"))
        if sale is None or stall_order.status != StallOrderStatus.HANDED_OVER:
            continue
        sale.settleable_at = sale.settleable_at or delivered_at
        share, source = fee_shares.get(stall_order.id, 0), f"fee_share:{stall_order.id}"
        if share > 0 and not _exists(source):
            _add(LedgerEntry(
                kind=LedgerKind.DELIVERY_FEE_SHARE, source=source, market_id=sale.market_id, stall_id=sale.stall_id,
                local_date=local_date(delivered_at, market.timezone), occurred_at=delivered_at, gross=0, refund=0,
                commission=0, delivery_fee=share, commission_bps=sale.commission_bps, sale_id=sale.id,
                order_id=sale.order_id, stall_order_id=sale.stall_order_id, user_id=sale.user_id,
                shopper_since=sale.shopper_since, category=sale.category, fulfillment=sale.fulfillment,
                live_session_id=sale.live_session_id,
            ))


def rebuild_days() -> None:
    """Recompute the rollups (days; products of a day) from the ledger rows (after rows were re-dated in bulk, e.g.
    demo data)."""
    db.session.flush()
    db.session.execute(sa.delete(LedgerDay))
    e = LedgerEntry
    sale, in_person = e.kind == LedgerKind.SALE, e.kind == LedgerKind.IN_PERSON_SALE
    live_id = sa.func.coalesce(e.live_session_id, 0)
    figures = {
        "online_gross": sa.func.sum(sa.case((sale, e.gross), else_=0)),
        "in_person_gross": sa.func.sum(sa.case((in_person, e.gross), else_=0)),
        "in_person_count": sa.func.sum(sa.case((in_person, 1), else_=0)),
        "stall_orders": sa.func.sum(sa.case((sale, 1), else_=0)),
        "refunds": sa.func.sum(e.refund), "commission": sa.func.sum(e.commission), "orders": sa.func.sum(e.order_count),
        "live_gross": sa.func.sum(e.live_gross), "live_orders": sa.func.sum(sa.case((e.live_gross > 0, 1), else_=0)),
        "delivery_fees": sa.func.sum(e.delivery_fee),
    }
    keys = (e.market_id, e.local_date, e.stall_id, e.category, live_id)
    db.session.execute(sa.insert(LedgerDay).from_select(
        ["market_id", "local_date", "stall_id", "category", "live_session_id", *figures],
        sa.select(*keys, *figures.values()).group_by(*keys)))
    line = LedgerLine
    db.session.execute(sa.delete(LedgerProductDay))
    product_keys = (line.stall_id, line.local_date, line.product_id, line.market_id)
    db.session.execute(sa.insert(LedgerProductDay).from_select(
        ["stall_id", "local_date", "product_id", "market_id", "quantity", "gross"],
        sa.select(*product_keys, sa.func.sum(line.quantity), sa.func.sum(line.gross)).group_by(*product_keys)))


def sale_totals(sale_ids: Sequence[int]) -> dict[int, tuple[int, int, int]]:
    """Per sale: (refunds, commission, delivery fee share) over its rows, the sale's own commission included."""
    if not sale_ids:
        return {}
    key = sa.func.coalesce(LedgerEntry.sale_id, LedgerEntry.id)
    rows = db.session.execute(
        sa.select(key, sa.func.sum(LedgerEntry.refund), sa.func.sum(LedgerEntry.commission),
                  sa.func.sum(LedgerEntry.delivery_fee))
        .where(sa.or_(LedgerEntry.id.in_(sale_ids), LedgerEntry.sale_id.in_(sale_ids))).group_by(key)
    ).all()
    return {sale_id: (int(refunds), int(commission), int(fee)) for sale_id, refunds, commission, fee in rows}


__all__ = ["SALE_KINDS", "mark_settleable", "record_delivered", "record_in_person_sale", "record_order_sales",
           "record_refund", "record_refund_failed", "sale_totals"]
