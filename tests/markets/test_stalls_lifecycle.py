"""A stall's life: a merchant applies (pending, hidden), the association approves or suspends it."""

import pytest

from market_app.accounts.models import User
from market_app.extensions import db
from market_app.markets.models import Stall

APPLICATION = {"name": "망원 건어물", "category": "dry_goods", "description": "멸치, 김, 미역",
               "phone": "010-1234-5678", "aisle": "B-12", "x": 40, "y": 12,
               "hours": {"mon": "09:00-20:00", "sun": None}}


def _stall_ids(client, market, headers=None) -> list[int]:
    return [s["id"] for s in client.get(f"/api/v1/markets/{market.id}/stalls", headers=headers or {}).json]


def test_applied_stall_is_pending_and_seen_only_by_its_owner_and_market_admin(client, make):
    market = make.market()
    merchant, admin = make.user("상인"), make.member(market, "admin")

    resp = client.post(f"/api/v1/markets/{market.id}/stalls", json=APPLICATION, headers=make.headers(merchant))

    assert resp.status_code == 201
    stall = resp.json
    assert stall["status"] == "pending" and stall["owner_id"] == merchant.id and stall["market_id"] == market.id
    assert (stall["aisle"], stall["x"], stall["y"]) == ("B-12", 40, 12)
    assert _stall_ids(client, market) == []
    assert client.get(f"/api/v1/stalls/{stall['id']}").status_code == 404
    assert client.get(f"/api/v1/stalls/{stall['id']}", headers=make.headers(make.user())).status_code == 404
    assert client.get(f"/api/v1/stalls/{stall['id']}", headers=make.headers(merchant)).json["status"] == "pending"
    assert client.get(f"/api/v1/stalls/{stall['id']}", headers=make.headers(admin)).status_code == 200


def test_rejected_stall_application_without_token_is_401_and_writes_nothing(client, make):
    market = make.market()

    resp = client.post(f"/api/v1/markets/{market.id}/stalls", json=APPLICATION)

    assert resp.status_code == 401
    assert make.count(Stall) == 0


def test_approved_stall_becomes_active_and_listed(client, make):
    market = make.market()
    admin, stall = make.member(market, "admin"), make.stall(market, status="pending")

    resp = client.post(f"/api/v1/stalls/{stall.id}/approve", json={"reason": "서류 확인"}, headers=make.headers(admin))

    assert resp.status_code == 200
    assert resp.json["status"] == "active" and resp.json["status_reason"] == "서류 확인"
    assert _stall_ids(client, market) == [stall.id]
    assert client.get(f"/api/v1/stalls/{stall.id}").status_code == 200


def test_stall_approval_needs_no_body(client, make):
    market = make.market()
    admin, stall = make.member(market, "admin"), make.stall(market, status="pending")

    resp = client.post(f"/api/v1/stalls/{stall.id}/approve", headers=make.headers(admin))

    assert resp.status_code == 200 and resp.json["status"] == "active"


def test_rejected_self_approval_by_the_merchant_is_403_and_stays_pending(client, make):
    market = make.market()
    stall = make.stall(market, status="pending")

    resp = client.post(f"/api/v1/stalls/{stall.id}/approve", json={}, headers=make.headers(stall_owner(stall)))

    assert resp.status_code == 403
    assert _status(stall) == "pending"


def test_rejected_approval_by_admin_of_another_market_is_404_and_stays_pending(client, make):
    """A pending stall is not public, so to another market's admin it does not exist at all."""
    market, other = make.market(), make.market()
    stall = make.stall(market, status="pending")

    resp = client.post(f"/api/v1/stalls/{stall.id}/approve", json={}, headers=make.headers(make.member(other)))

    assert resp.status_code == 404
    assert _status(stall) == "pending"


def test_rejected_suspension_by_admin_of_another_market_is_403_and_stays_active(client, make):
    market, other = make.market(), make.market()
    stall = make.stall(market)

    resp = client.post(f"/api/v1/stalls/{stall.id}/suspend", json={}, headers=make.headers(make.member(other)))

    assert resp.status_code == 403
    assert _status(stall) == "active"


def test_rejected_approval_of_an_active_stall_is_409(client, make):
    market = make.market()
    admin, stall = make.member(market, "admin"), make.stall(market)

    resp = client.post(f"/api/v1/stalls/{stall.id}/approve", json={}, headers=make.headers(admin))

    assert resp.status_code == 409 and resp.json["code"] == 409
    assert _status(stall) == "active"


