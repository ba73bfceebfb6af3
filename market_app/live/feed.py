"""The iCalendar feed of a market's (or a stall's) live sessions, made with the icalendar library.

Each session is one VEVENT with a stable UID, DTSTAMP and LAST-MODIFIED (the session's last change: without a
METHOD, RFC 5545 makes DTSTAMP the time the event was last changed, which also keeps the feed byte-stable
between changes, so its ETag is too), and SEQUENCE raised on every change of time or status. Ended sessions stay
for FEED_DAYS days, cancelled ones as STATUS:CANCELLED for FEED_DAYS days after the cancellation (so subscribed
calendars drop them), all times in UTC."""

import hashlib
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import icalendar
import sqlalchemy as sa
from flask import current_app

from market_app.core.db import db, utcnow
from market_app.live.models import LiveKind, LiveSession, LiveStatus
from market_app.live.queries import with_details
from market_app.markets.models import Market, Stall, StallStatus

FEED_DAYS = 30
REFRESH = timedelta(hours=1)
PRODID = "-//전통시장 online//live sessions//KO"


def feed_sessions(market: Market, stall: Stall | None = None, now: datetime | None = None) -> list[LiveSession]:
    since = (now or utcnow()) - timedelta(days=FEED_DAYS)
    kept = sa.or_(sa.and_(LiveSession.status != LiveStatus.CANCELLED, LiveSession.ends_at >= since),
                  sa.and_(LiveSession.status == LiveStatus.CANCELLED, LiveSession.cancelled_at >= since))
    stmt = (sa.select(LiveSession).join(LiveSession.stall)
            .where(Stall.status == StallStatus.ACTIVE, LiveSession.market_id == market.id, kept))
    if stall is not None:
        stmt = stmt.where(LiveSession.stall_id == stall.id)
    return list(db.session.scalars(with_details(stmt.order_by(LiveSession.starts_at, LiveSession.id))))


def _base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def _uid(name: str) -> str:
    return f"{name}@{urlsplit(_base_url()).hostname or 'localhost'}"


def session_uid(session: LiveSession) -> str:
    return _uid(f"live-session-{session.id}")


def session_url(session: LiveSession) -> str:
    return f"{_base_url()}/api/v1/live-sessions/{session.id}"


def _description(session: LiveSession) -> str:
    lines = [session.description] if session.description else []
    for offer in session.offers:
        lines.append(f"특가 {offer.product.name} {offer.product.unit} {offer.live_price:,}원 "
                     f"(정가 {offer.product.price:,}원), 선착순 {offer.quantity_cap}개")
    link = session.replay_url if session.status == LiveStatus.ENDED and session.replay_url else session.stream_url
    if link:
        lines.append(("다시 보기: " if link == session.replay_url else "방송: ") + link)
    return "\n".join(lines)


def _event(session: LiveSession) -> icalendar.Event:
    stall = session.stall
    label = "마감세일" if session.kind == LiveKind.FLASH else "라이브"
    event = icalendar.Event.new(
        uid=session_uid(session), stamp=session.updated_at, last_modified=session.updated_at,
        created=session.created_at, start=session.starts_at, end=session.ends_at,
        summary=f"[{label}] {session.title} · {stall.name}", description=_description(session),
        location=f"{stall.market.name} {stall.name}" + (f" ({stall.aisle})" if stall.aisle else ""),
        sequence=session.sequence, url=session_url(session),
        status="CANCELLED" if session.status == LiveStatus.CANCELLED else "CONFIRMED",
    )
    return event


def render(uid: str, name: str, url: str, sessions: list[LiveSession]) -> bytes:
    # Calendar.new() would make up a random UID on every call: the feed's own is as stable as its events'.
    calendar = icalendar.Calendar.new(uid=uid, name=name, prodid=PRODID, url=url)
    calendar.add("calscale", "GREGORIAN")
    # Calendar clients poll a subscribed feed at most this often (Apple and Google read one or the other).
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH))
    for session in sessions:
        calendar.add_component(_event(session))
    return calendar.to_ical()


def etag(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def market_feed(market: Market, now: datetime | None = None) -> bytes:
    url = f"{_base_url()}/api/v1/markets/{market.id}/live-sessions.ics"
    return render(_uid(f"live-calendar-market-{market.id}"), f"{market.name} 라이브 방송", url,
                  feed_sessions(market, now=now))


def stall_feed(stall: Stall, now: datetime | None = None) -> bytes:
    url = f"{_base_url()}/api/v1/stalls/{stall.id}/live-sessions.ics"
    return render(_uid(f"live-calendar-stall-{stall.id}"), f"{stall.name} ({stall.market.name}) 라이브 방송", url,
                  feed_sessions(stall.market, stall, now))
