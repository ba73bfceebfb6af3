"""Observability: a request id on every response and log line (and on the jobs a request queues), one JSON
access line per request, Prometheus metrics, and a readiness check that names what is down."""

import json
import logging

import pytest

from market_app.core import health, jobs
from market_app.core.jobs import huey_of
from market_app.core.logs import HEADER
from market_app.markets.models import Market
from tests.helpers import API, assert_error
from tests.localstripe_plugin import free_port


def _json_line(record: logging.LogRecord) -> dict:
    """The record as the app's root handler writes it."""
    [handler] = [h for h in logging.getLogger().handlers if getattr(h, "_market_app", False)]
    for log_filter in handler.filters:
        log_filter.filter(record)
    return json.loads(handler.format(record))


def test_every_response_carries_a_generated_request_id(client):
    first, second = client.get(f"{API}/markets"), client.get(f"{API}/markets")

    assert len(first.headers[HEADER]) == 32 and first.headers[HEADER] != second.headers[HEADER]


def test_a_given_request_id_is_kept(client):
    resp = client.get(f"{API}/markets", headers={HEADER: "nginx-3f2a.17"})

    assert resp.headers[HEADER] == "nginx-3f2a.17"


@pytest.mark.parametrize("bad", ["x" * 129, "a b", "id\u0000", "한글"])
def test_a_malformed_request_id_is_refused_naming_the_header_and_writes_nothing(client, make, bad, snapshot):
    admin = make.user(platform_admin=True)
    before = snapshot(Market)

    resp = client.post(f"{API}/markets", json={"name": "x"}, headers=make.headers(admin) | {HEADER: bad})

    assert_error(resp, 400, HEADER, location="headers")
    assert len(resp.headers[HEADER]) == 32  # a fresh id to quote, not the refused one
    assert snapshot(Market) == before


def test_one_json_access_line_per_request_with_its_id_and_timing(client, caplog):
    with caplog.at_level(logging.INFO, logger="market_app.access"):
        resp = client.get(f"{API}/markets/12345", headers={HEADER: "trace-me"})

    [record] = [r for r in caplog.records if r.name == "market_app.access"]
    line = _json_line(record)
    assert {key: line[key] for key in ("level", "logger", "method", "path", "route", "status", "request_id")} == {
        "level": "INFO", "logger": "market_app.access", "method": "GET", "path": "/api/v1/markets/12345",
        "route": "/api/v1/markets/<int:market_id>", "status": 404, "request_id": "trace-me"}
    assert resp.status_code == 404 and line["duration_ms"] >= 0 and line["time"]


def test_jobs_queued_during_a_request_carry_its_id(client, app, shop, checkout):
    huey_of(app).flush()
    resp = client.post(f"{API}/orders", json={"market_id": shop.market.id, "fulfillment": "pickup",
                                               "items": [{"product_id": shop.stands[0].product.id, "quantity": 1}]},
                       headers=shop.headers | {"Idempotency-Key": "k-1", HEADER: "order-rush-1"})

    assert resp.status_code == 201, resp.json
    [expiry] = huey_of(app).scheduled()  # inline mode keeps scheduled jobs in memory
    assert expiry.name == "orders.expire_order" and expiry.kwargs == {"_request_id": "order-rush-1"}
    huey_of(app).flush()


def _metrics(client) -> str:
    resp = client.get("/metrics")
    assert resp.status_code == 200 and resp.mimetype == "text/plain"
    return resp.text


def _sample(text: str, name: str, labels: str = "") -> float:
    prefix = f"{name}{{{labels}}} " if labels else f"{name} "
    values = [float(line.removeprefix(prefix)) for line in text.splitlines() if line.startswith(prefix)]
    return values[0] if values else 0.0


def test_metrics_count_latency_by_route_orders_and_payments(client, shop, checkout, pay):
    before = _metrics(client)
    route = 'method="GET",route="/api/v1/markets/<int:market_id>",status="200"'
    client.get(f"{API}/markets/{shop.market.id}")
    pay(checkout([(shop.stands[0].product, 1)]))

    after = _metrics(client)

    assert _sample(after, "http_request_duration_seconds_count", route) == \
        _sample(before, "http_request_duration_seconds_count", route) + 1
    assert _sample(after, "orders_placed_total") == _sample(before, "orders_placed_total") + 1
    for status in ("requires_payment_method", "succeeded"):
        labels = f'status="{status}"'
        assert _sample(after, "payments_total", labels) == _sample(before, "payments_total", labels) + 1


def test_metrics_show_the_job_queue_depth_and_failures(client, app, monkeypatch):
    huey = huey_of(app)
    jobs.register(app, "tests.always_fails", lambda: 1 / 0, options=jobs.JobOptions(retries=0))
    before = _sample(_metrics(client), "jobs_failed_total", 'job="tests.always_fails"')
    huey.immediate = False  # queue for real, nobody consumes
    huey.flush()
    try:
        with app.test_request_context():
            jobs.job("tests.always_fails")()
            jobs.job("tests.always_fails").schedule(delay=3600)
        queued = _metrics(client)
        huey.execute(huey.dequeue())  # as a worker would: the first raises,
        huey.execute(huey.dequeue())  # the second waits in the schedule for its time
        ran = _metrics(client)
    finally:
        huey.flush()
        huey.immediate = True
        app.extensions["jobs"].pop("tests.always_fails")

    assert (_sample(queued, "jobs_queued"), _sample(queued, "jobs_scheduled"), _sample(queued, "jobs_broker_up")) \
        == (2, 0, 1)
    assert (_sample(ran, "jobs_queued"), _sample(ran, "jobs_scheduled")) == (0, 1)
    assert _sample(ran, "jobs_failed_total", 'job="tests.always_fails"') == before + 1


def test_readyz_checks_the_database_redis_when_configured_and_the_queue(client, app):
    resp = client.get("/readyz")

    checks = {"database": "ok"} | ({"redis": "ok"} if app.config["REDIS_URL"] else {}) | {"queue": "ok"}
    assert resp.status_code == 200 and resp.json == {"status": "ok", "checks": checks}


def test_readyz_is_503_naming_redis_when_it_does_not_answer(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")

    resp = client.get("/readyz")

    assert_error(resp, 503)
    assert resp.json["checks"] == {"database": "ok", "redis": "failed: ConnectionError", "queue": "ok"}
    assert "redis" in resp.json["message"] and resp.headers["Retry-After"] == "5"


def test_readyz_is_503_naming_the_database_when_it_does_not_answer(client, monkeypatch):
    def database_down():
        raise ConnectionRefusedError("no database")

    monkeypatch.setattr(health, "_database", database_down)

    resp = client.get("/readyz")

    assert_error(resp, 503)
    assert resp.json["checks"]["database"] == "failed: ConnectionRefusedError"


def test_healthz_stays_cheap_and_answers_while_redis_is_down(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")

    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}


def test_behind_one_proxy_the_client_address_is_the_one_it_saw(app, caplog):
    from market_app import create_app

    proxied = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "PROXY_FIX_X_FOR": 1,
                          "JOBS_IMMEDIATE": True, "JOBS_SQLITE_PATH": app.config["JOBS_SQLITE_PATH"],
                          "SECRET_KEY": app.config["SECRET_KEY"]})
    with caplog.at_level(logging.INFO, logger="market_app.access"):
        proxied.test_client().get("/healthz", headers={"X-Forwarded-For": "198.51.100.7, 203.0.113.9"})
        app.test_client().get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"})  # no proxy trusted

    assert [r.remote_addr for r in caplog.records if r.name == "market_app.access"] == ["203.0.113.9", "127.0.0.1"]
