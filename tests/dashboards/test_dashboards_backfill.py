"""Migration 0009 backfills the ledger from the orders, quick pays and refunds already there, and 0011 the product
days from its lines: the rows they write are the rows the app writes as the sales happen (hand-computed books of
tests/dashboards)."""

import importlib.util
from pathlib import Path

import pytest
import sqlalchemy as sa

from market_app.extensions import db
from market_app.settlement.models import LedgerDay, LedgerEntry, LedgerLine, LedgerProductDay

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"
ENTRY = ("kind", "source", "market_id", "stall_id", "local_date", "gross", "refund", "commission", "commission_bps",
         "order_id", "stall_order_id", "quick_pay_id", "refund_id", "user_id", "shopper_since", "order_count",
         "live_session_id", "live_gross", "category", "fulfillment", "settleable_at")


def _migration(filename: str):
    spec = importlib.util.spec_from_file_location(filename[:-3], MIGRATIONS / filename)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ledger() -> dict:
    db.session.expire_all()
    sources = {row.id: row.source for row in db.session.execute(sa.select(LedgerEntry.id, LedgerEntry.source))}
    entries = db.session.execute(sa.select(*[getattr(LedgerEntry, c) for c in ENTRY], LedgerEntry.sale_id)).all()
    lines = db.session.execute(sa.select(LedgerLine.entry_id, LedgerLine.order_item_id, LedgerLine.gross,
                                         LedgerLine.commission, LedgerLine.local_date)).all()
    days = db.session.execute(sa.select(LedgerDay.__table__)).all()
    products = db.session.execute(sa.select(LedgerProductDay.__table__)).all()
    return {
        "product_days": sorted(tuple(row) for row in products),
        "entries": sorted((*row[:-1], sources.get(row[-1])) for row in entries),
        "lines": sorted((sources[row[0]], *row[1:]) for row in lines),
        "days": sorted(tuple(row) for row in days),
    }


@pytest.mark.committing
def test_backfill_writes_the_ledger_the_app_writes(books):
    live = _ledger()
    assert len(live["entries"]) == 11 and len(live["lines"]) == 9
    # The product days add up the lines sold: as many units and won as the lines, on fewer rows or as many.
    assert sum(row[-2] for row in live["product_days"]) == sum(line.quantity for line in db.session.scalars(
        sa.select(LedgerLine)))
    assert sum(row[-1] for row in live["product_days"]) == sum(row[2] for row in live["lines"]) > 0
    with db.engine.begin() as conn:
        for table in (LedgerProductDay, LedgerDay, LedgerLine, LedgerEntry):
            conn.execute(sa.delete(table))

    with db.engine.begin() as conn:
        ledger = _migration("2026_11_25_0009_ledger.py")
        ledger._backfill(conn)
        ledger._roll_up(conn)
        _migration("2026_11_26_0011_ledger_product_days.py").roll_up(conn)

    assert _ledger() == live


def test_rebuild_ledger_rollups_puts_back_what_the_sales_wrote(app, books):
    written = _ledger()
    # What a deploy can leave: product days missing for sales made while the old code ran, a day gone stale.
    db.session.execute(sa.delete(LedgerProductDay))
    db.session.execute(sa.update(LedgerDay).values(online_gross=LedgerDay.online_gross + 1))
    assert _ledger() != written

    result = app.test_cli_runner().invoke(args=["rebuild-ledger-rollups"])
    again = app.test_cli_runner().invoke(args=["rebuild-ledger-rollups"])

    assert (result.exit_code, result.output.strip(), again.exit_code) == (0, "ledger rollups rebuilt", 0)
    assert _ledger() == written
