"""Every live route against every role that may not use it: refused (401/403/404) with nothing changed; the role
that may use it passes; and every live route of the app is in this matrix (public ones included, with nobody refused).

The world: market M with its admin and courier; a merchant's active stall with a product and a session about to
start (so it may go live), the merchant's second stall with a session on air, and a pending stall with a session;
another merchant's stall; market M2 with its own admin; a shopper; a platform admin (refused on the owner's routes;
as any market's admin it cancels sessions and reads their stats, and what it did is checked).
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from market_app.extensions import db
from market_app.live.models import LiveOffer, LiveSession
from tests.helpers import RoleWorld, every_row, role_world
from tests.live.helpers import soon

STRANGERS = {"anonymous": 401, "shopper": 403, "other_merchant": 403, "other_market_admin": 403, "courier": 403}
# The platform operator acts as any market's admin (markets/access.py), and that is all: running a stall's
# sessions stays its owner's.
OWNER_ONLY = STRANGERS | {"market_admin": 403, "platform_admin": 403}
NOT_FOUND_TO_STRANGERS = {role: 404 for role in STRANGERS} | {"anonymous": 404}
SIGNED_IN = {"anonymous": 401}


def _body(ids: dict) -> dict:
    starts = soon(24 * 60)
    return {"title": "새 방송", "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=1)).isoformat(),
            "offers": [{"product_id": ids["product"], "live_price": 100, "quantity_cap": 1}]}


# route: (method, url, body, {role: expected status}); None as body: no body
MATRIX = {
    "market schedule": ("GET", "/markets/{market}/live-sessions", None, {}),
    "market calendar": ("GET", "/markets/{market}/live-sessions.ics", None, {}),
    "stall schedule": ("GET", "/stalls/{stall}/live-sessions", None, {}),
    "pending stall schedule": ("GET", "/stalls/{pending_stall}/live-sessions", None, NOT_FOUND_TO_STRANGERS),
    "stall calendar": ("GET", "/stalls/{stall}/live-sessions.ics", None, {}),
    "schedule a session": ("POST", "/stalls/{stall}/live-sessions", _body, OWNER_ONLY),
    "read a session": ("GET", "/live-sessions/{session}", None, {}),
    "read a pending stall's session": ("GET", "/live-sessions/{pending_session}", None, NOT_FOUND_TO_STRANGERS),
    "edit a session": ("PATCH", "/live-sessions/{session}", {"title": "뺏은 방송"}, OWNER_ONLY),
    "delete a session": ("DELETE", "/live-sessions/{session}", None, OWNER_ONLY),
    "start a session": ("POST", "/live-sessions/{session}/start", {}, OWNER_ONLY),
    "end a session": ("POST", "/live-sessions/{live_session}/end", {}, OWNER_ONLY),
    "cancel a session": ("POST", "/live-sessions/{session}/cancel", {"reason": "x"}, STRANGERS),
    "cancel a pending stall's session": ("POST", "/live-sessions/{pending_session}/cancel", {},
                                         NOT_FOUND_TO_STRANGERS | {"anonymous": 401}),
    "subscribe": ("POST", "/live-sessions/{session}/subscribe", None, SIGNED_IN),
    "unsubscribe": ("DELETE", "/live-sessions/{session}/subscribe", None, SIGNED_IN),
    "follow a stall": ("POST", "/stalls/{stall}/follow", None, SIGNED_IN),
    "unfollow a stall": ("DELETE", "/stalls/{stall}/follow", None, SIGNED_IN),
    "heartbeat": ("POST", "/live-sessions/{live_session}/heartbeat", {"viewer_id": "device-0001"}, {}),
    "session stats": ("GET", "/live-sessions/{session}/stats", None, STRANGERS),
}

# The role that may use each route, for the request to pass (2xx).
ALLOWED = {
    "market schedule": "anonymous", "market calendar": "anonymous", "stall schedule": "anonymous",
    "pending stall schedule": "merchant", "stall calendar": "anonymous", "schedule a session": "merchant",
    "read a session": "anonymous", "read a pending stall's session": "market_admin", "edit a session": "merchant",
    "delete a session": "merchant", "start a session": "merchant", "end a session": "merchant",
    "cancel a session": "market_admin", "cancel a pending stall's session": "merchant", "subscribe": "shopper",
    "unsubscribe": "shopper", "follow a stall": "shopper", "unfollow a stall": "shopper", "heartbeat": "anonymous",
    "session stats": "market_admin",
}

CASES = [pytest.param(route, role, status, id=f"{route}-{role}")
         for route, (_m, _u, _b, refusals) in MATRIX.items() for role, status in refusals.items()]


def _session(stall, starts_in: float, product=None) -> LiveSession:
    starts = soon(starts_in)
    session = LiveSession(stall_id=stall.id, market_id=stall.market_id, title="방송", starts_at=starts,
                          ends_at=starts + timedelta(hours=1), stream_url="https://live.example.com/w/1")
    if product is not None:
        session.offers = [LiveOffer(product_id=product.id, live_price=product.price - 100, quantity_cap=5)]
    db.session.add(session)
    db.session.commit()
    return session


@pytest.fixture
def world(make, live) -> RoleWorld:
    world = role_world(make)
    session = _session(world.stall, 5, world.product)
    live_session = _session(make.stall(world.market, owner=world.users["merchant"]), -10)  # his second stall: on air
    live_session.status, live_session.started_at = "live", live_session.starts_at
    db.session.commit()
    pending_session = _session(world.pending_stall, 60)
    world.ids |= {"session": session.id, "live_session": live_session.id, "pending_session": pending_session.id,
                  "platform_admin": world.users["platform_admin"].id}
    return world


def _fill(value, ids: dict):
    if callable(value):
        return value(ids)
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    return value




def _call(client, world: RoleWorld, route: str, role: str):
    method, url, body, _ = MATRIX[route]
    return client.open("/api/v1" + _fill(url, world.ids), method=method, json=_fill(body, world.ids),
                       headers=world.headers[role])


@pytest.mark.parametrize(("route", "role", "status"), CASES)
def test_rejected_live_route_for_role_changes_nothing(client, world, route, role, status):
    before = every_row()

    resp = _call(client, world, route, role)

    assert resp.status_code == status, resp.json
    assert resp.json["code"] == status and resp.json["message"]
    assert every_row() == before


@pytest.mark.parametrize(("route", "role"), ALLOWED.items())
def test_allowed_role_passes_the_same_live_route(client, world, route, role):
    """The matrix's requests are well-formed: the role that may use each route gets a 2xx."""
    resp = _call(client, world, route, role)

    assert 200 <= resp.status_code < 300, resp.json


