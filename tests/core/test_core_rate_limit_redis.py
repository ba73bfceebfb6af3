"""Rate limits hold across workers: with REDIS_URL set, every gunicorn worker counts in the same Redis, so a limit
of 10 logins a minute lets exactly 10 through, however the requests are spread (each worker counted alone before:
16 of 40 got through). Needs Redis: skipped only when REDIS_URL is unset (.ci/run sets it)."""

import json
import os
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from limits.storage import storage_from_string

from tests.helpers import API
from tests.live_server import app_environment, gunicorn

REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = [pytest.mark.committing,  # gunicorn's workers read what the test committed
              pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set (.ci/run sets it)")]

_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def post_json(url: str, body: dict) -> tuple[int, dict, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Connection": "close"})
    try:
        with _direct.open(request, timeout=30) as response:
            return response.status, dict(response.headers), json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.load(error)


def test_login_limit_is_shared_by_every_gunicorn_worker(app, client, tmp_path):
    credentials = {"email": "minji@example.kr", "password": "correct-horse-9"}
    assert client.post(f"{API}/auth/register", json=credentials | {"name": "김민지"}).status_code == 201
    storage_from_string(REDIS_URL).reset()  # no counts left over from another run
    env = app_environment(app, REDIS_URL=REDIS_URL, LOGIN_RATE_LIMIT="10 per minute")
    env.pop("RATELIMIT_STORAGE_URI", None)

    with gunicorn(env, workers=2, log_path=tmp_path / "gunicorn.log") as base:
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: post_json(f"{base}{API}/auth/login", credentials), range(40)))

    statuses = sorted(status for status, _headers, _body in answers)
    assert statuses == [200] * 10 + [429] * 30
    refused = next(answer for answer in answers if answer[0] == 429)
    assert refused[2]["code"] == 429 and refused[1].get("Retry-After")
    storage_from_string(REDIS_URL).reset()
