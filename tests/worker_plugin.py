"""Pytest plugin: the real task worker (huey_consumer on market_app.worker) in a subprocess, against the test
database and the session's localstripe, with the app under test queueing to it instead of running jobs inline."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from market_app.core.jobs import huey_of

REPO_ROOT = Path(__file__).resolve().parents[1]


def worker_environment(app) -> dict[str, str]:
    """The worker reads the same settings as the app under test, from the environment."""
    config = app.config
    env = {key: value for key, value in os.environ.items() if not key.startswith(("FLASK_", "JOBS_"))}
    env.update({
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": config["SECRET_KEY"],
        "STRIPE_API_KEY": config["STRIPE_API_KEY"], "STRIPE_API_BASE": config["STRIPE_API_BASE"],
        "STRIPE_WEBHOOK_SECRET": config["STRIPE_WEBHOOK_SECRET"], "REDIS_URL": config["REDIS_URL"],
        "JOBS_SQLITE_PATH": config["JOBS_SQLITE_PATH"], "JOBS_QUEUE_NAME": config["JOBS_QUEUE_NAME"],
        "PASSWORD_HASH_TIME_COST": "1", "PASSWORD_HASH_MEMORY_KIB": "1024",
    })
    return env


def sent_by_two_cli_runs_at_once(app, command: str) -> list[int]:
    """Start `flask <command>` twice at once in processes of their own (a cron on two servers); both must exit 0.
    Returns how many each said it sent (its "sent N, ..." line)."""
    env = worker_environment(app) | {"FLASK_APP": "market_app"}
    runs = [subprocess.Popen([sys.executable, "-m", "flask", command], cwd=REPO_ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(2)]
    outputs = [run.communicate(timeout=120)[0].decode() for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    return [int(re.search(r"^sent (\d+),", out, re.M).group(1)) for out in outputs]


def start_worker(app, log_path: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start the worker (Huey's consumer, JSON logs) on the app's queue; periodic jobs off (tests call them).
    env: more settings for it (say PROMETHEUS_MULTIPROC_DIR), in its environment from the start."""
    command = [sys.executable, "-m", "market_app.worker",
               "--workers", "2", "--worker-type", "thread", "--delay", "0.05", "--max-delay", "0.2",
               "--scheduler-interval", "1", "--no-periodic"]
    with log_path.open("wb") as log:
        return subprocess.Popen(command, cwd=REPO_ROOT, env=worker_environment(app) | (env or {}), stdout=log,
                                stderr=subprocess.STDOUT)


def stop_worker(process: subprocess.Popen) -> None:
    """Stop it the way a deploy or a crash-restart does (SIGTERM; killed if it hangs)."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_worker(app, log_path: Path, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    """A running worker; jobs the app queues meanwhile go to it (the queue is emptied first, and after)."""
    huey = huey_of(app)
    huey.immediate = False
    huey.flush()
    process = start_worker(app, log_path, env)
    try:
        yield process
    finally:
        stop_worker(process)
        huey.flush()
        huey.immediate = True
        if process.returncode not in (0, -15):
            print(log_path.read_text())


@pytest.fixture
def worker(app, tmp_path) -> Iterator[subprocess.Popen]:
    """A running worker with the app's settings (running_worker for more of them)."""
    with running_worker(app, tmp_path / "worker.log") as process:
        yield process


def eventually(check: Callable[[], object], timeout: float = 20.0, interval: float = 0.1):
    """Poll check() until it returns something truthy (the worker runs in another process); fail after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"still {result!r} after {timeout} s")
        time.sleep(interval)
