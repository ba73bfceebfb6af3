"""Subscriptions, follows and reminders: a reminder LIVE_REMINDER_MINUTES before the start and one at go-live reach
each subscriber and follower exactly once, also when the job runs twice; a moved start is reminded again at its new
time, a cancelled session never; followers hear of each new session. The jobs are called here as the queue would
call them, at chosen times (the real worker is in test_live_reminders_worker.py)."""

from datetime import timedelta

from market_app.core import jobs, uow
from market_app.core.db import utcnow
from market_app.core.jobs import huey_of
from market_app.extensions import db
from market_app.live import clock, reminders
from market_app.live.models import LiveSession
from market_app.notifications.services import FAN_OUT_JOB
from tests.helpers import assert_error
from tests.live.helpers import API, iso, notes, soon


def _stamp(session: dict) -> int:
    return int(db.session.get(LiveSession, session["id"]).starts_at.timestamp())


def _run(job, *args):
    with uow.unit_of_work():
        return job(*args)


def test_subscribing_is_idempotent_and_counted(client, make, shop, live):
    session = live.schedule(shop.stands[0], starts_in=60)
    other = make.headers(make.user())

    first = live.subscribe(session, shop.headers)
    again = live.subscribe(session, shop.headers)
    live.subscribe(session, other)
    gone = client.delete(f"{API}/live-sessions/{session['id']}/subscribe", headers=other).json
    gone_again = client.delete(f"{API}/live-sessions/{session['id']}/subscribe", headers=other).json

    assert (first["subscribed"], first["subscribers"]) == (True, 1)
    assert (again["subscribed"], again["subscribers"]) == (True, 1)
    assert (gone["subscribed"], gone["subscribers"]) == (False, 1)
    assert gone_again["subscribers"] == 1
    assert live.read(session)["subscribers"] == 1


def test_an_ended_or_cancelled_session_takes_no_subscription(client, shop, live):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=60)
    live.act(session, "cancel", stand.headers)

    resp = client.post(f"{API}/live-sessions/{session['id']}/subscribe", headers=shop.headers)

    assert_error(resp, 409)


def test_subscribers_and_followers_are_reminded_once_before_the_start(app, client, make, shop, live):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=30)
    follower, stranger = make.user("단골"), make.user()
    live.subscribe(session, shop.headers)
    client.post(f"{API}/stalls/{stand.stall.id}/follow", headers=make.headers(follower))

    early = _run(reminders.remind, session["id"], _stamp(session))  # the job ran early: nothing yet
    assert early == 0 and notes(shop.shopper.id, "live_reminder") == []

    row = db.session.get(LiveSession, session["id"])
    row.starts_at, row.ends_at = soon(9), soon(60)  # as if ten minutes before the start had come
    db.session.commit()
    sent = [_run(reminders.remind, session["id"], _stamp(session)) for _ in range(2)]  # delivered twice

    assert sent == [2, 2]
    for user in (shop.shopper, follower):
        [note] = notes(user.id, "live_reminder")
        assert note.title == f"10분 후 라이브 시작: {session['title']}"
        assert note.data == {"live_session_id": session["id"], "stall_id": stand.stall.id,
                             "market_id": shop.market.id}
    assert notes(stranger.id) == [] and notes(stand.owner.id, "live_reminder") == []


def test_the_reminder_job_is_queued_for_ten_minutes_before_the_start(app, shop, live):
    huey = huey_of(app)
    before = {task.id for task in huey.scheduled()}

    session = live.schedule(shop.stands[0], starts_in=45)

    new = [task for task in huey.scheduled() if task.id not in before and task.name == "live.remind"]
    [task] = new
    starts = db.session.get(LiveSession, session["id"]).starts_at
    assert task.args == (session["id"], int(starts.timestamp()))
    assert task.eta.replace(tzinfo=starts.tzinfo) == starts - timedelta(minutes=10)


def test_a_moved_start_is_reminded_again_and_the_old_job_sends_nothing(client, shop, live):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=9)
    live.subscribe(session, shop.headers)  # within ten minutes of the start: reminded at once
    old_stamp = _stamp(session)
    assert len(notes(shop.shopper.id, "live_reminder")) == 1

    new_start = soon(8)
    client.patch(f"{API}/live-sessions/{session['id']}", headers=stand.headers,
                 json={"starts_at": iso(new_start), "ends_at": iso(new_start + timedelta(hours=1))})
    assert _run(reminders.remind, session["id"], old_stamp) == 0  # the job queued for the old time
    _run(reminders.remind, session["id"], _stamp(session))

    reminders_ = notes(shop.shopper.id, "live_reminder")
    assert len(reminders_) == 2 and reminders_[0].key != reminders_[1].key


def test_a_cancelled_session_is_not_reminded_and_its_subscribers_are_told(client, shop, live):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=30)
    live.subscribe(session, shop.headers)
    stamp = _stamp(session)
    live.act(session, "cancel", stand.headers, {"reason": "재료 소진"})

    row = db.session.get(LiveSession, session["id"])
    row.starts_at = soon(5)
    db.session.commit()
    assert _run(reminders.remind, session["id"], stamp) == 0
    assert clock.sweep()["reminded"] == 0

    assert notes(shop.shopper.id, "live_reminder") == []
    [told] = notes(shop.shopper.id, "live_cancelled")
    assert "취소" in told.title and "재료 소진" in told.body


