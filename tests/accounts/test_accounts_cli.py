"""`flask create-admin`: makes a platform admin who can sign in, or promotes an existing account."""

import sqlalchemy as sa

from market_app.accounts.models import User
from market_app.extensions import db


def _user(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).filter_by(email=email))


def test_create_admin_makes_a_platform_admin_who_can_sign_in(app, client):
    result = app.test_cli_runner().invoke(args=["create-admin", "--email", "Ops@Example.KR", "--name", "운영자",
                                                "--password", "operator-pass-1"])

    assert result.exit_code == 0, result.output
    assert "platform admin: ops@example.kr" in result.output
    token = client.post("/api/v1/auth/login", json={"email": "ops@example.kr", "password": "operator-pass-1"}).json
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.json["is_platform_admin"] is True and me.json["name"] == "운영자"


def test_create_admin_promotes_an_existing_account_without_a_second_user(app, make):
    shopper = make.user()

    result = app.test_cli_runner().invoke(args=["create-admin", "--email", shopper.email, "--password", "ignored-pass"])

    assert result.exit_code == 0, result.output
    assert _user(shopper.email).is_platform_admin is True
    assert make.count(User) == 1
