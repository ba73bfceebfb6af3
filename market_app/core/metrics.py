"""Prometheus metrics: request latency by route template, orders placed, payments by status, the job queue's
depth and failures, task worker processes running. With several processes (gunicorn workers, the task worker) set
PROMETHEUS_MULTIPROC_DIR (an empty folder, in their environment before they start: prometheus-client picks its
mode at import): each process writes its samples there and /metrics adds them up (multiprocess mode). A task
worker on another machine serves its own samples instead (WORKER_METRICS_PORT, worker_started)."""

from __future__ import annotations

import logging
import os

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from market_app.core import uow
from market_app.core.logs import route_template

log = logging.getLogger(__name__)

REQUEST_LATENCY = Histogram(
    "http_request_duration_seconds", "Time to answer a request, by route template", ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ORDERS_PLACED = Counter("orders_placed", "Orders placed (committed)")
PAYMENTS = Counter("payments", "Payments entering each status (committed)", ["status"])
# livesum: a worker that exits is marked dead (worker_exited) and leaves the sum, where a counter would stay.
WORKER_PROCESSES = Gauge("jobs_worker_processes", "Task worker processes running", multiprocess_mode="livesum")


_latency_by_labels: dict[tuple[str, str, int], Histogram] = {}


def observe_latency(method: str, route: str, status: int, duration: float) -> None:
    """REQUEST_LATENCY's sample, its labelled child looked up once per method, route and status (labels() builds
    and locks each time)."""
    child = _latency_by_labels.get((method, route, status))
    if child is None:
        child = _latency_by_labels[(method, route, status)] = REQUEST_LATENCY.labels(method, route, str(status))
    child.observe(duration)


def count_order_placed() -> None:
    uow.after_commit(ORDERS_PLACED.inc)


def count_payment_status(status: str) -> None:
    uow.after_commit(PAYMENTS.labels(status=status).inc)


class JobsCollector:
    """Read from the broker at scrape time, so every app server reports the same shared numbers."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self):
        from market_app.core import jobs

        up = GaugeMetricFamily("jobs_broker_up", "1 if the task queue's broker answered this scrape")
        try:
            stats = jobs.stats(self.app)
        except Exception as error:  # a scrape must not fail because the broker is down: say so instead
            log.warning("job queue unreadable for metrics: %s", error)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("jobs_queued", "Jobs waiting for a worker now", value=stats.queued)
        yield GaugeMetricFamily("jobs_scheduled", "Jobs waiting for their time (eta, retries)", value=stats.scheduled)
        failed = CounterMetricFamily("jobs_failed", "Job runs that raised (each retry counts)", labels=["job"])
        for name, count in sorted(stats.failed.items()):
            failed.add_metric([name], count)
        yield failed


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def worker_started(port: int | None) -> None:
    """The task worker counts itself and, given a port (a worker on a machine of its own), serves its samples
    at /metrics there: the app's /metrics only sees workers writing to its own PROMETHEUS_MULTIPROC_DIR."""
    WORKER_PROCESSES.set(1)
    if port:
        start_http_server(port, registry=_registry())
        log.info("worker metrics at http://0.0.0.0:%s/metrics", port)


def worker_exited() -> None:
    """Its counters stay (they are totals); its livesum gauge leaves the sum, as gunicorn.conf.py does for app
    workers."""
    WORKER_PROCESSES.set(0)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(os.getpid())


def init_app(app: Flask) -> None:
    jobs_registry = CollectorRegistry(auto_describe=False)
    jobs_registry.register(JobsCollector(app))

    @app.after_request
    def observe(response):
        duration = g.get("request_duration")
        if duration is not None and request.endpoint != "metrics":
            observe_latency(request.method, route_template(), response.status_code, duration)
        return response

    @app.get("/metrics", endpoint="metrics")
    def metrics():
        """Prometheus metrics (restrict to the monitoring network at the proxy)."""
        body = generate_latest(_registry()) + generate_latest(jobs_registry)
        return Response(body, mimetype=CONTENT_TYPE_LATEST)
