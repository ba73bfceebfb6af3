"""Live session test helpers: times counted from the test's start, a session body, acting on sessions through the API
as a stand's owner, and reading notifications and order lines."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from market_app.core.db import utcnow
from market_app.extensions import db
from market_app.notifications.models import Notification
from tests.helpers import API, Stand

STREAM = "https://live.example.com/watch/abc123"


def iso(moment: datetime) -> str:
    return moment.isoformat()


# soon() counts from one moment per test (set by the autouse fixture in conftest.py): two sessions meant to start at
# the same minute do, even when the clock's second ticks between the two calls.
_now: list[datetime] = []


def reset_now() -> None:
    _now[:] = [utcnow().replace(microsecond=0)]


def soon(minutes: float) -> datetime:
    """minutes from the test's start (a few seconds ago at most)."""
    return _now[0] + timedelta(minutes=minutes)


def session_body(stand: Stand, *, starts_in: float = 10, minutes: float = 60, offers: list | None = None,
                 **fields) -> dict:
    """A session of stand starting in starts_in minutes: its product at 2,500 won (list 3,000), 5 units."""
    starts = soon(starts_in)
    if offers is None:
        offers = [{"product_id": stand.product.id, "live_price": 2500, "quantity_cap": 5}]
    return {"title": "배추 반값 라이브", "description": "김장철 배추를 싸게 드려요", "starts_at": iso(starts),
            "ends_at": iso(starts + timedelta(minutes=minutes)), "stream_url": STREAM, "offers": offers} | fields


@dataclass
class Live:
    """Acts on live sessions as a stand's owner through the API."""

    client: object

    def schedule(self, stand: Stand, **kwargs) -> dict:
        resp = self.client.post(f"{API}/stalls/{stand.stall.id}/live-sessions", json=session_body(stand, **kwargs),
                                headers=stand.headers)
        assert resp.status_code == 201, resp.json
        return resp.json

    def act(self, session: dict, action: str, headers: dict, body: dict | None = None, status: int = 200) -> dict:
        resp = self.client.post(f"{API}/live-sessions/{session['id']}/{action}", json=body or {}, headers=headers)
        assert resp.status_code == status, resp.json
        return resp.json

    def start(self, session: dict, stand: Stand) -> dict:
        return self.act(session, "start", stand.headers)

    def end(self, session: dict, stand: Stand, **body) -> dict:
        return self.act(session, "end", stand.headers, body)

    def read(self, session: dict) -> dict:
        resp = self.client.get(f"{API}/live-sessions/{session['id']}")
        assert resp.status_code == 200, resp.json
        return resp.json

    def subscribe(self, session: dict, headers: dict) -> dict:
        resp = self.client.post(f"{API}/live-sessions/{session['id']}/subscribe", headers=headers)
        assert resp.status_code == 200, resp.json
        return resp.json


def notes(user_id: int, kind: str | None = None) -> list[Notification]:
    """A user's notifications, oldest first, read fresh from the database."""
    db.session.expire_all()
    stmt = sa.select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt))


def items_of(order: dict) -> list[tuple]:
    """(product_id, quantity, unit_price, line_total, live_session_id) of every line of an order response."""
    return [(i["product_id"], i["quantity"], i["unit_price"], i["line_total"], i["live_session_id"])
            for part in order["stall_orders"] for i in part["items"]]


