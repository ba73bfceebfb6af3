"""The clock's moves: a flash sale starts at its start and ends at its end by itself; a broadcast left live ends
after its end plus the grace period; a scheduled broadcast nobody started is cancelled after its time; the sweep
catches what a lost job missed and does nothing twice."""

from datetime import timedelta

from market_app.core import uow
from market_app.extensions import db
from market_app.live import clock
from market_app.live.models import LiveSession
from tests.live.helpers import notes


def _row(session: dict) -> LiveSession:
    db.session.expire_all()
    return db.session.get(LiveSession, session["id"])


def _flash(live, stand, **kwargs) -> dict:
    return live.schedule(stand, kind="flash", stream_url=None, title="마감세일", **kwargs)


def test_a_flash_sale_starts_and_ends_by_itself_and_tells_subscribers(shop, live):
    stand = shop.stands[0]
    session = _flash(live, stand, starts_in=30, minutes=60)
    live.subscribe(session, shop.headers)
    row = _row(session)
    starts, ends = row.starts_at, row.ends_at

    assert clock.sweep(now=starts - timedelta(seconds=1))["started"] == 0
    with uow.unit_of_work():
        assert clock.auto_start(session["id"], int(starts.timestamp() + 60)) is False  # a job for an old time
    assert clock.sweep(now=starts)["started"] == 1
    assert _row(session).status == "live" and _row(session).started_at == starts
    assert len(notes(shop.shopper.id, "live_started")) == 1

    assert clock.sweep(now=ends - timedelta(seconds=1))["ended"] == 0
    assert clock.sweep(now=ends)["ended"] == 1  # no grace for a flash sale
    assert clock.sweep(now=ends)["ended"] == 0
    assert _row(session).status == "ended"
    assert [(e.to_status, e.actor_id) for e in _row(session).events] == [
        ("scheduled", stand.owner.id), ("live", None), ("ended", None)]


def test_a_broadcast_left_live_ends_after_the_grace_period(app, shop, live):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=5, minutes=30)
    live.start(session, stand)
    ends = _row(session).ends_at
    grace = timedelta(minutes=app.config["LIVE_AUTO_END_GRACE_MINUTES"])

    assert clock.sweep(now=ends + grace - timedelta(seconds=1))["ended"] == 0
    assert clock.sweep(now=ends + grace)["ended"] == 1
    assert _row(session).status == "ended" and _row(session).events[-1].note.startswith("ended by itself")


def test_a_broadcast_is_not_started_by_the_clock_unless_asked(shop, live):
    stand = shop.stands[0]
    manual = live.schedule(stand, starts_in=5, minutes=30)
    automatic = live.schedule(shop.stands[1], starts_in=5, minutes=30, auto_start=True, offers=[])

    clock.sweep(now=_row(manual).starts_at)

    assert (_row(manual).status, _row(automatic).status) == ("scheduled", "live")


def test_a_broadcast_nobody_started_is_cancelled_after_its_time(app, shop, live):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=5, minutes=30)
    live.subscribe(session, shop.headers)
    ends = _row(session).ends_at
    grace = timedelta(minutes=app.config["LIVE_AUTO_END_GRACE_MINUTES"])

    assert clock.sweep(now=ends)["cancelled"] == 0
    assert clock.sweep(now=ends + grace)["cancelled"] == 1

    assert _row(session).status == "cancelled" and _row(session).cancel_reason
    assert len(notes(shop.shopper.id, "live_cancelled")) == 1


def test_the_next_session_of_a_stall_ends_one_left_running_past_its_end(shop, live):
    stand = shop.stands[0]
    first = live.schedule(stand, starts_in=5, minutes=10)
    second = _flash(live, stand, starts_in=15, minutes=30, offers=[])
    live.start(first, stand)

    clock.sweep(now=_row(second).starts_at)

    assert (_row(first).status, _row(second).status) == ("ended", "live")
