"""Pagination of SQLAlchemy selects for flask-smorest's @paginate (JSON array + X-Pagination header)."""

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_smorest import Page

from market_app.core.db import db, read
from market_app.core.schemas import Dumped

_TOTAL = "_total_rows"
_LIMIT, _OFFSET = "_page_limit", "_page_offset"


@dataclass
class Rows:
    """A select of plain rows (no ORM objects) and how to turn a page of them into the response's items (a
    core.schemas.row_dumper of the route's schema): the fast way to list hundreds of public rows."""

    select: sa.Select
    dump: Callable[[list[sa.Row]], list[dict]]
    params: dict = field(default_factory=dict)  # values of the select's bindparams: a select built once per shape
    # Called when the page has no row: a listing under a parent that may not exist (a market's stalls) raises its
    # 404 there instead of reading the parent before every page.
    on_empty: Callable[[], None] | None = None
    # A page whose values were bound for a guess (a market's time zone as last read here) and how to check it on
    # the rows read: the values to read the page again with when the guess was wrong, None when it was right. With
    # no rows it reads the parent itself (and raises its 404): on_empty is not called then.
    recheck: Callable[[list[sa.Row]], dict | None] | None = None


@functools.lru_cache(maxsize=256)
def _paged(select: sa.Select) -> sa.Select:
    """The select with its total and bound LIMIT/OFFSET, built once per select (SQLAlchemy then finds its compiled
    form by identity instead of building and hashing a new statement per request). The total is a scalar subquery,
    run once: with count(*) OVER () SQLite collected and sorted every row before the LIMIT instead of walking the
    ORDER BY's index (a 28-stall list took twice as long); PostgreSQL runs either once per statement."""
    total = _counted(select).scalar_subquery()
    return (select.add_columns(total.label(_TOTAL))
            .limit(sa.bindparam(_LIMIT, type_=sa.Integer)).offset(sa.bindparam(_OFFSET, type_=sa.Integer)))


@functools.lru_cache(maxsize=256)
def _counted(select: sa.Select) -> sa.Select:
    """The count of a Rows select's rows: the same FROM and WHERE (plain selects: no DISTINCT, GROUP BY or LIMIT),
    none of its columns to compute (SQLite counts from the index)."""
    return select.with_only_columns(sa.func.count(), maintain_column_froms=True).order_by(None)


class SelectPage(Page):
    """Runs a count and one LIMIT/OFFSET query; the select must already carry a stable ORDER BY. For Rows, one
    query: the page carries the total (a scalar subquery), counted apart only for a page past the end."""

    _rows: list | None = None

    def _page(self):
        return self.collection.limit(self.page_params.page_size).offset(self.page_params.first_item)

    @property
    def items(self):
        if isinstance(self.collection, Rows):
            return Dumped(self.collection.dump(self._page_rows()))
        return db.session.scalars(self._page()).unique().all()

    def _page_rows(self) -> list:
        if self._rows is None:
            rows = self._read_page()
            again = self.collection.recheck(rows) if self.collection.recheck is not None else None
            if again is not None:
                self.collection.params = again
                rows = self._read_page()
            self._rows = rows
        return self._rows

    def _read_page(self) -> list:
        params = self.collection.params | {_LIMIT: self.page_params.page_size, _OFFSET: self.page_params.first_item}
        return read(_paged(self.collection.select), params).all()  # Core: no ORM work per statement

    @property
    def item_count(self):
        if isinstance(self.collection, Rows):
            rows = self._page_rows()
            if rows:
                return rows[0]._mapping[_TOTAL]
            if self.collection.on_empty is not None and self.collection.recheck is None:
                self.collection.on_empty()  # (a recheck of no rows reads the parent itself)
            if self.page_params.first_item == 0:
                return 0  # the first page is empty: nothing to count
            return read(_counted(self.collection.select), self.collection.params).scalar()
        return db.session.scalar(sa.select(sa.func.count()).select_from(self.collection.order_by(None).subquery()))
