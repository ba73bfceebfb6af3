"""With the real task worker and its periodic sweep off: the clock's own jobs move sessions at their times. A
broadcast set to start by itself goes live at its start (live.auto_start) and its subscribers hear of it; a
broadcast left live ends by itself after its end plus the grace period (live.auto_end), not before."""

import json
from datetime import timedelta

import pytest

from market_app.core.db import utcnow
from market_app.extensions import db
from market_app.live.models import LiveSession
from tests.live.helpers import iso, notes
from tests.worker_plugin import eventually, running_worker

pytestmark = pytest.mark.committing
GRACE_MINUTES = 0.05  # 3 s


def _row(session: dict) -> LiveSession:
    db.session.expire_all()
    return db.session.get(LiveSession, session["id"])


def _jobs_done(log_path) -> set[str]:
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    return {line["job"] for line in lines if line.get("job") and line["message"].endswith(" done")}


def _in_seconds(seconds: int):
    return utcnow().replace(microsecond=0) + timedelta(seconds=seconds)


def test_a_broadcast_set_to_start_by_itself_goes_live_at_its_start(app, shop, live, tmp_path):
    stand, log_path = shop.stands[0], tmp_path / "worker.log"
    with running_worker(app, log_path):
        starts = _in_seconds(3)
        session = live.schedule(stand, starts_at=iso(starts), ends_at=iso(starts + timedelta(hours=1)),
                                auto_start=True)
        live.subscribe(session, shop.headers)
        assert _row(session).status == "scheduled"

        assert eventually(lambda: _row(session).status == "live")
        assert eventually(lambda: notes(shop.shopper.id, "live_started"))  # announced, through the fan-out

    row = _row(session)
    assert row.started_at >= starts
    assert [(e.to_status, e.actor_id) for e in row.events] == [("scheduled", stand.owner.id), ("live", None)]
    assert "live.auto_start" in _jobs_done(log_path)  # the job, not the sweep (off in this worker)


def test_a_broadcast_left_live_ends_by_itself_after_its_end_plus_grace(app, shop, live, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_AUTO_END_GRACE_MINUTES", GRACE_MINUTES)  # the eta start() gives the job
    stand, log_path = shop.stands[0], tmp_path / "worker.log"
    with running_worker(app, log_path, {"LIVE_AUTO_END_GRACE_MINUTES": str(GRACE_MINUTES)}):
        starts = _in_seconds(2)
        session = live.schedule(stand, starts_at=iso(starts), ends_at=iso(starts + timedelta(seconds=1)))
        live.start(session, stand)  # the merchant goes live (early is allowed) and never ends it

        assert eventually(lambda: _row(session).status == "ended")

    row = _row(session)
    assert row.ended_at >= row.ends_at + timedelta(minutes=GRACE_MINUTES)  # not at its end: after the grace
    assert (row.events[-1].actor_id, row.events[-1].note) == (None, "ended by itself after its end time")
    assert "live.auto_end" in _jobs_done(log_path)