def test_going_live_tells_subscribers_and_followers_once(client, make, shop, live):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=30)
    follower = make.user("단골")
    client.post(f"{API}/stalls/{stand.stall.id}/follow", headers=make.headers(follower))
    live.subscribe(session, shop.headers)
    row = db.session.get(LiveSession, session["id"])
    row.starts_at = soon(5)
    db.session.commit()

    live.start(session, stand)  # the announcement job runs at once in the tests
    _run(reminders.announce, session["id"], "started")  # and once more, as a retried job would
    clock.sweep()

    for user in (shop.shopper, follower):
        [note] = notes(user.id, "live_started")
        assert note.title == f"지금 라이브 중: {session['title']}"


def test_followers_hear_of_each_new_session(client, make, shop, live):
    stand = shop.stands[0]
    follower = make.user("단골")
    resp = client.post(f"{API}/stalls/{stand.stall.id}/follow", headers=make.headers(follower))
    again = client.post(f"{API}/stalls/{stand.stall.id}/follow", headers=make.headers(follower))
    assert resp.json == again.json == {"stall_id": stand.stall.id, "following": True, "followers": 1}

    first = live.schedule(stand, starts_in=60)
    live.schedule(stand, starts_in=180, kind="flash", stream_url=None, title="마감세일")

    told = notes(follower.id, "live_scheduled")
    assert [n.data["live_session_id"] for n in told][0] == first["id"] and len(told) == 2
    assert told[1].title.endswith("새 마감세일: 마감세일")
    client.delete(f"{API}/stalls/{stand.stall.id}/follow", headers=make.headers(follower))
    live.schedule(stand, starts_in=300)
    assert len(notes(follower.id, "live_scheduled")) == 2


def test_a_deleted_session_tells_whoever_heard_of_it_that_it_is_off_once(client, make, shop, live):
    stand = shop.stands[0]
    told, reminded, late, stranger = make.user("단골"), make.user("새단골"), make.user("늦은단골"), make.user()

    def follow(user) -> None:
        assert client.post(f"{API}/stalls/{stand.stall.id}/follow", headers=make.headers(user)).status_code == 200

    follow(told)
    session = live.schedule(stand, starts_in=30)  # the followers so far hear of it
    follow(reminded)
    row = db.session.get(LiveSession, session["id"])
    row.starts_at = soon(9)  # ten minutes before the start: everyone following by now is reminded
    db.session.commit()
    assert _run(reminders.remind, session["id"], _stamp(session)) == 2
    follow(late)  # heard nothing of it

    resp = client.delete(f"{API}/live-sessions/{session['id']}", headers=stand.headers)

    assert resp.status_code == 204
    assert db.session.get(LiveSession, session["id"]) is None
    for user in (told, reminded):
        [note] = notes(user.id, "live_cancelled")
        assert (note.key, note.title) == (f"live_cancelled:{session['id']}", f"라이브 취소: {session['title']}")
        assert note.body.endswith("라이브가 취소되었습니다.") and note.data["live_session_id"] == session["id"]
    assert notes(late.id) == [] and notes(stranger.id) == [] and notes(stand.owner.id) == []


def test_the_sweep_reminds_what_a_lost_job_missed_exactly_once(shop, live):
    session = live.schedule(shop.stands[0], starts_in=30)
    live.subscribe(session, shop.headers)
    starts = db.session.get(LiveSession, session["id"]).starts_at

    assert clock.sweep(now=starts - timedelta(minutes=11))["reminded"] == 0
    assert clock.sweep(now=starts - timedelta(minutes=9))["reminded"] == 1
    assert clock.sweep(now=starts - timedelta(minutes=8))["reminded"] == 0

    assert len(notes(shop.shopper.id, "live_reminder")) == 1
    assert db.session.get(LiveSession, session["id"]).reminded_for == starts


def test_a_reminder_whose_fan_out_was_lost_is_sent_again_by_the_sweep(shop, live, monkeypatch):
    session = live.schedule(shop.stands[0], starts_in=30)
    live.subscribe(session, shop.headers)
    starts = db.session.get(LiveSession, session["id"]).starts_at
    enqueue = jobs.enqueue

    def broker_refuses_fan_outs(name, *args, **kwargs):
        if name != FAN_OUT_JOB:
            enqueue(name, *args, **kwargs)

    monkeypatch.setattr(jobs, "enqueue", broker_refuses_fan_outs)
    assert clock.sweep(now=starts - timedelta(minutes=9))["reminded"] == 1
    assert notes(shop.shopper.id, "live_reminder") == []
    assert db.session.get(LiveSession, session["id"]).reminded_for is None  # marked only once everyone is told
    monkeypatch.undo()

    assert clock.sweep(now=starts - timedelta(minutes=8))["reminded"] == 1
    assert clock.sweep(now=starts - timedelta(minutes=7))["reminded"] == 0
    assert len(notes(shop.shopper.id, "live_reminder")) == 1
    assert db.session.get(LiveSession, session["id"]).reminded_for == starts


def test_the_reminder_lead_time_is_configurable(app, shop, live, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_REMINDER_MINUTES", 30)
    session = live.schedule(shop.stands[0], starts_in=60)
    live.subscribe(session, shop.headers)
    starts = db.session.get(LiveSession, session["id"]).starts_at

    clock.sweep(now=starts - timedelta(minutes=29))

    [note] = notes(shop.shopper.id, "live_reminder")
    assert note.title.startswith("30분 후")
    assert utcnow() < starts