def test_suspended_stall_disappears_from_public_view_and_can_be_reinstated(client, make):
    market = make.market()
    admin, stall = make.member(market, "admin"), make.stall(market)

    suspended = client.post(f"/api/v1/stalls/{stall.id}/suspend", json={"reason": "위생 점검"},
                            headers=make.headers(admin))

    assert suspended.json["status"] == "suspended"
    assert _stall_ids(client, market) == []
    assert client.get(f"/api/v1/stalls/{stall.id}").status_code == 404
    assert client.post(f"/api/v1/stalls/{stall.id}/suspend", json={}, headers=make.headers(admin)).status_code == 409
    reinstated = client.post(f"/api/v1/stalls/{stall.id}/approve", json={}, headers=make.headers(admin))
    assert reinstated.json["status"] == "active" and _stall_ids(client, market) == [stall.id]


def test_pending_list_is_for_market_admins_only(client, make):
    market = make.market()
    admin, pending = make.member(market, "admin"), make.stall(market, status="pending")
    make.stall(market)

    listed = client.get(f"/api/v1/markets/{market.id}/stalls?status=pending", headers=make.headers(admin))

    assert [s["id"] for s in listed.json] == [pending.id]
    for headers in ({}, make.headers(make.user()), make.headers(make.member(market, "courier")),
                    make.headers(stall_owner(pending))):
        refused = client.get(f"/api/v1/markets/{market.id}/stalls?status=pending", headers=headers)
        assert refused.status_code == 403 and refused.json["code"] == 403


@pytest.mark.parametrize(("change", "field"), [
    ({"x": 101}, "x"),
    ({"y": -1}, "y"),
    ({"hours": {"mon": "9시-6시"}}, "hours"),
    ({"hours": {"someday": "09:00-18:00"}}, "hours"),
    ({"hours": {"mon": "10:00-10:00"}}, "hours"),
    ({"category": "weapons"}, "category"),
    ({"aisle": "b12"}, "aisle"),
    ({"status": "active"}, "status"),
], ids=["x-outside-map", "negative-y", "hours-text", "hours-weekday", "hours-empty-range", "category", "aisle",
        "status-not-writable"])
def test_rejected_stall_application_is_422_naming_the_field_and_writes_nothing(client, make, change, field):
    market = make.market(map_width=100, map_height=50)

    resp = client.post(f"/api/v1/markets/{market.id}/stalls", json=APPLICATION | change,
                       headers=make.headers(make.user()))

    assert resp.status_code == 422
    assert list(resp.json["errors"]["json"]) == [field]
    assert make.count(Stall) == 0


def test_owner_patch_changes_only_the_fields_sent(client, make):
    market = make.market()
    stall = make.stall(market, name="원조 떡집", category="rice_cakes", aisle="A-1", map_x=5, map_y=5)

    resp = client.patch(f"/api/v1/stalls/{stall.id}", json={"description": "매일 아침 쪄요", "x": 7},
                        headers=make.headers(stall_owner(stall)))

    assert resp.status_code == 200
    assert (resp.json["description"], resp.json["x"], resp.json["y"]) == ("매일 아침 쪄요", 7, 5)
    assert (resp.json["name"], resp.json["aisle"], resp.json["open_now"]) == ("원조 떡집", "A-1", True)


def test_rejected_patch_by_another_merchant_is_403_and_changes_nothing(client, make, snapshot):
    market = make.market()
    stall, rival = make.stall(market), make.stall(market)
    before = snapshot(Stall)

    resp = client.patch(f"/api/v1/stalls/{stall.id}", json={"name": "가로챈 가게"},
                        headers=make.headers(stall_owner(rival)))

    assert resp.status_code == 403
    assert snapshot(Stall) == before


def test_rejected_patch_outside_the_map_is_422_naming_x_and_changes_nothing(client, make, snapshot):
    market = make.market(map_width=60)
    stall = make.stall(market, map_x=10, map_y=10)
    before = snapshot(Stall)

    resp = client.patch(f"/api/v1/stalls/{stall.id}", json={"x": 61, "name": "새 이름"},
                        headers=make.headers(stall_owner(stall)))

    assert resp.status_code == 422 and list(resp.json["errors"]["json"]) == ["x"]
    assert snapshot(Stall) == before


def stall_owner(stall: Stall) -> User:
    return db.session.get(User, stall.owner_id)


def _status(stall: Stall) -> str:
    db.session.expire_all()
    return db.session.get(Stall, stall.id).status.value
