"""Live session rules: scheduling with offers (sessions of one stall never overlap), edits while scheduled, and
the moves of the state machine, by the merchant or by the clock (jobs in clock.py)."""

import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from market_app.accounts.models import User
from market_app.catalog.models import Product
from market_app.core import jobs
from market_app.core.db import db, lock_row, utcnow
from market_app.core.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from market_app.core.signals import live_session_moved
from market_app.live import reminders
from market_app.live.models import OPEN_STATUSES, LiveKind, LiveOffer, LiveSession, LiveStatus
from market_app.live.pricing import grace
from market_app.live.status import LIVE_MACHINE, LiveAction
from market_app.markets.models import Stall, StallStatus

log = logging.getLogger(__name__)
MAX_DURATION = timedelta(hours=4)
MAX_AHEAD = timedelta(days=180)
SESSION_FIELDS = ("kind", "title", "description", "starts_at", "ends_at", "stream_url", "thumbnail_url", "auto_start")


def get_session(session_id: int) -> LiveSession:
    session = db.session.get(LiveSession, session_id)
    if session is None:
        raise NotFound("Live session not found.")
    return session


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def _check_times(starts_at: datetime, ends_at: datetime, now: datetime, *, new_start: bool) -> None:
    if new_start and starts_at <= now:
        raise InvalidInput("starts_at", "Must be in the future.")
    if starts_at > now + MAX_AHEAD:
        raise InvalidInput("starts_at", f"At most {MAX_AHEAD.days} days ahead.")
    if ends_at <= starts_at:
        raise InvalidInput("ends_at", "Must be after starts_at.")
    if ends_at - starts_at > MAX_DURATION:
        raise InvalidInput("ends_at", "A session lasts at most 4 hours.")


def _check_kind(kind: LiveKind, stream_url: str | None) -> None:
    if kind == LiveKind.FLASH and stream_url:
        raise InvalidInput("stream_url", "A flash sale (kind flash) has no stream; leave stream_url out.")


def _offer_error(index: int, field: str, message: str) -> InvalidInput:
    return InvalidInput("offers", message).at_item(index, field)


def _check_offers(stall: Stall, offers: list[dict]) -> None:
    """Each offer: a product of this stall, once, at a live price below its list price."""
    ids = {offer["product_id"] for offer in offers}
    products = {p.id: p for p in db.session.scalars(sa.select(Product).where(Product.id.in_(ids)))} if ids else {}
    seen: set[int] = set()
    for index, offer in enumerate(offers):
        product = products.get(offer["product_id"])
        if product is None or product.stall_id != stall.id or product.deleted_at is not None:
            raise _offer_error(index, "product_id", "Not a product of this stall.")
        if product.id in seen:
            raise _offer_error(index, "product_id", "Offered twice; one offer per product.")
        seen.add(product.id)
        if offer["live_price"] >= product.price:
            raise _offer_error(index, "live_price", f"Must be below the list price ({product.price:,}원).")
        limit = offer.get("per_shopper_limit")
        if limit is not None and limit > offer["quantity_cap"]:
            raise _offer_error(index, "per_shopper_limit", "Cannot be more than quantity_cap.")


def _set_offers(session: LiveSession, offers: list[dict]) -> None:
    """Update offers in place by product (a product removed and added back in one flush would break the unique
    key), add new ones, drop the rest."""
    current = {offer.product_id: offer for offer in session.offers}
    kept = []
    for data in offers:
        offer = current.get(data["product_id"]) or LiveOffer(product_id=data["product_id"])
        offer.live_price, offer.quantity_cap = data["live_price"], data["quantity_cap"]
        offer.per_shopper_limit = data.get("per_shopper_limit")
        kept.append(offer)
    session.offers = kept


def _lock_stall(stall_id: int) -> None:
    """Schedulings of one stall wait for each other (row lock on PostgreSQL, write lock on SQLite), so the overlap
    check of the second sees the first. A write of updated_at onto itself: the stall's own timestamp stays."""
    table = Stall.__table__
    db.session.execute(sa.update(table).where(table.c.id == stall_id).values(updated_at=table.c.updated_at)
                       .execution_options(cache_neutral=True))  # writes nothing: no cached answer changes


