"""Creating markets (platform admins only) and editing them (that market's admins only)."""

import pytest

from market_app.markets.models import Market


def test_platform_admin_creates_a_market(client, make, market_body):
    resp = client.post("/api/v1/markets", json=market_body, headers=make.headers(make.user(platform_admin=True)))

    assert resp.status_code == 201
    assert resp.json["slug"] == "tongin" and resp.json["name"] == "통인시장"
    assert resp.json["currency"] == "KRW" and resp.json["commission_bps"] == 250
    assert client.get(f"/api/v1/markets/{resp.json['id']}").json["region"] == "서울 종로구"


def test_market_timezone_defaults_to_seoul(client, make, market_body):
    del market_body["timezone"]

    resp = client.post("/api/v1/markets", json=market_body, headers=make.headers(make.user(platform_admin=True)))

    assert resp.json["timezone"] == "Asia/Seoul"


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("shopper", 403), ("market_admin", 403)])
def test_rejected_market_creation_by_non_platform_admin_writes_nothing(client, make, market_body, role, status):
    existing = make.market()
    headers = {"anonymous": {}, "shopper": make.headers(make.user()),
               "market_admin": make.headers(make.member(existing, "admin"))}[role]

    resp = client.post("/api/v1/markets", json=market_body, headers=headers)

    assert resp.status_code == status and resp.json["code"] == status
    assert make.count(Market) == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"slug": "Tong In"}, "slug"),
    ({"timezone": "Asia/Pyongyang-ish"}, "timezone"),
    ({"lat": 91}, "lat"),
    ({"commission_bps": 5000}, "commission_bps"),
    ({"commission_bps": 2.5}, "commission_bps"),
    ({"owner": "상인회"}, "owner"),
], ids=["bad-slug", "unknown-timezone", "lat-91", "commission-over-30pct", "float-commission", "unknown-field"])
def test_rejected_market_body_is_422_naming_the_field_and_writes_nothing(client, make, market_body, change, field):
    resp = client.post("/api/v1/markets", json=market_body | change,
                       headers=make.headers(make.user(platform_admin=True)))

    assert resp.status_code == 422
    assert list(resp.json["errors"]["json"]) == [field]
    assert make.count(Market) == 0


def test_rejected_duplicate_slug_is_409_and_keeps_one_market(client, make, market_body):
    make.market(slug="tongin")

    resp = client.post("/api/v1/markets", json=market_body, headers=make.headers(make.user(platform_admin=True)))

    assert resp.status_code == 409
    assert "slug" in resp.json["errors"]["json"]
    assert make.count(Market) == 1


def test_market_admin_patch_changes_only_the_fields_sent(client, make, snapshot):
    market = make.market(name="망원시장", commission_bps=300, timezone="Asia/Seoul")
    admin = make.member(market, "admin")
    before = dict(snapshot(Market)["markets"][0]._mapping)

    resp = client.patch(f"/api/v1/markets/{market.id}", json={"name": "망원월드컵시장"}, headers=make.headers(admin))

    assert resp.status_code == 200 and resp.json["name"] == "망원월드컵시장"
    after = dict(snapshot(Market)["markets"][0]._mapping)
    changed = {key for key in before if before[key] != after[key]}
    assert changed == {"name", "updated_at"}


def test_rejected_market_patch_to_a_taken_slug_is_409(client, make, snapshot):
    market = make.market()
    make.market(slug="gwangjang")
    before = snapshot(Market)

    resp = client.patch(f"/api/v1/markets/{market.id}", json={"slug": "gwangjang"},
                        headers=make.headers(make.member(market, "admin")))

    assert resp.status_code == 409
    assert snapshot(Market) == before


@pytest.mark.parametrize("role", ["admin_of_another_market", "courier", "shopper"])
def test_rejected_market_patch_by_non_admin_is_403_and_changes_nothing(client, make, snapshot, role):
    market, other = make.market(), make.market()
    user = {"admin_of_another_market": lambda: make.member(other, "admin"),
            "courier": lambda: make.member(market, "courier"), "shopper": make.user}[role]()
    before = snapshot(Market)

    resp = client.patch(f"/api/v1/markets/{market.id}", json={"commission_bps": 0}, headers=make.headers(user))

    assert resp.status_code == 403
    assert snapshot(Market) == before


def test_rejected_market_patch_with_bad_value_is_422_and_changes_nothing(client, make, snapshot):
    market = make.market()
    before = snapshot(Market)

    resp = client.patch(f"/api/v1/markets/{market.id}", json={"commission_bps": 5000, "name": "새 이름"},
                        headers=make.headers(make.member(market, "admin")))

    assert resp.status_code == 422 and "commission_bps" in resp.json["errors"]["json"]
    assert snapshot(Market) == before


def test_reading_an_unknown_market_is_404(client):
    resp = client.get("/api/v1/markets/999999")

    assert resp.status_code == 404 and resp.json["message"] == "Market not found."
