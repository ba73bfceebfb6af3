"""Market members: a market's admins appoint couriers and admins by email, and only they see the list."""

import json

import pytest

from market_app.markets.models import Membership


def test_market_admin_adds_a_courier_by_email(client, make):
    market = make.market()
    admin, courier = make.member(market, "admin"), make.user("배달원")

    resp = client.post(f"/api/v1/markets/{market.id}/members", json={"email": courier.email.upper(), "role": "courier"},
                       headers=make.headers(admin))

    assert resp.status_code == 201
    assert resp.json == {"id": resp.json["id"], "market_id": market.id, "user_id": courier.id, "role": "courier",
                         "email": courier.email, "name": courier.name}
    me = client.get("/api/v1/me", headers=make.headers(courier)).json
    assert me["memberships"][0]["role"] == "courier"


def test_rejected_member_with_unknown_email_is_422_naming_email(client, make):
    market = make.market()
    admin = make.member(market, "admin")

    resp = client.post(f"/api/v1/markets/{market.id}/members", json={"email": "nobody@example.kr", "role": "courier"},
                       headers=make.headers(admin))

    assert resp.status_code == 422
    assert "email" in resp.json["errors"]["json"]
    assert make.count(Membership) == 1


def test_rejected_member_with_unknown_role_is_422_naming_role(client, make):
    market = make.market()
    admin = make.member(market, "admin")

    resp = client.post(f"/api/v1/markets/{market.id}/members", json={"email": make.user().email, "role": "owner"},
                       headers=make.headers(admin))

    assert resp.status_code == 422 and "role" in resp.json["errors"]["json"]
    assert make.count(Membership) == 1


def test_rejected_duplicate_membership_is_409_and_keeps_one(client, make):
    market = make.market()
    admin, courier = make.member(market, "admin"), make.member(market, "courier")

    resp = client.post(f"/api/v1/markets/{market.id}/members", json={"email": courier.email, "role": "courier"},
                       headers=make.headers(admin))

    assert resp.status_code == 409
    assert make.count(Membership) == 2


@pytest.mark.parametrize("role", ["shopper", "courier", "admin_of_another_market"])
def test_rejected_member_appointment_by_non_admin_is_403_and_writes_nothing(client, make, role):
    market, other = make.market(), make.market()
    user = {"shopper": make.user, "courier": lambda: make.member(market, "courier"),
            "admin_of_another_market": lambda: make.member(other, "admin")}[role]()
    before = make.count(Membership)

    resp = client.post(f"/api/v1/markets/{market.id}/members", json={"email": user.email, "role": "admin"},
                       headers=make.headers(user))

    assert resp.status_code == 403
    assert make.count(Membership) == before


def test_member_list_is_for_the_market_admins_only(client, make):
    market = make.market()
    admin, courier = make.member(market, "admin"), make.member(market, "courier")

    listed = client.get(f"/api/v1/markets/{market.id}/members", headers=make.headers(admin))
    by_courier = client.get(f"/api/v1/markets/{market.id}/members", headers=make.headers(courier))
    by_shopper = client.get(f"/api/v1/markets/{market.id}/members", headers=make.headers(make.user()))
    anonymous = client.get(f"/api/v1/markets/{market.id}/members")

    assert listed.status_code == 200
    assert [(m["user_id"], m["role"]) for m in listed.json] == [(admin.id, "admin"), (courier.id, "courier")]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 2
    assert (by_courier.status_code, by_shopper.status_code, anonymous.status_code) == (403, 403, 401)
