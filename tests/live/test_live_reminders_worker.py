"""With the real task worker: the reminder queued for ten minutes before the start survives a worker restart and
reaches each subscriber and follower exactly once, through the notification fan-out job, also when the job is
delivered again (before and after the restart); the go-live announcement likewise."""

import json
import time
from datetime import timedelta

import pytest

from market_app.core import jobs
from market_app.core.db import utcnow
from market_app.extensions import db
from market_app.live.models import LiveSession
from market_app.live.reminders import TOLD_JOB
from market_app.notifications.services import FAN_OUT_JOB
from tests.live.helpers import API, iso, notes
from tests.worker_plugin import eventually, start_worker, stop_worker

pytestmark = pytest.mark.committing


def _once_each(users, kind: str) -> bool:
    return all(len(notes(user.id, kind)) == 1 for user in users)


def _jobs_done(log_path) -> list[str]:
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    return [line["job"] for line in lines if line.get("job") and line["message"].endswith(" done")]


def _reminded_for(session: dict):
    db.session.expire_all()
    return db.session.get(LiveSession, session["id"]).reminded_for


def test_reminders_and_go_live_reach_everyone_exactly_once_across_a_worker_restart(
        app, client, make, shop, live, worker, tmp_path):
    stand = shop.stands[0]
    follower, second = make.user("단골"), make.user("손님")
    client.post(f"{API}/stalls/{stand.stall.id}/follow", headers=make.headers(follower))
    lead = app.config["LIVE_REMINDER_MINUTES"]
    starts = utcnow().replace(microsecond=0) + timedelta(minutes=lead, seconds=4)  # reminder due in four seconds
    session = live.schedule(stand, starts_at=iso(starts), ends_at=iso(starts + timedelta(hours=1)))
    live.subscribe(session, shop.headers)
    live.subscribe(session, make.headers(second))
    audience = (shop.shopper, second, follower)
    stamp = int(db.session.get(LiveSession, session["id"]).starts_at.timestamp())

    stop_worker(worker)  # the worker goes down with the reminder still ahead of it...
    time.sleep(5)
    assert all(notes(user.id, "live_reminder") == [] for user in audience)
    restarted = start_worker(app, tmp_path / "worker-2.log")  # ...and comes back after it was due
    try:
        assert eventually(lambda: _once_each(audience, "live_reminder"))
        # The reminder job chose who hears, the fan-out told them, and then marked the session reminded.
        assert eventually(lambda: _reminded_for(session)) == starts
        assert {"live.remind", FAN_OUT_JOB, TOLD_JOB} <= set(_jobs_done(tmp_path / "worker-2.log"))
        # The same job delivered again (a retry, a duplicate after a crash before the ack) tells nobody twice.
        remind = jobs.job("live.remind", app)
        duplicates = [remind(session["id"], stamp) for _ in range(2)]  # both worker threads at once
        assert [result.get(blocking=True, timeout=20) for result in duplicates] == [3, 3]  # each ran, for three
        assert _once_each(audience, "live_reminder")
        [note] = notes(shop.shopper.id, "live_reminder")
        assert note.title == f"{lead}분 후 라이브 시작: {session['title']}"

        live.start(session, stand)
        assert eventually(lambda: _once_each(audience, "live_started"))
        jobs.job("live.announce", app)(session["id"], "started").get(blocking=True, timeout=20)
        assert _once_each(audience, "live_started")
        assert _once_each([follower], "live_scheduled")
    finally:
        stop_worker(restarted)
