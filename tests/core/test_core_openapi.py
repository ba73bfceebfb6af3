"""The OpenAPI document: every API operation is summarized and documents the errors it really gives."""

import re

import pytest

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def spec(client) -> dict:
    resp = client.get("/api/openapi.json")
    assert resp.status_code == 200
    return resp.json


def _operations(spec: dict):
    for path, item in spec["paths"].items():
        if path.startswith("/api/v1/"):
            for method in HTTP_METHODS:
                if method in item:
                    yield path, method, item[method]


def test_every_api_operation_has_a_summary_and_error_responses(spec):
    operations = list(_operations(spec))

    assert len(operations) >= 20
    for path, method, operation in operations:
        where = f"{method.upper()} {path}"
        assert operation.get("summary", "").strip(), f"{where} has no summary"
        errors = [code for code in operation["responses"] if code.startswith(("4", "5"))]
        assert errors, f"{where} documents no error response"
        for code in errors:
            ref = operation["responses"][code]["$ref"]
            response = spec["components"]["responses"][ref.rsplit("/", 1)[-1]]
            assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_the_error_schema_has_the_one_error_shape(spec):
    error = spec["components"]["schemas"]["Error"]

    assert {"code", "status", "message", "errors"} <= error["properties"].keys()


def test_every_error_an_anonymous_caller_gets_is_documented(client, spec):
    """Call each operation without a token and with an empty body: login-required ones must document 401."""
    refused_by_login = []
    for path, method, operation in _operations(spec):
        url = re.sub(r"\{[^}]+\}", "1", path)
        resp = client.open(url, method=method.upper(), json={} if method != "get" else None)
        assert resp.is_json, f"{method.upper()} {path} answered {resp.status_code} without JSON"
        if resp.status_code >= 400:
            assert str(resp.status_code) in operation["responses"], (
                f"{method.upper()} {path} answers {resp.status_code} but does not document it")
        if resp.status_code == 401:
            refused_by_login.append(f"{method.upper()} {path}")

    assert "GET /api/v1/me" in refused_by_login
    assert "POST /api/v1/markets" in refused_by_login
    assert "DELETE /api/v1/products/{product_id}" in refused_by_login


def test_interactive_docs_are_an_html_page(client):
    resp = client.get("/api/docs")

    assert resp.status_code == 200
    assert resp.mimetype == "text/html" and b"swagger" in resp.get_data().lower()
