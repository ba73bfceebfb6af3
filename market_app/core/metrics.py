"""Prometheus metrics: request latency by route template, orders placed, payments by status, the job queue's
depth and failures. With several gunicorn workers set PROMETHEUS_MULTIPROC_DIR (an empty folder, before start):
each process writes its samples there and /metrics adds them up (prometheus-client's multiprocess mode)."""

from __future__ import annotations

import logging
import os

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from market_app.core import uow
from market_app.core.logs import route_template

log = logging.getLogger(__name__)

REQUEST_LATENCY = Histogram(
    "http_request_duration_seconds", "Time to answer a request, by route template", ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ORDERS_PLACED = Counter("orders_placed", "Orders placed (committed)")
PAYMENTS = Counter("payments", "Payments entering each status (committed)", ["status"])


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
        MultiProcessCollector(registry)
        return registry
    return REGISTRY


def init_app(app: Flask) -> None:
    jobs_registry = CollectorRegistry(auto_describe=False)
    jobs_registry.register(JobsCollector(app))

    @app.after_request
    def observe(response):
        duration = g.get("request_duration")
        if duration is not None and request.endpoint != "metrics":
            REQUEST_LATENCY.labels(request.method, route_template(), str(response.status_code)).observe(duration)
        return response

    @app.get("/metrics", endpoint="metrics")
    def metrics():
        """Prometheus metrics (restrict to the monitoring network at the proxy)."""
        body = generate_latest(_registry()) + generate_latest(jobs_registry)
        return Response(body, mimetype=CONTENT_TYPE_LATEST)
