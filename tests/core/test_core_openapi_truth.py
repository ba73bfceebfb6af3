"""The OpenAPI document says what the API really does: which operations need a token, what can be null, what the
X-Pagination header is, which bodies are required, and that every input has a bound (the fuzzer reads these)."""

import json
import re
from datetime import timedelta

import pytest
from flask_jwt_extended import create_access_token
from flask_smorest.pagination import PaginationMixin

from market_app.markets.models import Market, Stall
from tests.helpers import API, assert_error

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def spec(client) -> dict:
    return client.get("/api/openapi.json").json


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item and path.startswith(API):
                yield path, method, item[method]


def is_public(operation: dict) -> bool:
    return operation.get("security") == []


@pytest.fixture
def world(make, shop):
    """Real ids for every path parameter, so public reads answer 200."""
    stand = shop.stands[0]
    return {"market_id": shop.market.id, "stall_id": stand.stall.id, "product_id": stand.product.id,
            "order_id": 1, "stall_order_id": 1, "token": "no-such-token"}


def url_of(path: str, ids: dict) -> str:
    return re.sub(r"\{([^}]+)\}", lambda match: str(ids.get(match.group(1), 1)), path)


def test_public_operations_need_no_token_and_every_other_one_does(client, spec, world):
    for path, method, operation in operations(spec):
        resp = client.open(url_of(path, world), method=method.upper(), json={} if method != "get" else None)
        where = f"{method.upper()} {path}"
        if is_public(operation):
            assert resp.status_code != 401, f"{where} is documented public but refused an anonymous caller"
        else:
            assert resp.status_code == 401, f"{where} documents a bearer token but answered {resp.status_code}"


PUBLIC_READS = ["/markets", "/markets/{market_id}", "/markets/{market_id}/map", "/markets/{market_id}/stalls",
                "/markets/{market_id}/products", "/stalls/{stall_id}", "/stalls/{stall_id}/products",
                "/products/{product_id}"]


@pytest.mark.parametrize("path", PUBLIC_READS)
def test_invalid_or_expired_token_is_401_on_public_pages_too(client, make, world, path):
    user = make.user()
    expired = create_access_token(identity=str(user.id), expires_delta=timedelta(seconds=-60))
    url = API + url_of(path, world)

    anonymous = client.get(url)
    signed_in = client.get(url, headers=make.headers(user))
    garbage = client.get(url, headers={"Authorization": "Bearer not-a-token"})
    too_old = client.get(url, headers={"Authorization": f"Bearer {expired}"})

    assert (anonymous.status_code, signed_in.status_code) == (200, 200)
    for refused in (garbage, too_old):
        assert_error(refused, 401)
        assert refused.headers["WWW-Authenticate"] == "Bearer"


def test_x_pagination_is_documented_as_the_json_string_it_is(client, spec, world):
    paginated = [(path, op) for path, method, op in operations(spec)
                 if "X-Pagination" in op["responses"].get("200", {}).get("headers", {})]

    resp = client.get(f"{API}/markets/{world['market_id']}/stalls")

    assert len(paginated) >= 8
    for _path, operation in paginated:
        assert operation["responses"]["200"]["headers"]["X-Pagination"]["schema"] == {"type": "string"}
    assert json.loads(resp.headers["X-Pagination"])["total"] == 2


@pytest.mark.parametrize("total", [0, 1, 20, 21, 45])
def test_x_pagination_is_what_flask_smorests_metadata_schema_writes(client, make, total):
    """Our header is built as a dict, not dumped per request: the same JSON as flask-smorest's own, in every case
    (empty, one page, first, middle, last and past the last page)."""
    market = make.market()
    for n in range(total):
        make.stall(market, name=f"가게 {n:02d}")

    for page in (1, 2, 3, 4):
        resp = client.get(f"{API}/markets/{market.id}/stalls?page={page}&page_size=20")
        assert resp.status_code == 200
        assert resp.headers["X-Pagination"] == json.dumps(
            PaginationMixin._make_pagination_metadata(page, 20, total)), (total, page)


def _schema(spec: dict, name: str) -> dict:
    return spec["components"]["schemas"][name]["properties"]


