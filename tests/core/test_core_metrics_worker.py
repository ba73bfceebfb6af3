"""What the task worker counts reaches Prometheus: a payment a webhook job moves is added up by the app's /metrics
when the worker writes to the same multiprocess folder, or served by the worker itself (WORKER_METRICS_PORT) on a
machine of its own. The worker counts itself while it runs and leaves the sum when it stops."""

import pytest
import requests

from tests.helpers import API, confirm_at_stripe, post_event
from tests.localstripe_plugin import free_port
from tests.worker_plugin import eventually, running_worker

pytestmark = pytest.mark.committing
SUCCEEDED = 'payments_total{status="succeeded"}'


def _sample(text: str, sample: str) -> float:
    values = [float(line.split()[-1]) for line in text.splitlines() if line.startswith(f"{sample} ")]
    return values[0] if values else 0.0


def _counted(scrape) -> str:
    """The first scrape that shows the success (the worker counts it just after its commit)."""
    def check() -> str | None:
        text = scrape()
        return text if text and _sample(text, SUCCEEDED) else None
    return eventually(check)


def _paid_by_webhook(client, app, shop, checkout, stripe_client) -> None:
    """An order paid at Stripe, whose success event the worker processes."""
    order = checkout([(shop.stands[0].product, 1)])
    intent = confirm_at_stripe(stripe_client, order["payment"]["payment_intent_id"], "pm_card_visa")
    assert post_event(client, app, "payment_intent.succeeded", intent).json["result"] == "queued"
    eventually(lambda: client.get(f"{API}/orders/{order['id']}", headers=shop.headers).json["status"] == "paid")


def test_a_payment_the_worker_moves_is_counted_by_the_apps_metrics(app, client, shop, checkout, stripe_client,
                                                                   tmp_path, monkeypatch):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))  # this app's /metrics reads the folder, as gunicorn's

    with running_worker(app, tmp_path / "worker.log", {"PROMETHEUS_MULTIPROC_DIR": str(folder)}):
        _paid_by_webhook(client, app, shop, checkout, stripe_client)
        running = _counted(lambda: client.get("/metrics").text)
    stopped = client.get("/metrics").text

    assert (_sample(running, SUCCEEDED), _sample(running, "jobs_worker_processes")) == (1, 1)
    assert (_sample(stopped, SUCCEEDED), _sample(stopped, "jobs_worker_processes")) == (1, 0)  # marked dead


def test_a_worker_on_another_machine_serves_its_own_metrics(app, client, shop, checkout, stripe_client, tmp_path,
                                                            monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    port = free_port()

    def scrape() -> str | None:
        try:
            with requests.Session() as http:
                http.trust_env = False
                return http.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        except requests.ConnectionError:  # still starting
            return None

    with running_worker(app, tmp_path / "worker.log", {"WORKER_METRICS_PORT": str(port)}):
        _paid_by_webhook(client, app, shop, checkout, stripe_client)
        text = _counted(scrape)

    assert (_sample(text, SUCCEEDED), _sample(text, "jobs_worker_processes")) == (1, 1)
    assert _sample(client.get("/metrics").text, SUCCEEDED) == 0  # the app's own process never saw it
