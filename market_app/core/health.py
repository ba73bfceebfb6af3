"""/healthz: a cheap liveness check (the process answers a SELECT 1). /readyz: the database, Redis (when
configured) and the job queue answer, else 503 naming which failed (a load balancer stops sending traffic)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import redis
import sqlalchemy as sa
from flask import Flask, current_app, jsonify

from market_app.core import jobs
from market_app.core.db import db
from market_app.core.errors import error_body

log = logging.getLogger(__name__)
CHECK_TIMEOUT_SECONDS = 2


def _database() -> None:
    db.session.execute(sa.text("SELECT 1"))


def _redis() -> None:
    url = current_app.config["REDIS_URL"]
    client = redis.Redis.from_url(url, socket_timeout=CHECK_TIMEOUT_SECONDS,
                                  socket_connect_timeout=CHECK_TIMEOUT_SECONDS)
    try:
        client.ping()
    finally:
        client.close()


def _queue() -> None:
    jobs.huey_of(current_app).pending_count()


def readiness_checks() -> dict[str, Callable[[], None]]:
    checks = {"database": _database}
    if current_app.config["REDIS_URL"]:
        checks["redis"] = _redis
    checks["queue"] = _queue
    return checks


def init_app(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():
        """Liveness and database check for load balancers."""
        db.session.execute(sa.text("SELECT 1"))
        return {"status": "ok", "database": "ok"}

    @app.get("/readyz")
    def readyz():
        """Readiness: database, Redis (when configured) and the job queue answer; 503 names what failed."""
        results, failed = {}, []
        for name, check in readiness_checks().items():
            try:
                check()
                results[name] = "ok"
            except Exception as error:  # any failure of a dependency means not ready; the reason is logged
                log.warning("readiness check %s failed: %s", name, error)
                results[name] = f"failed: {type(error).__name__}"
                failed.append(name)
        db.session.rollback()
        if failed:
            body = error_body(503, f"Not ready: {', '.join(failed)} not answering.") | {"checks": results}
            return jsonify(body), 503, {"Retry-After": "5"}
        return {"status": "ok", "checks": results}
