"""Every dashboards route refused to every role that may not use it (nothing written), allowed to those who may,
and a meta-test that no dashboards route is missing from the matrix."""


import pytest

from tests.helpers import RoleWorld, every_row, role_world

STRANGERS = {"anonymous": 401, "shopper": 403, "other_merchant": 403, "other_market_admin": 403, "courier": 403}
ADMINS_ONLY = STRANGERS | {"merchant": 403}
# A stall that is not active yet is not found for those who may not see it.
PENDING_STALL = {role: 404 for role in STRANGERS} | {"anonymous": 401}

# name: (url, {role: expected status}, roles allowed)
MATRIX = {
    "stall dashboard": ("/stalls/{stall}/dashboard", STRANGERS, ("merchant", "market_admin", "platform_admin")),
    "pending stall dashboard": ("/stalls/{pending_stall}/dashboard", PENDING_STALL, ("merchant", "market_admin")),
    "owner dashboard": ("/me/dashboard", {"anonymous": 401, "shopper": 403, "courier": 403, "market_admin": 403,
                                          "other_market_admin": 403}, ("merchant", "other_merchant")),
    "market dashboard": ("/markets/{market}/dashboard", ADMINS_ONLY, ("market_admin", "platform_admin")),
    "market sales csv": ("/markets/{market}/reports/sales.csv", ADMINS_ONLY, ("market_admin", "platform_admin")),
    "stall sales csv": ("/stalls/{stall}/reports/sales.csv", STRANGERS, ("merchant", "market_admin")),
    "daily sheet": ("/stalls/{stall}/daily-sheet", STRANGERS, ("merchant", "market_admin")),
}
CASES = [pytest.param(name, role, status, id=f"{name}-{role}")
         for name, (_url, refusals, _allowed) in MATRIX.items() for role, status in refusals.items()]
ALLOWED = [pytest.param(name, role, id=f"{name}-{role}")
           for name, (_url, _refusals, allowed) in MATRIX.items() for role in allowed]


@pytest.fixture
def world(make) -> RoleWorld:
    return role_world(make)


@pytest.mark.parametrize(("name", "role", "status"), CASES)
def test_refused_dashboards_route_for_role_changes_nothing(client, world, name, role, status):
    url = "/api/v1" + MATRIX[name][0].format(**world.ids)
    before = every_row()

    resp = client.get(url, headers=world.headers[role])

    assert resp.status_code == status, resp.json
    assert resp.json["code"] == status and resp.json["message"]
    assert every_row() == before


@pytest.mark.parametrize(("name", "role"), ALLOWED)
def test_allowed_role_gets_the_route(client, world, name, role):
    resp = client.get("/api/v1" + MATRIX[name][0].format(**world.ids), headers=world.headers[role])

    assert resp.status_code == 200, resp.data[:300]


def test_every_dashboards_route_is_in_the_matrix(app):
    routes = {rule.rule.removeprefix("/api/v1") for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("dashboards.")}
    covered = {url.replace("{stall}", "<int:stall_id>").replace("{pending_stall}", "<int:stall_id>")
               .replace("{market}", "<int:market_id>") for url, _refusals, _allowed in MATRIX.values()}

    assert routes and routes == covered
