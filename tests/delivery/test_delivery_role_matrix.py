"""Every protected delivery and desk route refused to every role that may not use it, with nothing changed; the
role that may use it passes; and a meta-test that every delivery route is either here or public.

The world: market M with its admin and a courier, a merchant whose stall sold to the shopper (a paid delivery
order and a paid pickup order), another merchant of M, another shopper; market M2 with its admin and courier.
"""

from dataclasses import dataclass

import pytest

from tests.helpers import API, every_row, next_slot_start, order_body, place_order

# Those who cannot see a delivery get a 404; those who see it but may not act, a 403.
OUTSIDERS = {"anonymous": 401, "other_shopper": 404, "merchant": 404, "other_merchant": 404,
             "other_market_admin": 404, "other_courier": 404}
MARKET_STAFF_ONLY = {"anonymous": 401, "shopper": 403, "other_shopper": 403, "merchant": 403, "other_merchant": 403,
                     "other_market_admin": 403, "other_courier": 403}
ADMIN_ONLY = MARKET_STAFF_ONLY | {"courier": 403}
COURIER_MOVE = OUTSIDERS | {"shopper": 403, "market_admin": 403}
ADMIN_MOVE = OUTSIDERS | {"shopper": 403, "courier": 403}
SETTINGS = {"enabled": True, "zones": [{"up_to_km": 2, "fee": 1}], "slot_minutes": 30, "slot_capacity": 1,
            "hours": {"mon": "10:00-11:00"}}

# route: (method, url, body, {role: expected status}, the role that may use it, steps that make its state right)
MATRIX = {
    "replace delivery settings": ("PUT", "/markets/{market}/delivery/settings", SETTINGS, ADMIN_ONLY,
                                  "market_admin", []),
    "list deliveries": ("GET", "/markets/{market}/deliveries", None, MARKET_STAFF_ONLY, "courier", []),
    "read delivery": ("GET", "/deliveries/{delivery}", None, OUTSIDERS, "shopper", []),
    "claim delivery": ("POST", "/deliveries/{delivery}/claim", {}, COURIER_MOVE, "courier", []),
    "assign delivery": ("POST", "/deliveries/{delivery}/assign", {"courier_id": "{courier}"}, ADMIN_MOVE,
                        "market_admin", []),
    "pick up delivery": ("POST", "/deliveries/{delivery}/pickup", {}, COURIER_MOVE, "courier", ["ready", "claim"]),
    "deliver delivery": ("POST", "/deliveries/{delivery}/deliver", {"note": "x"}, COURIER_MOVE, "courier",
                         ["ready", "claim", "pickup"]),
    "fail delivery": ("POST", "/deliveries/{delivery}/fail", {"reason": "x"}, COURIER_MOVE, "courier",
                      ["ready", "claim", "pickup"]),
    "reslot delivery": ("POST", "/deliveries/{delivery}/reslot", {"slot_start": "{slot}"}, ADMIN_MOVE,
                        "market_admin", []),
    "cancel delivery": ("POST", "/deliveries/{delivery}/cancel", {"reason": "x"}, ADMIN_MOVE, "market_admin", []),
    "pick list": ("GET", "/markets/{market}/delivery/pick-list?slot_start={slot_query}", None, MARKET_STAFF_ONLY,
                  "courier", []),
    "pick list csv": ("GET", "/markets/{market}/delivery/pick-list.csv?slot_start={slot_query}", None,
                      MARKET_STAFF_ONLY, "courier", []),
    "receive at the desk": ("POST", "/stall-orders/{pickup_part}/receive", {}, OUTSIDERS | {
        "shopper": 404, "merchant": 403}, "market_admin", ["pickup_part_ready"]),
    "list pickups": ("GET", "/markets/{market}/pickups", None, MARKET_STAFF_ONLY, "market_admin", []),
    "read pickup": ("GET", "/pickups/{pickup}", None, OUTSIDERS, "shopper", []),
    "collect pickup": ("POST", "/pickups/{pickup}/collect", {}, OUTSIDERS | {"shopper": 403}, "market_admin",
                       ["pickup_part_ready", "pickup_received"]),
}
# Public: anyone reads them, nothing to refuse.
PUBLIC = {("GET", "/markets/{market_id}/delivery/settings"), ("GET", "/markets/{market_id}/delivery/quote"),
          ("GET", "/markets/{market_id}/delivery/slots")}

