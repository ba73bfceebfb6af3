"""Product rules: owner edits, soft delete, per-stall listing and market-wide ranked search."""

import sqlalchemy as sa

from market_app.catalog.models import Product
from market_app.core.db import db, utcnow
from market_app.core.errors import NotFound
from market_app.core.hangul import initials, match_rank, normalize
from market_app.core.pagination import Rows
from market_app.markets.models import Stall, StallStatus

DESCRIPTION_MATCH_RANK = 5
MULTI_WORD_RANK_BASE = 10


def get_product(product_id: int) -> Product:
    product = db.session.get(Product, product_id)
    if product is None or product.deleted_at is not None:
        raise NotFound("Product not found.")
    return product


def create_product(stall: Stall, data: dict) -> Product:
    product = Product(stall_id=stall.id, market_id=stall.market_id, **data)
    db.session.add(product)
    return product


def update_product(product: Product, changes: dict) -> Product:
    for key, value in changes.items():
        setattr(product, key, value)
    return product


def delete_product(product: Product) -> None:
    """Soft delete: past orders keep pointing at the product, shoppers no longer see it."""
    product.deleted_at = utcnow()
    product.available = False


def stall_products_query(stall: Stall, available: bool | None = None, category: str | None = None) -> sa.Select:
    stmt = sa.select(Product).where(Product.stall_id == stall.id, Product.deleted_at.is_(None))
    if available is not None:
        stmt = stmt.where(Product.available.is_(available))
    if category:
        stmt = stmt.where(Product.category == category)
    return stmt.order_by(Product.name, Product.id)


def _shoppable(market) -> sa.Select:
    return (
        sa.select(Product)
        .join(Stall, Stall.id == Product.stall_id)
        .where(Product.market_id == market.id, Product.deleted_at.is_(None), Product.available.is_(True),
               Stall.status == StallStatus.ACTIVE)
    )




class RankedProducts:
    """Ranked product rows; flask-smorest's Page slices it and only that page is dumped."""

    def __init__(self, rows: list[sa.Row], dump):
        self.rows = rows
        self.dump = dump

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, page: slice) -> list[dict]:
        return self.dump(self.rows[page])


def product_facts(row: sa.Row) -> dict:
    """The values the schema computes for a product row: sold_out."""
    return {"sold_out": row.stock == 0}


def _rank(query: str, tokens: list[str], name: str, description: str) -> int | None:
    rank = match_rank(query, name)
    if rank is not None:
        return rank
    if len(tokens) == 1 and normalize(query) in normalize(description):
        return DESCRIPTION_MATCH_RANK
    # Several words: each must match the name or the description somewhere.
    token_ranks = []
    for token in tokens:
        token_rank = match_rank(token, name)
        if token_rank is None and normalize(token) in normalize(description):
            token_rank = DESCRIPTION_MATCH_RANK
        if token_rank is None:
            return None
        token_ranks.append(token_rank)
    return MULTI_WORD_RANK_BASE + sum(token_ranks) if len(tokens) > 1 else None


def search_products(market, columns: list, dump, q: str | None = None, category: str | None = None,
                    stall_id: int | None = None):
    """Without q: rows of columns (of products and stalls) by name, as core.pagination.Rows. With q: candidates
    narrowed in SQL by 초성, then ranked here. dump turns a page of rows into the response's items."""
    columns = columns + [column for column in (Product.id, Product.name, Product.description, Product.stock)
                         if all(column is not c for c in columns)]  # `is`: == on columns builds SQL
    stmt = _shoppable(market)
    if category:
        stmt = stmt.where(Product.category == category)
    if stall_id is not None:
        stmt = stmt.where(Product.stall_id == stall_id)
    if not q or not q.strip():
        return Rows(stmt.with_only_columns(*columns).order_by(Product.name, Product.id), dump)
    tokens = q.split()
    # Any name that matches a token has that token's initials inside its own initials.
    narrowing = [sa.or_(Product.name_initials.contains(initials(t), autoescape=True),
                        Product.description.contains(t, autoescape=True)) for t in tokens]
    narrowing.append(Product.name_initials.contains(initials(q), autoescape=True))
    # The candidates' whole rows at once: a market has a few hundred products, and the page needs no second query.
    rows = db.session.connection().execute(stmt.where(sa.or_(*narrowing)).with_only_columns(*columns)).all()
    ranked = []
    for row in rows:
        rank = _rank(q, tokens, row.name, row.description or "")
        if rank is not None:
            ranked.append((rank, len(row.name), row.name, row.id, row))
    ranked.sort(key=lambda entry: entry[:4])
    return RankedProducts([entry[-1] for entry in ranked], dump)
