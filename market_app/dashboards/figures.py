"""Small arithmetic shared by the dashboards: changes against the previous period, rates, and the ledger's sums."""

import sqlalchemy as sa

from market_app.settlement.models import LedgerEntry, LedgerKind


def change(current, previous) -> dict:
    """{previous, change, percent}: percent is null when there is nothing to compare with (previous 0 or null)."""
    if current is None or previous is None:
        return {"previous": previous, "change": None, "percent": None}
    delta = current - previous
    if isinstance(delta, float):
        delta = round(delta, 4)
    percent = round(delta * 100 / previous, 1) if previous else None
    return {"previous": previous, "change": delta, "percent": percent}


def changes(current: dict, previous: dict) -> dict:
    """change() for every number of current, keeping its nesting (dicts of figures)."""
    out = {}
    for key, value in current.items():
        if isinstance(value, dict):
            out[key] = changes(value, previous.get(key, {}))
        elif value is None or isinstance(value, int | float):
            out[key] = change(value, previous.get(key))
    return out


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _when(kind: LedgerKind, value):
    return sa.case((LedgerEntry.kind == kind, value), else_=0)


# The sums every ledger query takes, labelled; online gross excludes in-person sales.
ONLINE_GROSS = sa.func.sum(_when(LedgerKind.SALE, LedgerEntry.gross)).label("online_gross")
IN_PERSON_GROSS = sa.func.sum(_when(LedgerKind.IN_PERSON_SALE, LedgerEntry.gross)).label("in_person_gross")
IN_PERSON_COUNT = sa.func.sum(_when(LedgerKind.IN_PERSON_SALE, 1)).label("in_person_count")
STALL_ORDERS = sa.func.sum(_when(LedgerKind.SALE, 1)).label("stall_orders")
REFUNDS = sa.func.sum(LedgerEntry.refund).label("refunds")
COMMISSION = sa.func.sum(LedgerEntry.commission).label("commission")
ORDERS = sa.func.sum(LedgerEntry.order_count).label("orders")
LIVE_GROSS = sa.func.sum(LedgerEntry.live_gross).label("live_gross")
LIVE_ORDERS = sa.func.sum(sa.case((LedgerEntry.live_gross > 0, 1), else_=0)).label("live_orders")
LEDGER_SUMS = (ONLINE_GROSS, IN_PERSON_GROSS, IN_PERSON_COUNT, STALL_ORDERS, REFUNDS, COMMISSION, ORDERS, LIVE_GROSS,
               LIVE_ORDERS)


class Totals:
    """Ledger sums added up in Python from grouped rows (one query gives the days, the stalls and both periods)."""

    FIELDS = ("online_gross", "in_person_gross", "in_person_count", "stall_orders", "refunds", "commission", "orders",
              "live_gross", "live_orders")

    def __init__(self) -> None:
        for name in self.FIELDS:
            setattr(self, name, 0)

    def add(self, row) -> "Totals":
        for name in self.FIELDS:
            setattr(self, name, getattr(self, name) + int(getattr(row, name) or 0))
        return self

    @property
    def gross(self) -> int:
        return self.online_gross + self.in_person_gross

    @property
    def net(self) -> int:
        return self.gross - self.refunds
