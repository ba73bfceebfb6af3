"""Titles of live sessions for the dashboards.

STUB until the live-commerce domain (issue 9) is merged: sales already carry OrderItem.live_session_id (and the
ledger copies it), but there is no live-session table to read titles from, so every title is None. At merge:
one query `select(LiveSession.id, LiveSession.title).where(LiveSession.id.in_(ids))` on the reporting session.
"""

from collections.abc import Iterable

from sqlalchemy.orm import Session


def titles(reporting: Session, session_ids: Iterable[int]) -> dict[int, str]:
    return {}
