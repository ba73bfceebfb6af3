"""The iCalendar feed, parsed back with the icalendar library: one VEVENT per session with a stable UID, DTSTAMP,
LAST-MODIFIED, SEQUENCE raised on every change of time or status, UTC times, the session's URL; the calendar's
name, REFRESH-INTERVAL;VALUE=DURATION:PT1H and X-PUBLISHED-TTL; cancelled sessions kept 30 days as CANCELLED; an
ETag that answers 304 until something changes."""

import re
from datetime import datetime, timedelta

import icalendar
import pytest

from market_app.extensions import db
from market_app.live.models import LiveSession
from tests.live.helpers import API, iso, soon


def _feed(client, url: str, headers: dict | None = None):
    resp = client.get(url, headers=headers or {})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == "text/calendar" and resp.mimetype_params == {"charset": "utf-8"}
    return resp, icalendar.Calendar.from_ical(resp.get_data())


def _events(calendar) -> dict[str, icalendar.Event]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def market_feed(client, shop):
    url = f"{API}/markets/{shop.market.id}/live-sessions.ics"

    def market_feed(headers: dict | None = None):
        return _feed(client, url, headers)

    market_feed.url = url
    return market_feed


def test_the_market_feed_names_itself_and_asks_to_be_refreshed_hourly(shop, live, market_feed):
    live.schedule(shop.stands[0], starts_in=60)

    resp, calendar = market_feed()

    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    assert calendar["X-WR-CALNAME"] == f"{shop.market.name} 라이브 방송"
    assert calendar.calendar_name == f"{shop.market.name} 라이브 방송"
    refresh = calendar["REFRESH-INTERVAL"]
    assert refresh.params["VALUE"] == "DURATION" and refresh.dt == timedelta(hours=1)
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in resp.get_data(as_text=True)
    assert "X-PUBLISHED-TTL:PT1H" in resp.get_data(as_text=True)
    assert str(calendar["URL"]).endswith(market_feed.url)
    assert str(calendar["UID"]) == f"live-calendar-market-{shop.market.id}@127.0.0.1"
    assert market_feed()[0].get_data() == resp.get_data()  # byte-stable between changes


def test_each_session_is_an_event_with_utc_times_a_stable_uid_and_its_url(client, shop, live, market_feed):
    veg, fish = shop.stands
    first = live.schedule(veg, starts_in=60, minutes=90)
    second = live.schedule(fish, starts_in=120, minutes=30, kind="flash", stream_url=None,
                           offers=[{"product_id": fish.product.id, "live_price": 4000, "quantity_cap": 10}])

    _, calendar = market_feed()
    _, again = market_feed()

    events = _events(calendar)
    assert list(events) == list(_events(again)) == [f"live-session-{first['id']}@127.0.0.1",
                                                    f"live-session-{second['id']}@127.0.0.1"]
    event = events[f"live-session-{first['id']}@127.0.0.1"]
    assert event.DTSTART == datetime.fromisoformat(first["starts_at"]) and event.DTSTART.utcoffset() == timedelta(0)
    assert event.DTEND == datetime.fromisoformat(first["ends_at"])
    raw = event.to_ical().decode()
    for name in ("DTSTART", "DTEND", "DTSTAMP", "LAST-MODIFIED", "CREATED"):  # UTC form, no TZID, no VTIMEZONE
        assert re.search(rf"^{name}:\d{{8}}T\d{{6}}Z\r$", raw, re.MULTILINE), (name, raw)
    assert str(event["SUMMARY"]) == f"[라이브] 배추 반값 라이브 · {veg.stall.name}"
    assert str(event["STATUS"]) == "CONFIRMED" and event["SEQUENCE"] == 0
    assert str(event["URL"]) == f"http://127.0.0.1:5000/api/v1/live-sessions/{first['id']}"
    assert event.DTSTAMP == event.last_modified == datetime.fromisoformat(first["updated_at"]).replace(microsecond=0)
    assert "특가 배추 1포기 2,500원 (정가 3,000원), 선착순 5개" in str(event["DESCRIPTION"])
    assert str(event["LOCATION"]).startswith(shop.market.name)
    assert str(events[f"live-session-{second['id']}@127.0.0.1"]["SUMMARY"]).startswith("[마감세일]")


