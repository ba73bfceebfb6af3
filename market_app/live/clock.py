"""What happens to sessions at their times, as jobs: a flash sale (or a session set to auto_start) starts at its
start, a session left live ends after its end (plus a grace period for broadcasts), and a sweep every minute
catches whatever a lost or late job missed (reminders, go-live announcements, starts and ends)."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from market_app.core import uow
from market_app.core.db import db, utcnow
from market_app.live import reminders, services
from market_app.live.models import LiveSession, LiveStatus
from market_app.live.pricing import grace


def auto_start(session_id: int, starts_at_stamp: int) -> bool:
    session = db.session.get(LiveSession, session_id)
    if session is None or int(session.starts_at.timestamp()) != starts_at_stamp:
        return False
    return services.start_by_clock(session, utcnow())


def auto_end(session_id: int) -> bool:
    session = db.session.get(LiveSession, session_id)
    return session is not None and services.end_by_clock(session, utcnow())


def _each(stmt: sa.Select, step) -> int:
    """Run step on each session found, one unit of work each (one failing session does not hold up the rest)."""
    done = 0
    for session_id in db.session.scalars(stmt).all():
        with uow.unit_of_work():
            done += bool(step(db.session.get(LiveSession, session_id)))
    return done


def _remind(session: LiveSession, now: datetime) -> bool:
    if not reminders.reminder_due(session, now):
        return False
    reminders.send_reminder(session)
    return True


def _announce_start(session: LiveSession) -> bool:
    reminders.announce(session.id, "started")
    return True


def sweep(now: datetime | None = None) -> dict[str, int]:
    """The periodic job (every minute). Each step is safe to repeat: it acts on what is still due, and a reminder or
    go-live notice whose fan-out has not finished yet is queued again (the notification keys tell nobody twice)."""
    now = now or utcnow()
    lead = timedelta(minutes=current_app.config["LIVE_REMINDER_MINUTES"])
    scheduled = sa.select(LiveSession.id).where(LiveSession.status == LiveStatus.SCHEDULED)
    live = sa.select(LiveSession.id).where(LiveSession.status == LiveStatus.LIVE)
    not_reminded = sa.or_(LiveSession.reminded_for.is_(None), LiveSession.reminded_for != LiveSession.starts_at)
    return {
        "reminded": _each(scheduled.where(LiveSession.starts_at > now, LiveSession.starts_at <= now + lead,
                                          not_reminded), lambda session: _remind(session, now)),
        "started": _each(scheduled.where(LiveSession.starts_at <= now, LiveSession.ends_at > now),
                         lambda session: services.start_by_clock(session, now)),
        "announced": _each(live.where(LiveSession.start_announced_at.is_(None)), _announce_start),
        "ended": _each(live.where(LiveSession.ends_at <= now), lambda session: services.end_by_clock(session, now)),
        "cancelled": _each(scheduled.where(LiveSession.ends_at <= now - grace()),
                           lambda session: services.cancel_unstarted(session, now)),
    }