def test_the_platform_admin_cancels_a_session_and_it_is_cancelled_in_its_name(client, world):
    resp = _call(client, world, "cancel a session", "platform_admin")

    assert resp.status_code == 200, resp.json
    assert (resp.json["id"], resp.json["status"], resp.json["cancel_reason"]) == (world.ids["session"], "cancelled",
                                                                                  "x")
    db.session.expire_all()
    row = db.session.get(LiveSession, world.ids["session"])
    assert (row.status, row.cancel_reason, row.cancelled_at is not None) == ("cancelled", "x", True)
    assert [(e.from_status, e.to_status, e.actor_id, e.note) for e in row.events] == [
        ("scheduled", "cancelled", world.ids["platform_admin"], "x")]
    others = db.session.scalars(sa.select(LiveSession.status).where(LiveSession.id != row.id)).all()
    assert sorted(others) == ["live", "scheduled"]  # the merchant's other sessions are as they were


def test_the_platform_admin_reads_a_sessions_stats_and_nothing_changes(client, world):
    before = every_row()

    resp = _call(client, world, "session stats", "platform_admin")

    assert resp.status_code == 200, resp.json
    assert (resp.json["live_session_id"], resp.json["status"]) == (world.ids["session"], "scheduled")
    assert (resp.json["orders"], resp.json["units"], resp.json["gross"], resp.json["events"]) == (0, 0, 0, [])
    assert [(o["product_id"], o["quantity_cap"], o["sold"]) for o in resp.json["offers"]] == [
        (world.ids["product"], 5, 0)]
    assert resp.json == _call(client, world, "session stats", "market_admin").json  # the same figures
    assert every_row() == before


def test_every_matrix_route_has_an_allowed_role():
    assert ALLOWED.keys() == MATRIX.keys()


def test_every_live_route_of_the_app_is_in_the_matrix(app):
    """A new live route cannot slip in untested: each (method, path) of the live blueprint is a matrix row."""
    def pattern(rule: str) -> str:
        return rule.removeprefix("/api/v1").replace("<int:market_id>", "{market}").replace(
            "<int:stall_id>", "{stall}").replace("<int:session_id>", "{session}")

    in_app = {(method, pattern(rule.rule)) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("live.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    in_matrix = {(method, url.replace("{pending_stall}", "{stall}").replace("{pending_session}", "{session}")
                  .replace("{live_session}", "{session}")) for method, url, _b, _r in MATRIX.values()}

    assert in_app == in_matrix