def test_sequence_rises_on_every_change_of_time_or_status_and_the_uid_stays(client, shop, live, market_feed):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=12)
    uid = f"live-session-{session['id']}@127.0.0.1"
    url = f"{API}/live-sessions/{session['id']}"

    def sequence() -> int:
        return _events(market_feed()[1])[uid]["SEQUENCE"]

    assert sequence() == 0
    retitled = client.patch(url, json={"title": "제목만 바꿈"}, headers=stand.headers)
    assert retitled.status_code == 200 and retitled.json["title"] == "제목만 바꿈", retitled.json
    assert sequence() == 0
    new_start = soon(10)
    moved = client.patch(url, json={"starts_at": iso(new_start), "ends_at": iso(new_start + timedelta(hours=1))},
                         headers=stand.headers)
    assert moved.status_code == 200, moved.json
    assert sequence() == 1
    live.start(session, stand)
    assert sequence() == 2
    live.end(session, stand)
    event = _events(market_feed()[1])[uid]
    assert event["SEQUENCE"] == 3 and str(event["STATUS"]) == "CONFIRMED"


def test_a_cancelled_session_stays_30_days_as_cancelled(client, shop, live, market_feed):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=60)
    uid = f"live-session-{session['id']}@127.0.0.1"
    live.act(session, "cancel", stand.headers, {"reason": "비가 와요"})

    event = _events(market_feed()[1])[uid]
    assert str(event["STATUS"]) == "CANCELLED" and event["SEQUENCE"] == 1

    row = db.session.get(LiveSession, session["id"])
    row.cancelled_at = row.cancelled_at - timedelta(days=29)
    db.session.commit()
    assert uid in _events(market_feed()[1])
    row.cancelled_at = row.cancelled_at - timedelta(days=2)
    db.session.commit()
    assert uid not in _events(market_feed()[1])


def test_ended_sessions_stay_30_days(client, shop, live, market_feed):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=10)
    live.start(session, stand)
    live.end(session, stand)
    uid = f"live-session-{session['id']}@127.0.0.1"
    row = db.session.get(LiveSession, session["id"])
    row.starts_at, row.ends_at = row.starts_at - timedelta(days=29), row.ends_at - timedelta(days=29)
    db.session.commit()
    assert uid in _events(market_feed()[1])

    row.starts_at, row.ends_at = row.starts_at - timedelta(days=2), row.ends_at - timedelta(days=2)
    db.session.commit()
    assert uid not in _events(market_feed()[1])


def test_the_etag_answers_304_until_a_session_changes(client, shop, live, market_feed):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=60)
    resp, _ = market_feed()
    etag = resp.headers["ETag"]

    unchanged = client.get(market_feed.url, headers={"If-None-Match": etag})
    client.patch(f"{API}/live-sessions/{session['id']}", json={"title": "새 제목"}, headers=stand.headers)
    changed = client.get(market_feed.url, headers={"If-None-Match": etag})

    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "새 제목" in changed.get_data(as_text=True)


def test_subscribers_and_viewers_do_not_change_the_feed(client, make, shop, live, market_feed):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=5)
    live.start(session, stand)
    etag = market_feed()[0].headers["ETag"]

    live.subscribe(session, shop.headers)
    beat = client.post(f"{API}/live-sessions/{session['id']}/heartbeat", json={"viewer_id": "device-0001"})

    assert beat.status_code == 200 and beat.json["viewers"] == 1, beat.json
    assert client.get(market_feed.url, headers={"If-None-Match": etag}).status_code == 304


def test_the_stall_feed_has_only_that_stalls_sessions(client, shop, live):
    veg, fish = shop.stands
    mine = live.schedule(veg, starts_in=60)
    live.schedule(fish, starts_in=60)

    _, calendar = _feed(client, f"{API}/stalls/{veg.stall.id}/live-sessions.ics")

    assert list(_events(calendar)) == [f"live-session-{mine['id']}@127.0.0.1"]
    assert calendar.calendar_name == f"{veg.stall.name} ({shop.market.name}) 라이브 방송"


def test_sessions_of_a_suspended_stall_leave_the_feed_and_its_own_feed_is_404(client, shop, live, market_feed):
    stand = shop.stands[0]
    live.schedule(stand, starts_in=60)
    stand.stall.status = "suspended"
    db.session.commit()

    assert _events(market_feed()[1]) == {}
    assert client.get(f"{API}/stalls/{stand.stall.id}/live-sessions.ics").status_code == 404