def _refuse_overlap(stall_id: int, starts_at: datetime, ends_at: datetime, exclude_id: int | None = None) -> None:
    _lock_stall(stall_id)
    stmt = sa.select(LiveSession).where(LiveSession.stall_id == stall_id, LiveSession.status.in_(OPEN_STATUSES),
                                        LiveSession.starts_at < ends_at, LiveSession.ends_at > starts_at)
    if exclude_id is not None:
        stmt = stmt.where(LiveSession.id != exclude_id)
    other = db.session.scalars(stmt.order_by(LiveSession.starts_at).limit(1)).first()
    if other is not None:
        message = (f"Overlaps this stall's session {other.id} ({other.starts_at:%Y-%m-%d %H:%M}-"
                   f"{other.ends_at:%H:%M} UTC); sessions of one stall never overlap.")
        raise Conflict(message, {"json": {"starts_at": [message]}})


def _plan_clock(session: LiveSession, now: datetime) -> None:
    """Jobs at the exact times (after commit); clock.sweep catches any that were lost."""
    stamp = int(session.starts_at.timestamp())
    remind_at = session.starts_at - timedelta(minutes=current_app.config["LIVE_REMINDER_MINUTES"])
    jobs.enqueue("live.remind", session.id, stamp, eta=remind_at if remind_at > now else None)
    if session.starts_by_itself:
        jobs.enqueue("live.auto_start", session.id, stamp, eta=session.starts_at)


def create_session(stall: Stall, actor: User, data: dict, now: datetime | None = None) -> LiveSession:
    """Schedule a session of the stall with its offers; followers of the stall hear of it."""
    now = now or utcnow()
    if stall.status != StallStatus.ACTIVE:
        raise Conflict("Only an active stall can schedule live sessions.")
    starts_at, ends_at = _utc(data["starts_at"]), _utc(data["ends_at"])
    _check_kind(data["kind"], data.get("stream_url"))
    _check_times(starts_at, ends_at, now, new_start=True)
    _check_offers(stall, data["offers"])
    _refuse_overlap(stall.id, starts_at, ends_at)
    session = LiveSession(
        stall_id=stall.id, market_id=stall.market_id, kind=data["kind"], title=data["title"],
        description=data["description"], starts_at=starts_at, ends_at=ends_at, stream_url=data.get("stream_url"),
        thumbnail_url=data.get("thumbnail_url"), auto_start=data["auto_start"] or data["kind"] == LiveKind.FLASH,
        status=LiveStatus.SCHEDULED, created_by=actor.id, created_at=now, updated_at=now,
    )
    session.stall = stall
    _set_offers(session, data["offers"])
    session.add_event(None, LiveStatus.SCHEDULED.value, actor.id, None)
    db.session.add(session)
    db.session.flush()
    live_session_moved.send(session, from_status=None, to_status=LiveStatus.SCHEDULED, actor_id=actor.id)
    _plan_clock(session, now)
    jobs.enqueue("live.announce", session.id, "scheduled")
    return session


def _locked(session: LiveSession) -> LiveSession:
    """Moves of one session wait for each other (the merchant's start and the clock's), then re-read it."""
    lock_row(LiveSession, session.id)
    db.session.refresh(session)
    return session


def update_session(session: LiveSession, changes: dict, now: datetime | None = None) -> LiveSession:
    """Edit a scheduled session (a moved time raises SEQUENCE and moves its reminder); an ended one takes only
    its replay URL."""
    now = now or utcnow()
    _locked(session)
    if session.status == LiveStatus.ENDED and changes.keys() <= {"replay_url"}:
        session.replay_url = changes.get("replay_url", session.replay_url)
        session.updated_at = now
        return session
    if session.status != LiveStatus.SCHEDULED:
        raise InvalidTransition(f"Only a scheduled session can be edited (this one is {session.status.value}; "
                                "an ended one takes only replay_url).")
    if "replay_url" in changes:
        raise InvalidInput("replay_url", "A replay can be added once the session has ended.")
    for key in ("starts_at", "ends_at"):
        if key in changes:
            changes[key] = _utc(changes[key])
    starts_at, ends_at = changes.get("starts_at", session.starts_at), changes.get("ends_at", session.ends_at)
    _check_kind(changes.get("kind", session.kind), changes.get("stream_url", session.stream_url))
    moved = (starts_at, ends_at) != (session.starts_at, session.ends_at)
    if moved:
        _check_times(starts_at, ends_at, now, new_start=starts_at != session.starts_at)
    if "offers" in changes:
        _check_offers(session.stall, changes["offers"])
    if moved:
        _refuse_overlap(session.stall_id, starts_at, ends_at, exclude_id=session.id)
    for key in SESSION_FIELDS:
        if key in changes:
            setattr(session, key, changes[key])
    if session.kind == LiveKind.FLASH:
        session.auto_start = True
    if "offers" in changes:
        _set_offers(session, changes["offers"])
    session.updated_at = now
    if moved:
        session.sequence += 1
        _plan_clock(session, now)
    return session


