"""Cached public reads are answered before Flask (core/cache_front.py) with exactly what Flask's own answer carries:
the same body, status and headers (security headers included), a request id, an access log line and a latency
sample; anything it cannot answer goes on to Flask unchanged."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from flask import request_started

from market_app import create_app
from market_app.core.logs import HEADER
from market_app.extensions import db
from tests.core.test_core_observability import _json_line, _metrics, _sample
from tests.helpers import API, assert_error

TOMORROW = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()  # tomorrow in Seoul or later
CACHED_READS = {
    "market list": "/markets",
    "market page": "/markets/{market}",
    "stall list": "/markets/{market}/stalls?page_size=20",
    "stall list, open now": "/markets/{market}/stalls?open_now=true",
    "market map": "/markets/{market}/map",
    "product search, 초성": "/markets/{market}/products?q=ㅂㅊ",
    "live schedule": "/markets/{market}/live-sessions",
    "delivery quote": "/markets/{market}/delivery/quote?lat=37.556&lng=126.905&subtotal=15000",
    "delivery slots": "/markets/{market}/delivery/slots?date=" + TOMORROW,
}


@pytest.fixture
def flask_dispatches(app):
    """How many requests Flask itself dispatched (its request_started signal) while the block ran."""
    seen = []

    def count(_sender, **_extra):
        seen.append(1)

    request_started.connect(count, app)
    yield seen
    request_started.disconnect(count, app)


def _without_request_id(resp) -> list:
    return [(name, value) for name, value in resp.headers.items() if name != HEADER]


@pytest.mark.parametrize("read", CACHED_READS)
@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
def test_a_hit_answered_before_flask_carries_exactly_what_flasks_answer_carries(
        client, shop, flask_dispatches, read, https):
    url = API + CACHED_READS[read].format(market=shop.market.id)
    over = {"X-Forwarded-Proto": "https"} if https else {}
    computed = client.get(url, headers=over)
    assert computed.status_code == 200, computed.json
    assert len(flask_dispatches) == 1  # a miss: computed and stored by the view

    front = client.get(url, headers=over)
    through_flask = client.get(url, headers=over | shop.headers)  # a token: Flask checks it, then the view serves

    assert len(flask_dispatches) == 2  # the anonymous hit never reached Flask
    assert front.status_code == through_flask.status_code == 200
    assert front.data == through_flask.data == computed.data
    assert _without_request_id(front) == _without_request_id(through_flask) == _without_request_id(computed)
    assert ("Strict-Transport-Security" in front.headers) is https
    assert front.headers[HEADER] != through_flask.headers[HEADER]

    etag = {"If-None-Match": front.headers["ETag"]}
    front_304 = client.get(url, headers=over | etag)
    flask_304 = client.get(url, headers=over | etag | shop.headers)
    assert front_304.status_code == flask_304.status_code == 304
    assert front_304.data == flask_304.data == b""
    assert _without_request_id(front_304) == _without_request_id(flask_304)
    assert len(flask_dispatches) == 3


def test_a_hit_writes_the_access_line_and_the_latency_sample_flask_would(client, shop, caplog):
    url = f"{API}/markets/{shop.market.id}/stalls"
    labels = 'method="GET",route="/api/v1/markets/<int:market_id>/stalls",status="200"'
    assert client.get(url).status_code == 200
    before = _sample(_metrics(client), "http_request_duration_seconds_count", labels)

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="market_app.access"):
        resp = client.get(url, headers={HEADER: "browse-1"})

    assert resp.status_code == 200 and resp.headers[HEADER] == "browse-1"
    [record] = [r for r in caplog.records if r.name == "market_app.access"]
    line = _json_line(record)
    assert {key: line[key] for key in ("level", "method", "path", "route", "status", "request_id")} == {
        "level": "INFO", "method": "GET", "path": f"/api/v1/markets/{shop.market.id}/stalls",
        "route": "/api/v1/markets/<int:market_id>/stalls", "status": 200, "request_id": "browse-1"}
    assert line["duration_ms"] >= 0 and line["remote_addr"] == "127.0.0.1"
    assert _sample(_metrics(client), "http_request_duration_seconds_count", labels) == before + 1


def test_a_hit_without_a_request_id_gets_a_fresh_one_and_a_bad_one_is_refused_by_flask(client, shop):
    url = f"{API}/markets/{shop.market.id}/stalls"
    assert client.get(url).status_code == 200

    fresh = client.get(url)
    refused = client.get(url, headers={HEADER: "no spaces allowed"})

    assert fresh.status_code == 200 and len(fresh.headers[HEADER]) == 32
    assert_error(refused, 400, HEADER, location="headers")


def test_what_is_not_a_cached_read_goes_on_to_flask(client, shop, flask_dispatches):
    market = f"{API}/markets/{shop.market.id}"
    for _ in range(2):
        assert client.get(f"{market}/stalls").status_code == 200

    unknown = client.get(f"{market}/no-such-thing")
    not_cached = client.get(f"{API}/stalls/{shop.stands[0].stall.id}")  # a stall's own page is not cached
    posted = client.post(f"{market}/stalls", json={})  # a write on a cached read's path

    assert_error(unknown, 404)
    assert not_cached.status_code == 200
    assert_error(posted, 401)
    assert len(flask_dispatches) == 1 + 3


@pytest.mark.committing  # the other instance reads what this test wrote
def test_another_instance_answers_from_the_shared_store_before_flask(app, client, shop):
    """Its own per-process table is empty: the front door finds the answer in the store the first one filled."""
    other = create_app(dict(app.config) | {"PUBLIC_CACHE_OWN_CONNECTION": True})
    dispatched = []
    request_started.connect(lambda _sender, **_extra: dispatched.append(1), other, weak=False)
    url = f"{API}/markets/{shop.market.id}/stalls"
    first = client.get(url)

    shared = other.test_client().get(url)

    assert shared.status_code == 200 and shared.data == first.data
    assert dispatched == []
    with other.app_context():
        db.engine.dispose()
