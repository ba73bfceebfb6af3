"""Every error is JSON in one shape {code, status, message[, errors]}: never an HTML page or a traceback."""

import pytest

from market_app import create_app
from market_app.config import TestConfig
from market_app.extensions import db


def test_unknown_route_is_404_json(client):
    resp = client.get("/api/v1/no-such-thing")

    assert resp.status_code == 404 and resp.is_json
    assert resp.json["code"] == 404 and resp.json["status"] == "Not Found" and resp.json["message"]


def test_wrong_method_is_405_json(client):
    resp = client.delete("/api/v1/markets")

    assert resp.status_code == 405 and resp.is_json
    assert resp.json["code"] == 405 and resp.json["status"] == "Method Not Allowed"
    assert "GET" in resp.headers["Allow"]


def test_oversized_body_is_413_json(client):
    resp = client.post("/api/v1/auth/register", data="x" * (1024 * 1024 + 1), content_type="application/json")

    assert resp.status_code == 413 and resp.is_json and resp.json["code"] == 413


@pytest.fixture
def failing_app(app):
    """A second app on the same database with a route that raises, answering like production would."""

    class FailingConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        PROPAGATE_EXCEPTIONS = False

    failing = create_app(FailingConfig)

    @failing.get("/api/v1/boom")
    def boom():
        raise RuntimeError("secret-detail: database password is hunter2")

    yield failing
    with failing.app_context():
        db.engine.dispose()


def test_unhandled_exception_is_500_json_without_traceback(failing_app):
    resp = failing_app.test_client().get("/api/v1/boom")

    assert resp.status_code == 500 and resp.is_json
    assert resp.json == {"code": 500, "status": "Internal Server Error", "message": "Internal server error."}
    text = resp.get_data(as_text=True)
    assert "Traceback" not in text and "secret-detail" not in text and "RuntimeError" not in text


def test_healthz_reports_app_and_database_ok(client):
    resp = client.get("/healthz")

    assert resp.status_code == 200
    assert resp.json == {"status": "ok", "database": "ok"}
