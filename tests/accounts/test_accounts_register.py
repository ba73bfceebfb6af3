"""Registration: a shopper account is created once, with a normalized email and no password echoed back."""

import pytest

from market_app.accounts.models import User
from market_app.extensions import db

GOOD = {"email": "Kim.Minji@Example.KR", "password": "correct-horse-9", "name": "김민지"}


def test_registered_account_is_created_with_normalized_email_and_no_password(client, make):
    resp = client.post("/api/v1/auth/register", json=GOOD)

    assert resp.status_code == 201
    assert resp.json["email"] == "kim.minji@example.kr"
    assert resp.json["name"] == "김민지"
    assert isinstance(resp.json["id"], int)
    assert "password" not in resp.json and "password_hash" not in resp.json
    assert "correct-horse-9" not in resp.get_data(as_text=True)
    user = db.session.get(User, resp.json["id"])
    assert user.email == "kim.minji@example.kr"
    assert user.password_hash.startswith("$argon2id$")


def test_registering_a_taken_email_in_other_case_is_refused_with_409_and_one_user_stays(client, make):
    assert client.post("/api/v1/auth/register", json=GOOD).status_code == 201

    resp = client.post("/api/v1/auth/register", json=GOOD | {"email": "KIM.MINJI@example.kr", "name": "다른 사람"})

    assert resp.status_code == 409
    assert resp.json["code"] == 409 and "email" in resp.json["errors"]["json"]
    assert make.count(User) == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"password": "correct-horse-9", "name": "김민지"}, "email"),
    ({"email": "a@example.kr", "name": "김민지"}, "password"),
    ({"email": "a@example.kr", "password": "correct-horse-9"}, "name"),
    (GOOD | {"password": "short7!"}, "password"),
    (GOOD | {"email": "not-an-email"}, "email"),
    (GOOD | {"email": 12345}, "email"),
    (GOOD | {"password": 12345678}, "password"),
    (GOOD | {"name": ["김민지"]}, "name"),
    (GOOD | {"is_platform_admin": True}, "is_platform_admin"),
], ids=["missing-email", "missing-password", "missing-name", "short-password", "bad-email", "email-number",
        "password-number", "name-list", "unknown-field"])
def test_rejected_registration_names_the_field_and_writes_no_user(client, make, body, field):
    resp = client.post("/api/v1/auth/register", json=body)

    assert resp.status_code == 422
    assert resp.json["code"] == 422 and resp.json["status"] == "Unprocessable Entity"
    assert field in resp.json["errors"]["json"]
    assert make.count(User) == 0


def test_rejected_registration_with_malformed_json_is_400_and_writes_no_user(client, make):
    resp = client.post("/api/v1/auth/register", data='{"email": "a@example.kr",', content_type="application/json")

    assert resp.status_code == 400
    assert resp.json["code"] == 400 and resp.json["message"]
    assert make.count(User) == 0


def test_rejected_registration_as_form_data_is_415_and_writes_no_user(client, make):
    resp = client.post("/api/v1/auth/register", data=GOOD)

    assert resp.status_code == 415
    assert resp.is_json and resp.json["code"] == 415
    assert make.count(User) == 0
