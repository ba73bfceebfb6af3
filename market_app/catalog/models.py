"""Product model. Products are soft-deleted because order items keep pointing at them."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from market_app.core.db import TimestampMixin, UTCDateTime, db
from market_app.core.hangul import initials
from market_app.core.versions import CachedContent, live_scope, products_scope
from market_app.markets.models import Stall


class Product(CachedContent, TimestampMixin, db.Model):
    __tablename__ = "products"
    __table_args__ = (
        sa.CheckConstraint("price >= 0", name="price_not_negative"),
        # The last line of defence against overselling: a reservation can never drive stock below zero.
        sa.CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),
        sa.Index("ix_products_market_live", "market_id", "deleted_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    stall_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("stalls.id", ondelete="CASCADE"), index=True)
    # Denormalized from the stall so market-wide search needs no join to filter.
    market_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("markets.id", ondelete="CASCADE"))
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    name_initials: so.Mapped[str] = so.mapped_column(sa.String(100))
    description: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    unit: so.Mapped[str] = so.mapped_column(sa.String(40))
    price: so.Mapped[int]
    stock: so.Mapped[int | None]
    available: so.Mapped[bool] = so.mapped_column(default=True)
    category: so.Mapped[str | None] = so.mapped_column(sa.String(50))
    image_url: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    max_per_order: so.Mapped[int | None]
    deleted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    stall: so.Mapped[Stall] = so.relationship()

    @so.validates("name")
    def _keep_initials_in_step(self, _key: str, name: str) -> str:
        self.name_initials = initials(name)[:100]
        return name

    def cache_scopes(self):
        return products_scope(self.market_id), live_scope(self.market_id)  # live offers show name, unit, price

    @property
    def sold_out(self) -> bool:
        return self.stock == 0
