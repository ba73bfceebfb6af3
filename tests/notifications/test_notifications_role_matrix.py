"""Every notification route against every role that may not use it: refused with nothing changed; its owner
passes and gets what it asked for; another user sees and marks only their own; and a meta-test that every
notification route is in the matrix.

The world: a user with one unread notification and another user with one of their own."""

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from market_app.extensions import db
from market_app.notifications.models import Notification
from market_app.notifications.services import Message, notify
from tests.helpers import API, assert_error, every_row

# route: (method, url, {role: expected status}); the owner of the notification may use every route.
MATRIX = {
    "inbox": ("GET", "/me/notifications", {"anonymous": 401}),
    "mark one read": ("POST", "/me/notifications/{note}/read", {"anonymous": 401, "other_user": 404}),
    "mark all read": ("POST", "/me/notifications/read-all", {"anonymous": 401}),
}

CASES = [pytest.param(route, role, status, id=f"{route}-{role}")
         for route, (_m, _u, refusals) in MATRIX.items() for role, status in refusals.items()]


@dataclass
class World:
    ids: dict
    headers: dict


def _told(user, key: str) -> int:
    """One unread notification for user; its id."""
    notify([user.id], Message(kind="order_paid", key=key, title="새 주문", body="배추 2", data={"order_id": 1}))
    db.session.commit()
    return db.session.scalar(sa.select(Notification.id).filter_by(user_id=user.id, key=key))


@pytest.fixture
def world(make) -> World:
    owner, other_user = make.user("주인"), make.user("옆사람")
    note, other_note = _told(owner, "order_paid:1"), _told(other_user, "order_paid:2")
    headers = {"owner": make.headers(owner), "other_user": make.headers(other_user), "anonymous": {}}
    return World({"note": note, "other_note": other_note}, headers)


def _call(client, world: World, route: str, role: str):
    method, url, _ = MATRIX[route]
    return client.open(API + url.format(**world.ids), method=method, headers=world.headers[role])


@pytest.mark.parametrize(("route", "role", "status"), CASES)
def test_refused_notification_route_for_role_changes_nothing(client, world, route, role, status):
    before = every_row()

    resp = _call(client, world, route, role)

    assert_error(resp, status)
    assert every_row() == before


def test_the_owner_reads_their_inbox(client, world):
    resp = _call(client, world, "inbox", "owner")

    assert resp.status_code == 200, resp.json
    assert [(n["id"], n["kind"], n["read_at"]) for n in resp.json] == [(world.ids["note"], "order_paid", None)]


def test_the_owner_marks_their_notification_read_and_nothing_else_changes(client, world):
    other_before = _call(client, world, "inbox", "other_user").json

    resp = _call(client, world, "mark one read", "owner")

    assert resp.status_code == 200, resp.json
    assert (resp.json["id"], resp.json["read_at"] is not None) == (world.ids["note"], True)
    assert [n["read_at"] is not None for n in _call(client, world, "inbox", "owner").json] == [True]
    assert _call(client, world, "inbox", "other_user").json == other_before


def test_the_owner_marks_all_read(client, world):
    resp = _call(client, world, "mark all read", "owner")

    assert resp.status_code == 200, resp.json
    assert resp.json == {"marked": 1, "unread": 0}
    assert _call(client, world, "inbox", "other_user").json[0]["read_at"] is None


def test_another_user_sees_only_their_own_and_marking_all_leaves_the_owners_unread(client, world):
    owner_before = _call(client, world, "inbox", "owner").json

    inbox = _call(client, world, "inbox", "other_user")
    marked = _call(client, world, "mark all read", "other_user")

    assert [n["id"] for n in inbox.json] == [world.ids["other_note"]]
    assert marked.status_code == 200 and marked.json == {"marked": 1, "unread": 0}
    assert _call(client, world, "inbox", "owner").json == owner_before


def test_every_notification_route_is_in_the_matrix(app):
    in_app = {(method, rule.rule.removeprefix(API).replace("<int:notification_id>", "{note}"))
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("notifications.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}

    assert in_app == {(method, url) for method, url, _ in MATRIX.values()}
