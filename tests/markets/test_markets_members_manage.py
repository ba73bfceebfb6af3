"""Who appoints whom: only the platform admin appoints or removes a market's admins; the market's admins add and
remove its couriers. DELETE /markets/{id}/members/{user_id} removes all of that user's memberships of the market,
or only ?role=..."""


from market_app.markets.models import Membership
from tests.helpers import API, assert_error


def members(market) -> str:
    return f"{API}/markets/{market.id}/members"


def test_market_admin_may_not_appoint_another_admin(client, make, snapshot):
    market = make.market()
    admin, candidate = make.member(market, "admin"), make.user()
    before = snapshot(Membership)

    resp = client.post(members(market), json={"email": candidate.email, "role": "admin"}, headers=make.headers(admin))

    assert_error(resp, 403)
    assert snapshot(Membership) == before


def test_platform_admin_appoints_a_market_admin(client, make):
    market = make.market()
    candidate = make.user()

    resp = client.post(members(market), json={"email": candidate.email, "role": "admin"},
                       headers=make.headers(make.user(platform_admin=True)))

    assert resp.status_code == 201
    assert (resp.json["user_id"], resp.json["role"], resp.json["email"]) == (candidate.id, "admin", candidate.email)


def test_market_admin_adds_and_removes_a_courier(client, make):
    market = make.market()
    admin, courier = make.member(market, "admin"), make.user("배달원")
    headers = make.headers(admin)

    added = client.post(members(market), json={"email": courier.email, "role": "courier"}, headers=headers)
    removed = client.delete(f"{members(market)}/{courier.id}?role=courier", headers=headers)

    assert added.status_code == 201 and removed.status_code == 204
    assert [m["role"] for m in client.get(members(market), headers=headers).json] == ["admin"]
    assert client.get(f"{API}/me", headers=make.headers(courier)).json["memberships"] == []


def test_market_admin_may_not_remove_an_admin(client, make, snapshot):
    market = make.market()
    admin, other_admin = make.member(market, "admin"), make.member(market, "admin")
    before = snapshot(Membership)

    by_role = client.delete(f"{members(market)}/{other_admin.id}?role=admin", headers=make.headers(admin))
    every_role = client.delete(f"{members(market)}/{other_admin.id}", headers=make.headers(admin))

    assert_error(by_role, 403)
    assert_error(every_role, 403)
    assert snapshot(Membership) == before


def test_removing_without_a_role_removes_every_membership_of_that_market_only(client, make):
    market, other = make.market(), make.market()
    person = make.member(market, "admin")
    make.member(market, "courier", user=person)
    make.member(other, "courier", user=person)

    resp = client.delete(f"{members(market)}/{person.id}", headers=make.headers(make.user(platform_admin=True)))

    assert resp.status_code == 204
    assert [(m["market_id"], m["role"]) for m in client.get(f"{API}/me", headers=make.headers(person)).json[
        "memberships"]] == [(other.id, "courier")]


def test_removing_someone_who_is_not_a_member_or_not_in_that_role_is_404(client, make):
    market = make.market()
    admin, other_admin = make.member(market, "admin"), make.member(market, "admin")
    headers = make.headers(admin)

    stranger = client.delete(f"{members(market)}/{make.user().id}", headers=headers)
    not_a_courier = client.delete(f"{members(market)}/{other_admin.id}?role=courier", headers=headers)

    assert_error(stranger, 404)
    assert_error(not_a_courier, 404)
    assert make.count(Membership) == 2


def test_removing_with_an_unknown_role_is_422_naming_role(client, make):
    market = make.market()
    admin, courier = make.member(market, "admin"), make.member(market, "courier")

    resp = client.delete(f"{members(market)}/{courier.id}?role=owner", headers=make.headers(admin))

    assert "role" in assert_error(resp, 422)["query"]
    assert make.count(Membership) == 2
