"""The database down or hanging: a quick 503 with Retry-After in the one JSON error shape, never a 500 or a request
that hangs until gunicorn kills its worker. Connect, statement, pool and SQLite busy timeouts come from the
environment (README)."""

import threading
import time

import pytest
import sqlalchemy as sa

from market_app import create_app
from market_app.config import TestConfig
from market_app.extensions import db
from tests.helpers import API, assert_error
from tests.localstripe_plugin import free_port, silent_server

# Each test's app has an engine of its own (on a dead or hung server, or locked out): not the rolled-back test
# connection every other test's session is bound to.
pytestmark = pytest.mark.committing

QUICK = 5.0  # seconds: well under gunicorn's 30 s worker timeout


@pytest.fixture
def app_on():
    """An app whose database is the given URL (built lazily: nothing connects before the first request)."""
    made = []

    def app_on(url: str, **settings):
        config = type("FaultConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, **settings})
        made.append(create_app(config))
        return made[-1]

    yield app_on
    for app in made:
        with app.app_context():
            db.engine.dispose()


def assert_unavailable(resp) -> None:
    assert_error(resp, 503)
    assert int(resp.headers["Retry-After"]) > 0
    assert "database" in resp.json["message"].lower()


# Public listings read on a connection each thread keeps (production) or in the request's session (core.db.read).
READS = {"kept connection": {"PUBLIC_CACHE_OWN_CONNECTION": True}, "session": {}}


@pytest.mark.parametrize("reads", READS)
@pytest.mark.parametrize("path", ["/healthz", f"{API}/markets", f"{API}/markets/1/stalls"])
def test_database_that_refuses_connections_is_a_quick_503(app_on, path, reads):
    app = app_on(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing", **READS[reads])

    started = time.monotonic()
    resp = app.test_client().get(path)

    assert_unavailable(resp)
    assert time.monotonic() - started < QUICK


def test_login_with_the_database_down_is_a_503_not_a_500(app_on):
    app = app_on(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing")

    resp = app.test_client().post(f"{API}/auth/login", json={"email": "a@example.kr", "password": "whatever-1"})

    assert_unavailable(resp)


@pytest.mark.parametrize("reads", READS)
@pytest.mark.parametrize("path", [f"{API}/markets", f"{API}/markets/1/stalls", f"{API}/stalls/1"])
def test_database_that_accepts_and_never_answers_is_a_503_after_the_connect_timeout(app_on, path, reads):
    with silent_server() as url:
        port = url.rsplit(":", 1)[1]
        app = app_on(f"postgresql+psycopg://postgres@127.0.0.1:{port}/hung", DATABASE_CONNECT_TIMEOUT_SECONDS=2,
                     **READS[reads])

        started = time.monotonic()
        resp = app.test_client().get(path)
        elapsed = time.monotonic() - started

    assert_unavailable(resp)
    # One wait: a cached read's front door (core/cache_front.py) hands its failure on instead of Flask trying again.
    assert 1.5 < elapsed < 3.5


@pytest.fixture
def locked_markets(app):
    """Another connection holds an exclusive lock on the markets (PostgreSQL) or the whole file (SQLite)."""
    holding, release = threading.Event(), threading.Event()
    engine = db.engine

    def hold():
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("LOCK TABLE markets IN ACCESS EXCLUSIVE MODE"))
            else:
                conn.exec_driver_sql("BEGIN EXCLUSIVE")
            holding.set()
            release.wait(30)
            conn.rollback()

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(10)
    yield
    release.set()
    thread.join()


@pytest.mark.parametrize("reads", READS)
def test_a_statement_stuck_behind_a_lock_ends_in_a_quick_503(app, app_on, locked_markets, reads):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    stuck = app_on(url, DATABASE_STATEMENT_TIMEOUT_MS=300, SQLITE_BUSY_TIMEOUT_SECONDS=0.3, **READS[reads])

    started = time.monotonic()
    resp = stuck.test_client().get(f"{API}/markets")

    assert_unavailable(resp)
    assert time.monotonic() - started < QUICK


def test_every_pooled_connection_taken_is_a_503_after_the_pool_timeout(app, app_on):
    """Each held connection is an open transaction on the pool of the app under test (QueuePool on PostgreSQL and
    on a SQLite file alike), so the request waits pool_timeout for one, then answers 503, not a hang or a 500."""
    busy = app_on(app.config["SQLALCHEMY_DATABASE_URI"], DATABASE_POOL_TIMEOUT_SECONDS=1,
                  SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "pool_size": 2, "max_overflow": 0})
    with busy.app_context():
        engine = db.engine
    held = [engine.connect() for _ in range(2)]
    try:
        for conn in held:
            conn.begin()
            conn.execute(sa.text("SELECT 1"))

        started = time.monotonic()
        resp = busy.test_client().get("/healthz")
        elapsed = time.monotonic() - started
    finally:
        for conn in held:
            conn.close()

    assert_unavailable(resp)
    assert 0.9 < elapsed < QUICK
    assert busy.test_client().get("/healthz").status_code == 200  # the pool is free again: so is the app


def test_timeouts_reach_the_engine(app_on):
    pg = app_on("postgresql+psycopg://postgres@127.0.0.1:1/x", DATABASE_CONNECT_TIMEOUT_SECONDS=3,
                DATABASE_STATEMENT_TIMEOUT_MS=1500, DATABASE_POOL_TIMEOUT_SECONDS=4)
    lite = app_on("sqlite:////tmp/never-created.db", SQLITE_BUSY_TIMEOUT_SECONDS=2.5, DATABASE_POOL_TIMEOUT_SECONDS=4)

    pg_options, lite_options = (a.config["SQLALCHEMY_ENGINE_OPTIONS"] for a in (pg, lite))
    assert pg_options["connect_args"] == {"connect_timeout": 3, "options": "-c statement_timeout=1500",
                                          "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10,
                                          "keepalives_count": 3, "tcp_user_timeout": 10_000}
    assert pg_options["pool_timeout"] == 4 and lite_options["pool_timeout"] == 4
    assert lite_options["connect_args"] == {"timeout": 2.5}
