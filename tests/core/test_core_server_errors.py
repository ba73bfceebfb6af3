"""Answers the app's views never see are in the one JSON error shape too: gunicorn's own refusals (request line too
long: 414, a broken request line: 400, headers too large: 431), and OPTIONS (no automatic empty 200: a JSON 405)."""

import json
import socket

import pytest

from tests.live_server import app_environment, gunicorn


def raw_exchange(base: str, request: bytes) -> tuple[int, dict, bytes]:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split(" ")[1]), headers, body


@pytest.fixture(scope="module")
def served(tmp_path_factory, request):
    app = request.getfixturevalue("app")
    with gunicorn(app_environment(app), workers=1, log_path=tmp_path_factory.mktemp("gunicorn") / "log") as base:
        yield base


@pytest.mark.parametrize(("request_bytes", "status"), [
    (b"GET /api/v1/markets?q=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"THIS IS NOT HTTP\r\n\r\n", 400),
    (b"GET /api/v1/markets HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % n for n in range(200)) + b"\r\n",
     431),
], ids=["uri-too-long", "bad-request-line", "too-many-headers"])
def test_gunicorns_own_refusals_are_json_errors(served, request_bytes, status):
    answered, headers, body = raw_exchange(served, request_bytes)

    assert answered == status
    assert headers["Content-Type"] == "application/json"
    error = json.loads(body)
    assert error["code"] == status and error["status"] and error["message"]
    assert int(headers["Content-Length"]) == len(body)


def test_options_is_a_json_405_listing_the_methods(client):
    resp = client.options("/api/v1/markets")

    assert resp.status_code == 405 and resp.is_json and resp.json["code"] == 405
    assert set(resp.headers["Allow"].split(", ")) >= {"GET", "POST"}
