"""The sales report as CSV: one row per product line sold, per in-person sale and per refund, by local day.

Rows are the ledger's, so the report adds up to the dashboard of the same period: gross sums to the GMV (or the
stall's gross), refund to the refunds issued in the period (each on its own day), commission to the commission.
A sale's commission is shared out over its lines; a refund row carries the commission it gives back (negative).
Streamed from a server-side cursor (yield_per) at constant memory, UTF-8 with a BOM for Excel.
"""

from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market_app.core.csvutil import iter_csv
from market_app.dashboards.periods import Period
from market_app.markets.models import Stall
from market_app.settlement.models import LedgerEntry, LedgerKind, LedgerLine

COLUMNS = ("date", "kind", "order_id", "stall_order_id", "quick_pay_id", "stall_id", "stall", "category",
           "product_id", "product", "quantity", "unit_price", "gross", "refund", "commission", "live_session_id",
           "fulfillment")
BATCH = 1000


def _statement(scope: str, scope_id: int, period: Period) -> sa.Select:
    line_scope = LedgerLine.market_id if scope == "market" else LedgerLine.stall_id
    entry_scope = LedgerEntry.market_id if scope == "market" else LedgerEntry.stall_id
    null_int = sa.null().cast(sa.Integer)
    lines = (
        sa.select(LedgerLine.local_date.label("date"), sa.literal(LedgerKind.SALE.value).label("kind"),
                  LedgerEntry.order_id, LedgerEntry.stall_order_id, null_int.label("quick_pay_id"),
                  LedgerLine.stall_id, Stall.name.label("stall"), LedgerEntry.category, LedgerLine.product_id,
                  LedgerLine.name.label("product"), LedgerLine.quantity, LedgerLine.unit_price, LedgerLine.gross,
                  sa.literal(0).label("refund"), LedgerLine.commission, LedgerLine.live_session_id,
                  LedgerEntry.fulfillment, sa.literal(0).label("rank"), LedgerLine.id.label("row_id"))
        .join(LedgerEntry, LedgerEntry.id == LedgerLine.entry_id).join(Stall, Stall.id == LedgerLine.stall_id)
        .where(line_scope == scope_id, LedgerLine.local_date.between(period.first, period.last))
    )
    others = (
        sa.select(LedgerEntry.local_date.label("date"), LedgerEntry.kind.label("kind"), LedgerEntry.order_id,
                  LedgerEntry.stall_order_id, LedgerEntry.quick_pay_id, LedgerEntry.stall_id,
                  Stall.name.label("stall"), LedgerEntry.category, null_int.label("product_id"),
                  sa.null().cast(sa.String).label("product"), null_int.label("quantity"),
                  null_int.label("unit_price"), LedgerEntry.gross, LedgerEntry.refund, LedgerEntry.commission,
                  LedgerEntry.live_session_id, LedgerEntry.fulfillment, sa.literal(1).label("rank"),
                  LedgerEntry.id.label("row_id"))
        .join(Stall, Stall.id == LedgerEntry.stall_id)
        .where(entry_scope == scope_id, LedgerEntry.kind != LedgerKind.SALE,
               LedgerEntry.local_date.between(period.first, period.last))
    )
    union = sa.union_all(lines, others).subquery()
    return sa.select(*[union.c[name] for name in COLUMNS]).order_by(union.c.date, union.c.rank, union.c.row_id)


def rows(reporting: Session, scope: str, scope_id: int, period: Period) -> Iterator[tuple]:
    result = reporting.execute(_statement(scope, scope_id, period).execution_options(yield_per=BATCH))
    for row in result:
        yield tuple(row)


def sales_csv(reporting: Session, scope: str, scope_id: int, period: Period) -> Iterator[str]:
    """scope is "market" or "stall"; a generator of CSV chunks."""
    return iter_csv(COLUMNS, rows(reporting, scope, scope_id, period))
