"""Claiming rows of work (a refund to send, a payout's transfer) for one run, committed before the outside call:
of two overlapping runs, each row goes to one. The row's model has `id` and `claimed_at`; `claimable(now)` says
which rows may be taken now (still waiting, and unclaimed or claimed so long ago that the run that took it died)."""

from collections.abc import Callable, Sequence
from datetime import datetime

import sqlalchemy as sa

from market_app.core import uow
from market_app.core.db import db, utcnow

Claimable = Callable[[datetime], sa.ColumnElement[bool]]


def _mark(model, claimable: Claimable, ids: Sequence[int], now: datetime):
    return db.session.execute(sa.update(model).where(model.id.in_(ids), claimable(now))
                              .values(claimed_at=now).execution_options(synchronize_session=False))


def claim_one(model, claimable: Claimable, row_id: int) -> bool:
    """Claim one row: the conditional UPDATE is atomic on both databases (PostgreSQL re-checks the row after its
    lock, SQLite has one writer at a time)."""
    claimed = _mark(model, claimable, [row_id], utcnow()).rowcount == 1
    uow.commit()
    return claimed


def claim_many(model, claimable: Claimable, *, where: sa.ColumnElement[bool] | None = None,
               order_by: Sequence = (), limit: int | None = None) -> list[int]:
    """Claim up to limit rows matching where, in order_by's order. PostgreSQL: FOR UPDATE SKIP LOCKED, so
    overlapping runs take disjoint rows without waiting for each other; SQLite: each row's conditional UPDATE."""
    now = utcnow()
    candidates = (sa.select(model.id).where(claimable(now), *([where] if where is not None else []))
                  .order_by(*order_by, model.id).limit(limit))
    if db.session.get_bind().dialect.name == "postgresql":
        ids = list(db.session.scalars(candidates.with_for_update(skip_locked=True)))
        if ids:
            _mark(model, claimable, ids, now)
    else:
        ids = [row_id for row_id in db.session.scalars(candidates).all()
               if _mark(model, claimable, [row_id], now).rowcount == 1]
    uow.commit()
    return ids


def release(model, ids: Sequence[int], still_waiting: sa.ColumnElement[bool]) -> None:
    """Give claimed rows back untried (the outside service went away before their turn)."""
    if ids:
        db.session.execute(sa.update(model).where(model.id.in_(ids), still_waiting)
                           .values(claimed_at=None).execution_options(synchronize_session=False))
        uow.commit()