CASES = [pytest.param(route, role, status, id=f"{route}-{role}")
         for route, (_m, _u, _b, refusals, _a, _s) in MATRIX.items() for role, status in refusals.items()]


@dataclass
class World:
    ids: dict
    headers: dict


@pytest.fixture
def world(client, make, open_stand, pay) -> World:
    market, other_market = make.market(), make.market()
    stand = open_stand(market, "배추", 3000, 50)
    open_stand(market, "사과", 2000, 50)
    shopper = make.user()
    users = {"shopper": shopper, "other_shopper": make.user(), "merchant": stand.owner,
             "other_merchant": make.user("옆가게"), "market_admin": make.member(market, "admin"),
             "courier": make.member(market, "courier"), "other_market_admin": make.member(other_market, "admin"),
             "other_courier": make.member(other_market, "courier")}
    make.stall(market, owner=users["other_merchant"])
    headers = {role: make.headers(user) for role, user in users.items()} | {"anonymous": {}}
    slot = next_slot_start()
    body = order_body(market, [(stand.product, 4)], "delivery")
    body["delivery"]["slot_start"] = slot
    placed = {kind: place_order(client, headers["shopper"], b).json
              for kind, b in (("delivery", body), ("pickup", order_body(market, [(stand.product, 1)])))}
    for order in placed.values():
        pay(order)
    read = {kind: client.get(f"{API}/orders/{o['id']}", headers=headers["shopper"]).json for kind, o in placed.items()}
    ids = {"market": market.id, "delivery": read["delivery"]["delivery_id"], "pickup": read["pickup"]["pickup_id"],
           "delivery_part": read["delivery"]["stall_orders"][0]["id"],
           "pickup_part": read["pickup"]["stall_orders"][0]["id"], "courier": users["courier"].id,
           "slot": next_slot_start(2), "slot_query": slot.replace("+", "%2B")}
    return World(ids, headers | {"stand": stand.headers})


def _fill(value, ids: dict):
    if isinstance(value, str):
        filled = value.format(**ids)
        return int(filled) if value.startswith("{") and filled.isdigit() else filled
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    return value




@pytest.mark.parametrize(("route", "role", "status"), CASES)
def test_refused_delivery_route_for_role_changes_nothing(client, world, route, role, status):
    method, url, body, *_ = MATRIX[route]
    before = every_row()

    resp = client.open(API + _fill(url, world.ids), method=method, json=_fill(body, world.ids),
                       headers=world.headers[role])

    assert resp.status_code == status, resp.json
    assert resp.json["code"] == status and resp.json["message"]
    assert every_row() == before


def _step(client, world: World, step: str) -> None:
    ids, h = world.ids, world.headers
    calls = {
        "ready": [(f"/stall-orders/{ids['delivery_part']}/{a}", h["stand"]) for a in ("accept", "ready")],
        "claim": [(f"/deliveries/{ids['delivery']}/claim", h["courier"])],
        "pickup": [(f"/deliveries/{ids['delivery']}/pickup", h["courier"])],
        "pickup_part_ready": [(f"/stall-orders/{ids['pickup_part']}/{a}", h["stand"]) for a in ("accept", "ready")],
        "pickup_received": [(f"/stall-orders/{ids['pickup_part']}/receive", h["market_admin"])],
    }[step]
    for url, headers in calls:
        resp = client.post(API + url, json={}, headers=headers)
        assert resp.status_code == 200, (step, resp.json)


@pytest.mark.parametrize("route", MATRIX)
def test_the_role_that_may_use_a_delivery_route_passes(client, world, route):
    method, url, body, _refusals, role, steps = MATRIX[route]
    for step in steps:
        _step(client, world, step)

    resp = client.open(API + _fill(url, world.ids), method=method, json=_fill(body, world.ids),
                       headers=world.headers[role])

    assert 200 <= resp.status_code < 300, resp.json if resp.is_json else resp.status_code


def test_every_delivery_route_is_in_the_matrix_or_public(app):
    routes = {(method, rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace(">", "}"))
              for rule in app.url_map.iter_rules() if rule.endpoint.split(".")[0] in ("delivery", "desk")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    in_matrix = {(method, url.split("?")[0].replace("{market}", "{market_id}").replace("{delivery}", "{delivery_id}")
                  .replace("{pickup_part}", "{stall_order_id}").replace("{pickup}", "{pickup_id}"))
                 for method, url, *_ in MATRIX.values()}

    assert routes == in_matrix | PUBLIC
