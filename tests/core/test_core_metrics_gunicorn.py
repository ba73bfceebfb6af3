"""/metrics adds up every gunicorn worker's samples (prometheus-client's multiprocess mode): served by two
workers, 40 requests are counted 40 times, whichever worker answers the scrape."""

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.localstripe_plugin import free_port
from tests.worker_plugin import REPO_ROOT, worker_environment

pytestmark = pytest.mark.committing
REQUESTS = 40


@pytest.fixture
def two_worker_server(app, tmp_path):
    port, metrics_dir = free_port(), tmp_path / "prometheus"
    metrics_dir.mkdir()
    env = worker_environment(app) | {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"]
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:  # bound but the workers still booting, or not yet bound
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError((tmp_path / "gunicorn.log").read_text()) from None
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def _count(text: str) -> float:
    prefix = 'http_request_duration_seconds_count{method="GET",route="/api/v1/markets",status="200"} '
    return sum(float(line.removeprefix(prefix)) for line in text.splitlines() if line.startswith(prefix))


def test_metrics_add_up_the_requests_of_every_gunicorn_worker(two_worker_server):
    def get(_n: int) -> int:
        with requests.Session() as http:  # a new connection each time: the two workers share the load
            http.trust_env = False
            return http.get(f"{two_worker_server}/api/v1/markets", timeout=10).status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(get, range(REQUESTS))) == {200}

    scrapes = [requests.get(f"{two_worker_server}/metrics", timeout=10).text for _ in range(4)]
    assert [_count(text) for text in scrapes] == [REQUESTS] * 4
