"""Small arithmetic shared by the dashboards: changes against the previous period, rates, and the day sums."""

import sqlalchemy as sa

from market_app.settlement.models import DAY_FIGURES, LedgerDay


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


# The day figures every dashboard query sums (from the LedgerDay rollup), labelled as Totals reads them.
DAY_SUMS = tuple(sa.func.sum(getattr(LedgerDay, name)).label(name) for name in DAY_FIGURES)


class Totals:
    """Ledger sums added up in Python from grouped rows (one query gives the days, the stalls and both periods)."""

    FIELDS = DAY_FIGURES

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