def delete_session(session: LiveSession) -> None:
    """A scheduled session nobody subscribed to can be deleted outright (followers who were told it was scheduled,
    or reminded, hear it is off); once someone subscribed, cancel it instead, so they are told."""
    _locked(session)
    if session.status != LiveStatus.SCHEDULED:
        raise InvalidTransition(f"Only a scheduled session can be deleted (this one is {session.status.value}).")
    if session.subscriber_count:
        raise Conflict("Shoppers subscribed to this session: cancel it instead, so they are told.")
    reminders.withdraw(session)
    db.session.delete(session)


def _move(session: LiveSession, action: LiveAction, actor_id: int | None, note: str | None, now: datetime) -> None:
    from_status = session.status
    to_status = LIVE_MACHINE.fire(session, action, actor_id=actor_id, note=note)
    session.sequence += 1
    session.updated_at = now
    live_session_moved.send(session, from_status=from_status, to_status=to_status, actor_id=actor_id)


def _end_overrunning(session: LiveSession, now: datetime) -> None:
    """Another session of the stall still live past its end is ended first; one still in its time is a 409."""
    others = db.session.scalars(sa.select(LiveSession).where(
        LiveSession.stall_id == session.stall_id, LiveSession.status == LiveStatus.LIVE,
        LiveSession.id != session.id)).all()
    for other in others:
        if other.ends_at > now:
            raise Conflict(f"Session {other.id} of this stall is still live; end it first.")
        end(other, None, now=now, note="ended for the stall's next session")


def start(session: LiveSession, actor: User | None, now: datetime | None = None) -> LiveSession:
    """Go live: from LIVE_START_EARLY_MINUTES before the start until the end. Subscribers are told."""
    now = now or utcnow()
    _locked(session)
    LIVE_MACHINE.target(LiveAction.START, session.status)
    early = timedelta(minutes=current_app.config["LIVE_START_EARLY_MINUTES"])
    if now < session.starts_at - early:
        raise InvalidTransition(f"Too early: a session can start from {early.seconds // 60} minutes before its start.")
    if now >= session.ends_at:
        raise InvalidTransition("This session's time is over; schedule a new one.")
    if session.kind == LiveKind.LIVE and not session.stream_url:
        raise Conflict("Add the stream URL before going live.", {"json": {"stream_url": ["required to go live"]}})
    if session.stall.status != StallStatus.ACTIVE:
        raise Conflict("The stall is not active.")
    _end_overrunning(session, now)
    _move(session, LiveAction.START, actor.id if actor else None, None, now)
    session.started_at = now
    jobs.enqueue("live.announce", session.id, "started")
    jobs.enqueue("live.auto_end", session.id, eta=session.auto_end_at(grace()))
    return session


def end(session: LiveSession, actor: User | None, replay_url: str | None = None, now: datetime | None = None,
        note: str | None = None) -> LiveSession:
    now = now or utcnow()
    _locked(session)
    _move(session, LiveAction.END, actor.id if actor else None, note, now)
    session.ended_at = now
    if replay_url:
        session.replay_url = replay_url
    return session


def cancel(session: LiveSession, actor: User | None, reason: str | None = None,
           now: datetime | None = None) -> LiveSession:
    """Cancel a scheduled session: no reminder goes out; subscribers are told; the feed keeps it as CANCELLED."""
    now = now or utcnow()
    _locked(session)
    _move(session, LiveAction.CANCEL, actor.id if actor else None, reason, now)
    session.cancelled_at, session.cancel_reason = now, reason
    jobs.enqueue("live.announce", session.id, "cancelled")
    return session


# --- the clock's moves (jobs and the sweep call these; each is a no-op when it no longer applies) ------------


def start_by_clock(session: LiveSession, now: datetime) -> bool:
    if session.status != LiveStatus.SCHEDULED or not session.starts_by_itself or not (
            session.starts_at <= now < session.ends_at):
        return False
    try:
        start(session, None, now)
    except Conflict as refusal:  # InvalidTransition included: someone moved it first
        log.info("Live session %s did not start by itself: %s", session.id, refusal.message)
        return False
    return True


def end_by_clock(session: LiveSession, now: datetime) -> bool:
    if session.status != LiveStatus.LIVE or now < session.auto_end_at(grace()):
        return False
    end(session, None, now=now, note="ended by itself after its end time")
    return True


def cancel_unstarted(session: LiveSession, now: datetime) -> bool:
    """A scheduled session never started by the end of its time (plus grace) is cancelled."""
    if session.status != LiveStatus.SCHEDULED or now < session.ends_at + grace():
        return False
    cancel(session, None, "방송이 시작되지 않아 취소되었습니다.", now)
    return True
