"""Pagination of SQLAlchemy selects for flask-smorest's @paginate (JSON array + X-Pagination header)."""

import sqlalchemy as sa
from flask_smorest import Page

from market_app.core.db import db


class SelectPage(Page):
    """Runs a count and one LIMIT/OFFSET query; the select must already carry a stable ORDER BY."""

    @property
    def items(self):
        stmt = self.collection.limit(self.page_params.page_size).offset(self.page_params.first_item)
        return db.session.scalars(stmt).unique().all()

    @property
    def item_count(self):
        count_stmt = sa.select(sa.func.count()).select_from(self.collection.order_by(None).subquery())
        return db.session.scalar(count_stmt)
