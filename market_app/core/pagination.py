"""Pagination of SQLAlchemy selects for flask-smorest's @paginate (JSON array + X-Pagination header)."""

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_smorest import Page

from market_app.core.db import db
from market_app.core.schemas import Dumped

_TOTAL = "_total_rows"


@dataclass
class Rows:
    """A select of plain rows (no ORM objects) and how to turn a page of them into the response's items (a
    core.schemas.row_dumper of the route's schema): the fast way to list hundreds of public rows."""

    select: sa.Select
    dump: Callable[[list[sa.Row]], list[dict]]


class SelectPage(Page):
    """Runs a count and one LIMIT/OFFSET query; the select must already carry a stable ORDER BY. For Rows, one
    query: the page carries the total (count(*) OVER ()), counted apart only for a page past the end."""

    _rows: list | None = None

    def _page(self):
        collection = self.collection
        if isinstance(collection, Rows):
            collection = collection.select.add_columns(sa.func.count().over().label(_TOTAL))
        return collection.limit(self.page_params.page_size).offset(self.page_params.first_item)

    @property
    def items(self):
        if isinstance(self.collection, Rows):
            return Dumped(self.collection.dump(self._page_rows()))
        return db.session.scalars(self._page()).unique().all()

    def _page_rows(self) -> list:
        if self._rows is None:
            self._rows = db.session.connection().execute(self._page()).all()  # Core: no ORM work per statement
        return self._rows

    @property
    def item_count(self):
        if isinstance(self.collection, Rows):
            rows = self._page_rows()
            if rows:
                return rows[0]._mapping[_TOTAL]
            stmt = self.collection.select
        else:
            stmt = self.collection
        count_stmt = sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
        return db.session.scalar(count_stmt)
