"""Product rules: owner edits, soft delete, per-stall listing and market-wide ranked search."""

import functools

import sqlalchemy as sa

from market_app.catalog.models import Product
from market_app.core.db import LIKE_ESCAPE, db, like_escaped, read, utcnow, with_columns
from market_app.core.errors import NotFound
from market_app.core.hangul import initials, match_rank, normalize
from market_app.core.pagination import Rows
from market_app.markets.models import Stall, StallStatus
from market_app.markets.services import listing_market

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


_PRODUCTS, _STALLS = Product.__table__, Stall.__table__


@functools.lru_cache(maxsize=64)
def _search_select(columns: tuple, category: bool, stall: bool, tokens: int | None) -> sa.Select:
    """A market's shoppable products (available, not deleted, of active stalls) as plain rows, for one shape of the
    search (tokens: how many words q has; None without q), built once: values are bound per request."""
    needed = (_PRODUCTS.c.id, _PRODUCTS.c.name, _PRODUCTS.c.description, _PRODUCTS.c.stock)
    stmt = (sa.select(*with_columns(columns, *needed))
            .select_from(_PRODUCTS.join(_STALLS, _STALLS.c.id == _PRODUCTS.c.stall_id))
            .where(_PRODUCTS.c.market_id == sa.bindparam("market_id"), _PRODUCTS.c.deleted_at.is_(None),
                   _PRODUCTS.c.available.is_(True), _STALLS.c.status == StallStatus.ACTIVE))
    if category:
        stmt = stmt.where(_PRODUCTS.c.category == sa.bindparam("category"))
    if stall:
        stmt = stmt.where(_PRODUCTS.c.stall_id == sa.bindparam("stall_id"))
    if tokens is None:
        return stmt.order_by(_PRODUCTS.c.name, _PRODUCTS.c.id)
    # Any name that matches a token has that token's initials inside its own initials.
    narrowing = [sa.or_(_PRODUCTS.c.name_initials.contains(sa.bindparam(f"initials_{n}"), escape=LIKE_ESCAPE),
                        _PRODUCTS.c.description.contains(sa.bindparam(f"text_{n}"), escape=LIKE_ESCAPE))
                 for n in range(tokens)]
    narrowing.append(_PRODUCTS.c.name_initials.contains(sa.bindparam("initials"), escape=LIKE_ESCAPE))
    return stmt.where(sa.or_(*narrowing))


def search_products(market_id: int, columns: list, dump, q: str | None = None, category: str | None = None,
                    stall_id: int | None = None):
    """Without q: rows of columns (of products and stalls) by name, as core.pagination.Rows. With q: candidates
    narrowed in SQL by 초성, then ranked here. dump turns a page of rows into the response's items. The market is
    looked up only when nothing is found (NotFound if there is no such market)."""
    params = {"market_id": market_id, "category": category, "stall_id": stall_id}
    shape = (tuple(columns), bool(category), stall_id is not None)
    if not q or not q.strip():
        return Rows(_search_select(*shape, None), dump, params, on_empty=lambda: listing_market(market_id))
    tokens = q.split()
    for n, token in enumerate(tokens):
        params |= {f"initials_{n}": like_escaped(initials(token)), f"text_{n}": like_escaped(token)}
    params["initials"] = like_escaped(initials(q))
    # The candidates' whole rows at once: a market has a few hundred products, and the page needs no second query.
    rows = read(_search_select(*shape, len(tokens)), params).all()
    ranked = []
    for row in rows:
        rank = _rank(q, tokens, row.name, row.description or "")
        if rank is not None:
            ranked.append((rank, len(row.name), row.name, row.id, row))
    if not ranked:
        listing_market(market_id)  # no such market: 404, not an empty list
    ranked.sort(key=lambda entry: entry[:4])
    return RankedProducts([entry[-1] for entry in ranked], dump)
