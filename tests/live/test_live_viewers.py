"""Viewers: a heartbeat (anonymous allowed, with a device id) counts distinct viewers seen in the last minute; the
peak is kept when they leave; only a live session takes heartbeats; heartbeats are rate limited."""

from datetime import timedelta

from market_app.core.db import utcnow
from market_app.extensions import db
from market_app.live import audience
from market_app.live.models import LiveSession
from tests.helpers import assert_error
from tests.live.helpers import API


def _beat(client, session: dict, headers: dict | None = None, viewer_id: str | None = "device-0001"):
    body = {} if viewer_id is None else {"viewer_id": viewer_id}
    return client.post(f"{API}/live-sessions/{session['id']}/heartbeat", json=body, headers=headers or {})


def test_distinct_viewers_are_counted_and_the_peak_is_kept(client, make, shop, live):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=5)
    live.start(session, stand)

    _beat(client, session, viewer_id="phone-aaaa-1111")
    _beat(client, session, viewer_id="phone-aaaa-1111")  # the same phone again
    _beat(client, session, shop.headers, viewer_id=None)  # a signed-in viewer needs no device id
    last = _beat(client, session, shop.headers, viewer_id="another-device-of-the-same-user")

    assert last.status_code == 200
    assert last.json == {"live_session_id": session["id"], "viewers": 2, "peak_viewers": 2}
    assert live.read(session)["peak_viewers"] == 2


def test_viewers_silent_for_a_minute_drop_out_but_the_peak_stays(client, make, shop, live):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=5)
    live.start(session, stand)
    for n in range(3):
        _beat(client, session, viewer_id=f"phone-{n:04d}-xx")
    row = db.session.get(LiveSession, session["id"])

    later = audience.heartbeat(row, "anon:late-comer-01", now=utcnow() + timedelta(seconds=61))
    db.session.commit()

    assert later["viewers"] == 1 and later["peak_viewers"] == 3
    assert live.read(session)["peak_viewers"] == 3


def test_an_anonymous_heartbeat_needs_a_device_id_and_a_live_session(client, shop, live, snapshot):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=5)

    not_live = _beat(client, session)
    live.start(session, stand)
    no_id = _beat(client, session, viewer_id=None)
    bad_id = _beat(client, session, viewer_id="x")

    assert_error(not_live, 409)
    assert "viewer_id" in assert_error(no_id, 422)["json"]
    assert "viewer_id" in assert_error(bad_id, 422)["json"]
    assert live.read(session)["peak_viewers"] == 0


def test_heartbeats_are_rate_limited_per_address(app, client, shop, live, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_HEARTBEAT_RATE_LIMIT", "3 per minute")
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=5)
    live.start(session, stand)

    statuses = [_beat(client, session, viewer_id=f"device-{n:04d}").status_code for n in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert live.read(session)["peak_viewers"] == 3
