"""Background jobs on Huey: a kept task queue with retries, scheduled (eta) and periodic tasks, Redis in
production and a SQLite file when no Redis is configured, so `make run` needs nothing but Python.

Domains register their jobs at app start (in their wiring.connect(app)), never at import. Every job runs in an
app context as one unit of work; delivery is at least once, so every job must be safe to run twice.
Enqueueing happens after the caller's commit: a job never sees a row that was rolled back, and is never lost
for a row that was committed (a periodic sweep catches what a crash between the two dropped).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey import signals as huey_signals

from market_app.core import logs, uow
from market_app.core.db import db

log = logging.getLogger(__name__)
_KEY = "huey"
_JOBS = "jobs"

_FAILED = "failed:"  # broker counter per job name: runs that raised

__all__ = ["JobOptions", "QueueStats", "crontab", "enqueue", "huey_of", "init_app", "job", "register", "stats"]


@dataclass(frozen=True)
class JobOptions:
    retries: int = 5
    retry_delay: int = 10  # seconds before the first retry
    retry_backoff: float = 2.0  # each retry waits this many times longer


def init_app(app: Flask) -> Huey:
    """One Huey per app: Redis at REDIS_URL, else a SQLite file; immediate (in-process) when JOBS_IMMEDIATE."""
    config = app.config
    name = config["JOBS_QUEUE_NAME"]
    immediate = config["JOBS_IMMEDIATE"]
    if config.get("REDIS_URL"):
        huey = RedisHuey(name, url=config["REDIS_URL"], immediate=immediate, utc=True)
    else:
        path = Path(config["JOBS_SQLITE_PATH"])
        path.parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(name, filename=str(path), immediate=immediate, utc=True)
    app.extensions[_KEY] = huey
    app.extensions[_JOBS] = {}

    @huey.signal(huey_signals.SIGNAL_ERROR)
    def count_failure(signal, task, exc=None):
        # In the broker, not in the worker's memory: every app server's /metrics reads the same count.
        huey.storage.incr(_FAILED + task.name)

    return huey


@dataclass(frozen=True)
class QueueStats:
    queued: int
    scheduled: int
    failed: dict[str, int]


def stats(app: Flask) -> QueueStats:
    """Depth of the queue and failures per job, read from the broker (raises if it does not answer)."""
    huey = huey_of(app)
    failed = {name: huey.storage.incr(_FAILED + name, 0) for name in app.extensions[_JOBS]}
    return QueueStats(huey.pending_count(), huey.scheduled_count(), failed)


def huey_of(app: Flask) -> Huey:
    return app.extensions[_KEY]


def register(app: Flask, name: str, func: Callable, *, periodic: crontab | None = None,
             options: JobOptions = JobOptions()) -> None:
    """Make func a job called name (a stable string: queued messages carry it); periodic runs it on a crontab."""
    huey = huey_of(app)
    runner = _runner(app, name, func)
    settings = {"retries": options.retries, "retry_delay": options.retry_delay,
                "retry_backoff": options.retry_backoff, "name": name}
    if periodic is not None:
        wrapper = huey.periodic_task(periodic, **settings)(runner)
    else:
        wrapper = huey.task(**settings)(runner)
    app.extensions[_JOBS][name] = wrapper


def _runner(app: Flask, name: str, func: Callable) -> Callable:
    def run(*args, _request_id: str | None = None, **kwargs):
        if has_app_context() and current_app._get_current_object() is app:
            # Immediate mode inside a request or test: the caller's context, session and request id.
            with uow.unit_of_work():
                return func(*args, **kwargs)
        token = logs.bind_request_id(_request_id)  # the request that queued it, on every line the job logs
        started = time.perf_counter()
        log.info("job %s started", name, extra={"job": name})
        try:
            with app.app_context():
                try:
                    with uow.unit_of_work():
                        result = func(*args, **kwargs)
                finally:
                    db.session.remove()
        except Exception as error:
            log.warning("job %s failed: %r", name, error, extra={"job": name, "duration_ms": _ms(started)})
            raise
        else:
            log.info("job %s done", name, extra={"job": name, "duration_ms": _ms(started)})
            return result
        finally:
            logs.reset_request_id(token)

    run.__name__ = name.replace(".", "_")
    return run


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def job(name: str, app: Flask | None = None):
    """The registered job called name (a Huey TaskWrapper: call it to queue, .schedule(eta=...) to delay)."""
    return (app or current_app).extensions[_JOBS][name]


def enqueue(name: str, *args, eta: datetime | None = None, delay: float | None = None) -> None:
    """Queue job name once the current unit of work commits (at eta, or after delay seconds, if given)."""
    wrapper = job(name)
    carried = {"_request_id": logs.current_request_id()} if logs.current_request_id() else {}

    def send() -> None:
        if eta is None and delay is None:
            wrapper(*args, **carried)
        else:
            wrapper.schedule(args=args, kwargs=carried, eta=eta, delay=delay)

    uow.after_commit(send)
