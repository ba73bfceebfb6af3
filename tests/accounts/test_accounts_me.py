"""GET /me: who the token belongs to, their roles; any token problem is a JSON 401."""

from datetime import timedelta

from flask_jwt_extended import create_access_token

from market_app.extensions import db


def test_me_lists_memberships_owned_stalls_and_platform_admin_flag(client, make):
    market, other = make.market(name="망원시장"), make.market(name="통인시장")
    user = make.member(market, "admin")
    make.member(other, "courier", user=user)
    stall = make.stall(other, owner=user, status="pending", name="통인 떡집")

    resp = client.get("/api/v1/me", headers=make.headers(user))

    assert resp.status_code == 200
    assert resp.json["is_platform_admin"] is False
    assert resp.json["memberships"] == [
        {"market_id": market.id, "market_name": "망원시장", "role": "admin"},
        {"market_id": other.id, "market_name": "통인시장", "role": "courier"},
    ]
    assert resp.json["stalls"] == [{"id": stall.id, "market_id": other.id, "name": "통인 떡집", "status": "pending"}]


def test_me_says_when_the_user_is_a_platform_admin(client, make):
    resp = client.get("/api/v1/me", headers=make.headers(make.user(platform_admin=True)))

    assert resp.json["is_platform_admin"] is True
    assert resp.json["memberships"] == [] and resp.json["stalls"] == []


def test_rejected_me_without_token_is_401_json(client):
    resp = client.get("/api/v1/me")

    assert resp.status_code == 401
    assert resp.json["code"] == 401 and "token" in resp.json["message"]
    assert resp.headers["WWW-Authenticate"] == "Bearer"


def test_rejected_me_with_garbage_token_is_401_json(client):
    resp = client.get("/api/v1/me", headers={"Authorization": "Bearer not.a.jwt"})

    assert resp.status_code == 401
    assert resp.json["code"] == 401 and resp.json["message"].startswith("Invalid token")


def test_rejected_me_with_expired_token_is_401_json(client, make):
    token = create_access_token(identity=str(make.user().id), expires_delta=timedelta(seconds=-1))

    resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})

    assert resp.status_code == 401
    assert resp.json["code"] == 401 and "expired" in resp.json["message"]


def test_rejected_me_for_a_deleted_account_is_401_json(client, make):
    user = make.user()
    headers = make.headers(user)
    db.session.delete(user)
    db.session.commit()

    resp = client.get("/api/v1/me", headers=headers)

    assert resp.status_code == 401
    assert resp.json["code"] == 401
