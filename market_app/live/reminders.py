"""Who hears of a session, and when: a stall's followers when it is scheduled; its subscribers and followers
LIVE_REMINDER_MINUTES before the start, at go-live and if it is cancelled; whoever heard of a session that is
deleted, that it is off. The jobs here decide who hears;
the notification fan-out job (notify_later) tells them, in committed batches.

Exactly once: the inbox keeps one notification per (user, key), and each key names what it is about. The
reminder's key carries the start time, so a moved start is reminded again and a job left over from the old time
(it checks the time it was queued for) sends nothing; a cancelled session is never reminded (the job checks the
status). A job that runs twice, or again after a worker restart, inserts nothing new.

The reminder and the go-live announcement are marked sent (reminded_for, start_announced_at: what the sweep in
clock.py looks for) by the TOLD_JOB the fan-out queues after its last batch, not when the fan-out is queued: a
fan-out lost on its way leaves them unmarked, and the sweep sends them again."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from market_app.core.db import db, utcnow
from market_app.live.models import LiveKind, LiveSession, LiveStatus, LiveSubscription, StallFollow
from market_app.notifications.services import Message, notify, notify_later, who_was_told

WEEKDAYS = "월화수목금토일"
TOLD_JOB = "live.mark_told"


def _lead() -> timedelta:
    return timedelta(minutes=current_app.config["LIVE_REMINDER_MINUTES"])


def followers(session: LiveSession) -> list[int]:
    return sorted(db.session.scalars(sa.select(StallFollow.user_id).where(StallFollow.stall_id == session.stall_id)))


def audience(session: LiveSession) -> list[int]:
    """The session's subscribers and the stall's followers."""
    subscribers = sa.select(LiveSubscription.user_id).where(LiveSubscription.live_session_id == session.id)
    follows = sa.select(StallFollow.user_id).where(StallFollow.stall_id == session.stall_id)
    return sorted(set(db.session.scalars(sa.union(subscribers, follows))))


def _label(session: LiveSession) -> str:
    return "마감세일" if session.kind == LiveKind.FLASH else "라이브"


def _when(session: LiveSession) -> str:
    local = session.starts_at.astimezone(ZoneInfo(session.stall.market.timezone))
    return f"{local.month}월 {local.day}일 ({WEEKDAYS[local.weekday()]}) {local:%H:%M}"


def _message(session: LiveSession, kind: str, key: str, title: str, body: str) -> Message:
    data = {"live_session_id": session.id, "stall_id": session.stall_id, "market_id": session.market_id}
    return Message(kind=kind, key=key, title=title, body=body, data=data)


def _stamp(session: LiveSession) -> int:
    return int(session.starts_at.timestamp())


def reminder_key(session: LiveSession) -> str:
    return f"live_reminder:{session.id}:{_stamp(session)}"


def reminder(session: LiveSession) -> Message:
    minutes = current_app.config["LIVE_REMINDER_MINUTES"]
    offers = f" 특가 상품 {len(session.offers)}개를 준비했어요." if session.offers else ""
    return _message(session, "live_reminder", reminder_key(session),
                    f"{minutes}분 후 {_label(session)} 시작: {session.title}",
                    f"{session.stall.name} · {_when(session)} 시작.{offers}")


def started(session: LiveSession) -> Message:
    return _message(session, "live_started", f"live_started:{session.id}",
                    f"지금 {_label(session)} 중: {session.title}",
                    f"{session.stall.name}의 {_label(session)}가 시작됐어요. 특가는 준비한 수량이 다 팔리면 끝나요.")


def scheduled(session: LiveSession) -> Message:
    return _message(session, "live_scheduled", f"live_scheduled:{session.id}",
                    f"{session.stall.name} 새 {_label(session)}: {session.title}",
                    f"{_when(session)} 시작. 시작 전에 알려 드릴게요.")


def cancelled(session: LiveSession) -> Message:
    reason = f" ({session.cancel_reason})" if session.cancel_reason else ""
    return _message(session, "live_cancelled", f"live_cancelled:{session.id}",
                    f"{_label(session)} 취소: {session.title}",
                    f"{session.stall.name}의 {_when(session)} {_label(session)}가 취소되었습니다.{reason}")


def told_of(session: LiveSession) -> list[int]:
    """Who heard of the session so far, among those who would hear of it now (its subscribers and the stall's
    followers): the followers told it was scheduled, and anyone already reminded."""
    return who_was_told(audience(session), [f"live_scheduled:{session.id}"], [f"live_reminder:{session.id}:"])


def withdraw(session: LiveSession) -> int:
    """The session is about to be deleted: whoever heard of it hears it is off (the cancellation's message and
    key), after the commit. Made now, while the session can still be read."""
    recipients = told_of(session)
    if recipients:
        notify_later(recipients, cancelled(session))
    return len(recipients)


def send_reminder(session: LiveSession, user_ids: list[int] | None = None) -> int:
    """Remind everyone who should hear, through the fan-out (or just user_ids at once: someone who subscribed
    after the reminder went out)."""
    if user_ids is not None:
        notify(user_ids, reminder(session))
        return len(user_ids)
    recipients = audience(session)
    notify_later(recipients, reminder(session), then=(TOLD_JOB, session.id, "reminder", _stamp(session)))
    return len(recipients)


def reminder_due(session: LiveSession, now: datetime) -> bool:
    return session.status == LiveStatus.SCHEDULED and session.starts_at - _lead() <= now < session.starts_at


# --- jobs ----------------------------------------------------------------------------------------------------


def remind(session_id: int, starts_at_stamp: int) -> int:
    """The job queued for LIVE_REMINDER_MINUTES before a start: reminds if the session is still scheduled at that
    start. Returns how many people it was meant for."""
    session = db.session.get(LiveSession, session_id)
    if session is None or _stamp(session) != starts_at_stamp:
        return 0
    if not reminder_due(session, utcnow()):
        return 0
    return send_reminder(session)


def announce(session_id: int, what: str) -> int:
    """The job queued after a session was scheduled, went live or was cancelled: tell who should hear (through
    the fan-out)."""
    session = db.session.get(LiveSession, session_id)
    if session is None:
        return 0
    then = None
    if what == "scheduled" and session.status == LiveStatus.SCHEDULED:
        recipients, message = followers(session), scheduled(session)
    elif what == "started" and session.status == LiveStatus.LIVE:
        recipients, message = audience(session), started(session)
        then = (TOLD_JOB, session.id, "started", _stamp(session))
    elif what == "cancelled" and session.status == LiveStatus.CANCELLED:
        recipients, message = audience(session), cancelled(session)
    else:
        return 0
    notify_later(recipients, message, then=then)
    return len(recipients)


def mark_told(session_id: int, what: str, starts_at_stamp: int) -> bool:
    """The job the fan-out queues once everyone heard: the sweep stops looking for this reminder (unless the
    start moved since: the new start is reminded anew) or this go-live announcement."""
    session = db.session.get(LiveSession, session_id)
    if session is None:
        return False
    if what == "reminder" and _stamp(session) == starts_at_stamp:
        session.reminded_for = session.starts_at
    elif what == "started":
        session.start_announced_at = session.start_announced_at or utcnow()
    else:
        return False
    return True
