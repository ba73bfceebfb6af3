"""Titles of the live sessions the dashboards list (sales carry OrderItem.live_session_id; the ledger copies it)."""

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market_app.live.models import LiveSession


def titles(reporting: Session, session_ids: Iterable[int]) -> dict[int, str]:
    ids = list(session_ids)
    if not ids:
        return {}
    return dict(reporting.execute(sa.select(LiveSession.id, LiveSession.title).where(LiveSession.id.in_(ids))).all())
