"""Every protected foundation route refused to every role that may not use it, with nothing changed.

The world: market M with its admin, a courier, a merchant's active stall (with a product) and pending stall,
another merchant's stall; market M2 with its own admin; and a plain shopper.
"""


import pytest

from tests.helpers import RoleWorld, every_row, role_world

STRANGERS = {"anonymous": 401, "shopper": 403, "other_merchant": 403, "other_market_admin": 403, "courier": 403}
NOT_FOUND_TO_STRANGERS = {role: 404 for role in STRANGERS} | {"anonymous": 401}

PRODUCT = {"name": "순대", "unit": "1인분", "price": 5000}
MARKET = {"name": "광장시장", "slug": "gwangjang", "region": "서울 종로구", "address": "서울 종로구 창경궁로 88",
          "lat": 37.57, "lng": 126.9996}

# route: (method, url, body, {role: expected status})
MATRIX = {
    "create market": ("POST", "/markets", MARKET, STRANGERS | {"market_admin": 403, "merchant": 403}),
    "edit market": ("PATCH", "/markets/{market}", {"commission_bps": 0}, STRANGERS | {"merchant": 403}),
    "list members": ("GET", "/markets/{market}/members", None, STRANGERS | {"merchant": 403}),
    "add member": ("POST", "/markets/{market}/members", {"email": "{shopper_email}", "role": "courier"},
                   STRANGERS | {"merchant": 403}),
    "appoint market admin": ("POST", "/markets/{market}/members", {"email": "{shopper_email}", "role": "admin"},
                             STRANGERS | {"merchant": 403, "market_admin": 403}),
    "remove courier": ("DELETE", "/markets/{market}/members/{courier}?role=courier", None,
                       STRANGERS | {"merchant": 403}),
    "remove market admin": ("DELETE", "/markets/{market}/members/{market_admin}", None,
                            STRANGERS | {"merchant": 403, "market_admin": 403}),
    "list pending stalls": ("GET", "/markets/{market}/stalls?status=pending", None,
                            STRANGERS | {"anonymous": 403, "merchant": 403}),
    # A pending stall is invisible to strangers; its own merchant sees it but may not approve it.
    "approve stall": ("POST", "/stalls/{pending_stall}/approve", {}, NOT_FOUND_TO_STRANGERS | {"merchant": 403}),
    "suspend stall": ("POST", "/stalls/{stall}/suspend", {"reason": "x"}, STRANGERS | {"merchant": 403}),
    "edit stall": ("PATCH", "/stalls/{stall}", {"name": "뺏은 가게", "x": 1}, STRANGERS),
    "add product": ("POST", "/stalls/{stall}/products", PRODUCT, STRANGERS | {"market_admin": 403}),
    "edit product": ("PATCH", "/products/{product}", {"price": 1, "stock": 0}, STRANGERS | {"market_admin": 403}),
    "delete product": ("DELETE", "/products/{product}", None, STRANGERS | {"market_admin": 403}),
}

CASES = [pytest.param(route, role, status, id=f"{route}-{role}")
         for route, (_m, _u, _b, refusals) in MATRIX.items() for role, status in refusals.items()]


@pytest.fixture
def world(make) -> RoleWorld:
    world = role_world(make)
    world.ids |= {"shopper_email": world.users["shopper"].email, "courier": world.users["courier"].id,
                  "market_admin": world.users["market_admin"].id}
    return world


def _fill(value, ids: dict):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    return value




@pytest.mark.parametrize(("route", "role", "status"), CASES)
def test_rejected_protected_route_for_role_changes_nothing(client, world, route, role, status):
    method, url, body, _ = MATRIX[route]
    before = every_row()

    resp = client.open("/api/v1" + _fill(url, world.ids), method=method, json=_fill(body, world.ids),
                       headers=world.headers[role])

    assert resp.status_code == status, resp.json
    assert resp.json["code"] == status and resp.json["message"]
    assert every_row() == before


ALLOWED = {"create market": "platform_admin", "edit market": "market_admin", "list members": "market_admin",
           "add member": "market_admin", "appoint market admin": "platform_admin", "remove courier": "market_admin",
           "remove market admin": "platform_admin", "list pending stalls": "market_admin",
           "approve stall": "market_admin",
           "suspend stall": "market_admin", "edit stall": "merchant", "add product": "merchant",
           "edit product": "merchant", "delete product": "merchant"}


@pytest.mark.parametrize(("route", "role"), ALLOWED.items())
def test_allowed_role_passes_the_same_route(client, world, route, role):
    """The matrix's requests are well-formed: the role that may use each route gets a 2xx."""
    method, url, body, _ = MATRIX[route]

    resp = client.open("/api/v1" + _fill(url, world.ids), method=method, json=_fill(body, world.ids),
                       headers=world.headers[role])

    assert 200 <= resp.status_code < 300, resp.json


def test_every_matrix_route_has_an_allowed_role():
    assert ALLOWED.keys() == MATRIX.keys()
