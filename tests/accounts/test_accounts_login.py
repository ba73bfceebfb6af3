"""Login: a token for the right password, one vague 401 for anything else, and a rate limit."""

import pytest


def test_login_gives_a_bearer_token_that_opens_me(client, registered, login):
    resp = login("  SHOPPER@example.kr ", registered["password"])

    assert resp.status_code == 200
    assert resp.json["token_type"] == "Bearer"
    assert resp.json["expires_in"] == 12 * 3600
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {resp.json['access_token']}"})
    assert me.status_code == 200
    assert me.json["id"] == registered["id"] and me.json["email"] == "shopper@example.kr"


def test_rejected_login_with_wrong_password_or_unknown_email_is_the_same_401(registered, login):
    wrong_password = login(registered["email"], "not-the-password")
    unknown_email = login("nobody@example.kr", registered["password"])

    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json == unknown_email.json
    assert wrong_password.json["message"] == "Invalid email or password."
    assert "access_token" not in wrong_password.json


def test_rejected_login_without_password_is_422_naming_password(login):
    resp = login("shopper@example.kr", "")

    assert resp.status_code == 422
    assert "password" in resp.json["errors"]["json"]


@pytest.fixture
def three_logins_per_minute(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")


def test_rejected_fourth_login_in_a_minute_is_429_in_the_error_shape(registered, login, three_logins_per_minute):
    statuses = [login(registered["email"], "wrong-password").status_code for _ in range(3)]
    blocked = login(registered["email"], registered["password"])

    assert statuses == [401, 401, 401]
    assert blocked.status_code == 429
    assert blocked.json["code"] == 429 and blocked.json["status"] == "Too Many Requests"
    assert blocked.json["message"]
    assert "access_token" not in blocked.json