def nullable(prop: dict) -> bool:
    """OpenAPI 3.1: {"type": [..., "null"]}, or anyOf with {"type": "null"} for a nested object."""
    return "null" in prop.get("type", []) or {"type": "null"} in prop.get("anyOf", [])


def test_fields_that_come_back_null_are_documented_nullable(client, spec, make):
    market = make.market()
    stall = make.stall(market)  # no aisle, no position, never suspended

    listed = client.get(f"{API}/markets").json[0]
    read = client.get(f"{API}/stalls/{stall.id}").json
    mapped = client.get(f"{API}/markets/{market.id}/map").json["stalls"][0]

    assert listed["distance_km"] is None and nullable(_schema(spec, "Market")["distance_km"])
    assert read["status_reason"] is None and nullable(_schema(spec, "Stall")["status_reason"])
    assert (mapped["aisle"], mapped["x"], mapped["y"]) == (None, None, None)
    assert all(nullable(_schema(spec, "MapStall")[name]) for name in ("aisle", "x", "y"))


def _request_body(operation: dict) -> dict | None:
    return operation.get("requestBody")


def test_patch_bodies_are_required_and_a_missing_one_is_422(client, spec, make, snapshot):
    market = make.market()
    owner = make.user("상인")
    stall = make.stall(market, owner=owner)
    product = make.product(stall)
    admin = make.headers(make.member(market, "admin"))
    before = snapshot(Market, Stall)

    answers = [client.patch(f"{API}/markets/{market.id}", headers=admin),
               client.patch(f"{API}/stalls/{stall.id}", headers=make.headers(owner)),
               client.patch(f"{API}/products/{product.id}", headers=make.headers(owner))]

    for path in ("/markets/{market_id}", "/stalls/{stall_id}", "/products/{product_id}"):
        assert spec["paths"][API + path]["patch"]["requestBody"]["required"] is True
    for resp in answers:
        assert "json" in assert_error(resp, 422)
    assert snapshot(Market, Stall) == before


def test_approval_body_is_documented_optional_and_may_be_left_out(client, spec, make):
    market = make.market()
    stall = make.stall(market, status="pending")

    resp = client.post(f"{API}/stalls/{stall.id}/approve", headers=make.headers(make.member(market, "admin")))

    assert resp.status_code == 200
    for action in ("approve", "suspend"):
        assert spec["paths"][f"{API}/stalls/{{stall_id}}/{action}"]["post"]["requestBody"]["required"] is False


UNBOUNDED_ALLOWED: set[str] = set()  # "Schema.field" of an input that may take any length (none today)


def _unbounded(spec: dict, schema: dict, where: str, seen: set) -> list[str]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        return _unbounded(spec, spec["components"]["schemas"][name], name, seen | {name})
    if schema.get("readOnly") or where in UNBOUNDED_ALLOWED:
        return []
    kind = schema.get("type")
    if isinstance(kind, list):  # ["string", "null"]
        kind = next((k for k in kind if k != "null"), None)
    problems = []
    if kind == "string" and "maxLength" not in schema and "enum" not in schema and "format" not in schema:
        problems.append(f"{where}: string without maxLength")
    if kind == "integer" and "maximum" not in schema:
        problems.append(f"{where}: integer without maximum")
    if kind == "array":
        if "maxItems" not in schema:
            problems.append(f"{where}: array without maxItems")
        problems += _unbounded(spec, schema.get("items", {}), f"{where}[]", seen)
    if kind == "object" or "properties" in schema:
        if schema.get("additionalProperties", True) is not False:
            problems.append(f"{where}: object that takes any key")
        for name, prop in schema.get("properties", {}).items():
            problems += _unbounded(spec, prop, f"{where}.{name}", seen)
    for option in schema.get("allOf", []) + schema.get("anyOf", []) + schema.get("oneOf", []):
        problems += _unbounded(spec, option, where, seen)
    return problems


def test_every_input_has_a_bound(spec):
    problems = []
    for path, method, operation in operations(spec):
        where = f"{method.upper()} {path}"
        for param in operation.get("parameters", []):
            if param["in"] in ("query", "header"):
                problems += _unbounded(spec, param["schema"], f"{where} {param['name']}", set())
        body = _request_body(operation)
        if body:
            problems += _unbounded(spec, body["content"]["application/json"]["schema"], where, set())

    assert problems == []
