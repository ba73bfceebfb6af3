"""The app served for real in tests: gunicorn in a subprocess (its workers are separate processes, as in production)
on a free loopback port, configured through the environment like production, stopped at the end."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from market_app.payments.wait_for_port import wait_for_port
from tests.localstripe_plugin import REPO_ROOT, free_port

GUNICORN = Path(sys.executable).with_name("gunicorn")


def app_environment(app, **overrides: str) -> dict[str, str]:
    """The environment that makes gunicorn's app use the test app's database and keys."""
    config = app.config
    env = {key: value for key, value in os.environ.items() if not key.startswith(("FLASK_", "JOBS_"))}
    env.update({"DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": config["SECRET_KEY"],
                "PASSWORD_HASH_TIME_COST": "1", "PASSWORD_HASH_MEMORY_KIB": "1024", "JOBS_IMMEDIATE": "1",
                "STRIPE_API_KEY": config["STRIPE_API_KEY"], "STRIPE_API_BASE": config["STRIPE_API_BASE"]})
    env.update(overrides)
    return env


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 2, log_path: Path | None = None) -> Iterator[str]:
    """Base URL of `gunicorn wsgi:app` (the repository's gunicorn.conf.py applies) until the block ends."""
    port = free_port()
    log = log_path.open("wb") if log_path else subprocess.DEVNULL
    process = subprocess.Popen([str(GUNICORN), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                               cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        if not wait_for_port("127.0.0.1", port, 30):
            raise RuntimeError(f"gunicorn did not listen on {port}: {log_path and log_path.read_text()}")
        time.sleep(0.5 * workers)  # every worker booted, not only the arbiter's socket
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log_path:
            log.close()


@contextmanager
def werkzeug_server(app) -> Iterator[str]:
    """Base URL of the test app itself served by Werkzeug in a thread (same process, same database)."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
