"""Accounts an attacker probes: one spelling per email (NFKC, case-folded) everywhere, passwords that are not the
email nor a common one, a registration race that ends in one account, and a per-account login throttle kept in
the database (it holds across workers with or without Redis)."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from market_app.accounts import services
from market_app.accounts.models import LoginFailure, User
from market_app.core.db import utcnow
from market_app.extensions import db
from market_app.markets.models import Membership
from tests.helpers import API, assert_error

PASSWORD = "correct-horse-9"


def register(client, email: str, password: str = PASSWORD, name: str = "김민지"):
    return client.post(f"{API}/auth/register", json={"email": email, "password": password, "name": name})


def login(client, email: str, password: str = PASSWORD):
    return client.post(f"{API}/auth/login", json={"email": email, "password": password})


def test_full_width_and_case_variants_of_an_email_are_one_account(client, make):
    created = register(client, "Ｋｉｍ.Ｍｉｎｊｉ@Ｅｘａｍｐｌｅ.ＫＲ")

    again = register(client, "kim.minji@example.kr")
    signed_in = login(client, " KIM.MINJI@example.kr ")

    assert created.status_code == 201 and created.json["email"] == "kim.minji@example.kr"
    assert_error(again, 409)
    assert signed_in.status_code == 200
    assert make.count(User) == 1


def test_case_folding_goes_beyond_lower_case(client, make):
    created = register(client, "STRASSE@example.de")

    refused = register(client, "straße@example.de")

    assert created.json["email"] == "strasse@example.de"
    assert_error(refused, 409)
    assert login(client, "Straße@Example.DE").status_code == 200


def test_a_member_is_found_by_any_spelling_of_their_email(client, make):
    market = make.market()
    platform_admin = make.headers(make.user(platform_admin=True))
    courier = register(client, "courier@example.kr").json

    resp = client.post(f"{API}/markets/{market.id}/members", headers=platform_admin,
                       json={"email": "ＣＯＵＲＩＥＲ@example.kr", "role": "courier"})

    assert resp.status_code == 201, resp.json
    assert resp.json["user_id"] == courier["id"]


def test_create_admin_finds_the_account_by_any_spelling(app, client, make):
    register(client, "ops@example.kr")

    result = app.test_cli_runner().invoke(args=["create-admin", "--email", "ＯＰＳ@Example.kr", "--password", "x"])

    assert result.exit_code == 0, result.output
    assert make.count(User) == 1
    db.session.expire_all()
    assert db.session.scalar(sa.select(User.is_platform_admin)) is True


@pytest.mark.parametrize("password", ["password", "12345678", "qwerty123", "iloveyou", "Sunshine1", "PASSWORD1"])
def test_common_password_is_refused_naming_password(client, make, password):
    resp = register(client, "minji@example.kr", password)

    assert "password" in assert_error(resp, 422)["json"]
    assert make.count(User) == 0


@pytest.mark.parametrize("password", ["minji.kim@example.kr", "MINJI.KIM@EXAMPLE.KR", "minji.kim"])
def test_password_that_is_the_email_is_refused_naming_password(client, make, password):
    resp = register(client, "Minji.Kim@example.kr", password)

    assert "password" in assert_error(resp, 422)["json"]
    assert make.count(User) == 0


def test_create_admin_refuses_a_common_password(app, make):
    result = app.test_cli_runner().invoke(args=["create-admin", "--email", "ops@example.kr", "--password", "password1"])

    assert result.exit_code != 0 and "common" in result.output
    assert make.count(User) == 0


@pytest.mark.committing  # several connections: they must see each other's commits
def test_two_registrations_of_one_email_racing_make_one_account_and_a_409(app, make, monkeypatch):
    both_checked = threading.Barrier(2, timeout=10)
    check = services._email_taken

    def check_then_wait(email):
        taken = check(email)
        both_checked.wait()  # neither inserts before both have seen the email free
        return taken

    monkeypatch.setattr(services, "_email_taken", check_then_wait)
    statuses = []

    def attempt(name):
        try:
            resp = register(app.test_client(), "race@example.kr", name=name)
            statuses.append((resp.status_code, resp.json.get("code", resp.json.get("email"))))
        except Exception as error:  # noqa: BLE001 (shown in the assertion)
            statuses.append(repr(error))

    threads = [threading.Thread(target=attempt, args=(name,)) for name in ("첫째", "둘째")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses, key=str) == [(201, "race@example.kr"), (409, 409)]
    assert make.count(User) == 1


@pytest.fixture
def three_failures_per_window(app):
    saved = app.config["LOGIN_FAILURE_LIMIT"]
    app.config["LOGIN_FAILURE_LIMIT"] = 3
    yield
    app.config["LOGIN_FAILURE_LIMIT"] = saved


def test_after_three_failed_logins_the_account_is_throttled_with_retry_after(client, make, three_failures_per_window):
    register(client, "minji@example.kr")
    register(client, "neighbour@example.kr")

    failures = [login(client, "minji@example.kr", "wrong-password").status_code for _ in range(3)]
    blocked = login(client, "MINJI@example.kr")  # even the right password waits
    neighbour = login(client, "neighbour@example.kr")

    assert failures == [401, 401, 401]
    assert_error(blocked, 429)
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    assert "access_token" not in blocked.json
    assert neighbour.status_code == 200
    assert make.count(LoginFailure) == 3


def test_unknown_emails_are_throttled_alike(client, three_failures_per_window):
    statuses = [login(client, "nobody@example.kr").status_code for _ in range(4)]

    assert statuses == [401, 401, 401, 429]


def test_throttle_lifts_when_the_failures_leave_the_window_and_success_clears_them(client, make,
                                                                                  three_failures_per_window):
    register(client, "minji@example.kr")
    for _ in range(3):
        login(client, "minji@example.kr", "wrong-password")
    db.session.execute(sa.update(LoginFailure).values(created_at=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    login(client, "minji@example.kr", "wrong-password")

    resp = login(client, "minji@example.kr")

    assert resp.status_code == 200
    assert make.count(LoginFailure) == 0


def test_member_list_shows_each_members_email(client, make):
    market = make.market()
    admin, courier = make.member(market, "admin"), make.member(market, "courier")

    resp = client.get(f"{API}/markets/{market.id}/members", headers=make.headers(admin))

    assert [(m["email"], m["name"]) for m in resp.json] == [(admin.email, admin.name), (courier.email, courier.name)]
    assert make.count(Membership) == 2
