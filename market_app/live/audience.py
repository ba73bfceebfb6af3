"""The audience of live sessions: subscriptions to one session, follows of a stall, and viewers counted from
their heartbeats (distinct viewers seen in the last LIVE_VIEWER_WINDOW_SECONDS; the peak is kept)."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from market_app.accounts.models import User
from market_app.core import versions
from market_app.core.db import db, utcnow
from market_app.core.errors import InvalidInput, InvalidTransition
from market_app.live import reminders
from market_app.live.models import OPEN_STATUSES, LiveSession, LiveStatus, LiveSubscription, LiveViewer, StallFollow
from market_app.markets.models import Stall


def _insert(model):
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def _insert_once(model, values: dict, unique: list[str]) -> bool:
    """Insert the row unless its unique key exists; True if this call inserted it (also when two race)."""
    stmt = _insert(model).values(values).on_conflict_do_nothing(index_elements=unique).returning(model.id)
    return db.session.execute(stmt).first() is not None


def _count_subscribers(session: LiveSession, change: int) -> None:
    versions.touch(versions.live_scope(session.market_id))  # the schedule shows the count
    db.session.execute(sa.update(LiveSession).where(LiveSession.id == session.id)
                       .values(subscriber_count=LiveSession.subscriber_count + change)
                       .execution_options(synchronize_session=False))
    db.session.expire(session, ["subscriber_count"])


def subscribe(session: LiveSession, user: User, now: datetime | None = None) -> bool:
    """Ask to be reminded (idempotent). Subscribing after the reminder went out reminds at once."""
    now = now or utcnow()
    if session.status not in OPEN_STATUSES:
        raise InvalidTransition(f"This session is {session.status.value}; there is nothing to subscribe to.")
    values = {"live_session_id": session.id, "user_id": user.id, "created_at": now}
    if not _insert_once(LiveSubscription, values, ["live_session_id", "user_id"]):
        return False
    _count_subscribers(session, +1)
    if reminders.reminder_due(session, now):
        reminders.send_reminder(session, [user.id])
    return True


def unsubscribe(session: LiveSession, user: User) -> bool:
    deleted = db.session.execute(sa.delete(LiveSubscription).where(
        LiveSubscription.live_session_id == session.id, LiveSubscription.user_id == user.id)).rowcount
    if deleted:
        _count_subscribers(session, -1)
    return bool(deleted)


def is_subscribed(session: LiveSession, user: User) -> bool:
    return db.session.scalar(sa.select(LiveSubscription.id).filter_by(live_session_id=session.id,
                                                                      user_id=user.id)) is not None


def follow(stall: Stall, user: User, now: datetime | None = None) -> bool:
    values = {"stall_id": stall.id, "user_id": user.id, "created_at": now or utcnow()}
    return _insert_once(StallFollow, values, ["stall_id", "user_id"])


def unfollow(stall: Stall, user: User) -> bool:
    return bool(db.session.execute(sa.delete(StallFollow).filter_by(stall_id=stall.id, user_id=user.id)).rowcount)


def follower_count(stall: Stall) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(StallFollow).filter_by(stall_id=stall.id))


# --- viewers ---------------------------------------------------------------------------------------------------


def viewer_key(user: User | None, viewer_id: str | None) -> str:
    """A signed-in viewer counts once on all their devices; an anonymous one by the id their player made up."""
    if user is not None:
        return f"user:{user.id}"
    if not viewer_id:
        raise InvalidInput("viewer_id", "Anonymous viewers send the random id their player keeps for the session.")
    return f"anon:{viewer_id}"


def viewers_now(session: LiveSession, now: datetime) -> int:
    since = now - timedelta(seconds=current_app.config["LIVE_VIEWER_WINDOW_SECONDS"])
    return db.session.scalar(sa.select(sa.func.count()).select_from(LiveViewer).where(
        LiveViewer.live_session_id == session.id, LiveViewer.last_seen_at >= since))


def heartbeat(session: LiveSession, key: str, now: datetime | None = None) -> dict:
    """A viewer is watching: record when, count who watched in the last window, raise the peak if it grew."""
    now = now or utcnow()
    if session.status != LiveStatus.LIVE:
        raise InvalidTransition(f"This session is {session.status.value}, not live.")
    db.session.execute(
        _insert(LiveViewer).values(live_session_id=session.id, viewer_key=key, first_seen_at=now, last_seen_at=now)
        .on_conflict_do_update(index_elements=["live_session_id", "viewer_key"], set_={"last_seen_at": now}))
    viewers = viewers_now(session, now)
    # Conditional: concurrent heartbeats never lower the peak. The schedule shows the peak, so a new one changes
    # its version; the peak read here is never above the row's, so "not higher" means the UPDATE changes nothing.
    raised = session.peak_viewers < viewers
    if raised:
        versions.touch(versions.live_scope(session.market_id))
    db.session.execute(sa.update(LiveSession)
                       .where(LiveSession.id == session.id, LiveSession.peak_viewers < viewers)
                       .values(peak_viewers=viewers)
                       .execution_options(synchronize_session=False, cache_neutral=not raised))
    db.session.expire(session, ["peak_viewers"])
    return {"live_session_id": session.id, "viewers": viewers, "peak_viewers": session.peak_viewers}
