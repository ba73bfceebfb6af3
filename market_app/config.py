"""Configuration read from the environment; one class per way the app runs."""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Config:
    # No default: create_app refuses to start without a key of MIN_SECRET_BYTES (except in tests and debug mode).
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'market.db'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}  # plus the timeouts below (core.db.engine_options)
    # A database that is down or hangs answers 503 quickly instead of holding the request until gunicorn kills it.
    DATABASE_CONNECT_TIMEOUT_SECONDS = _int("DATABASE_CONNECT_TIMEOUT_SECONDS", 5)  # PostgreSQL; libpq's minimum is 2
    DATABASE_STATEMENT_TIMEOUT_MS = _int("DATABASE_STATEMENT_TIMEOUT_MS", 10_000)  # PostgreSQL; 0 = no limit
    DATABASE_POOL_TIMEOUT_SECONDS = _int("DATABASE_POOL_TIMEOUT_SECONDS", 5)  # wait for a free pooled connection
    SQLITE_BUSY_TIMEOUT_SECONDS = float(os.environ.get("SQLITE_BUSY_TIMEOUT_SECONDS", "5"))  # wait for a lock

    JWT_SECRET_KEY = os.environ.get("JWT_SECRET_KEY", "")  # empty: SECRET_KEY signs the tokens
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(seconds=_int("TOKEN_LIFETIME_SECONDS", 12 * 3600))
    JWT_ERROR_MESSAGE_KEY = "message"

    # Argon2id cost; tests lower it so that hundreds of registrations stay fast.
    PASSWORD_HASH_TIME_COST = _int("PASSWORD_HASH_TIME_COST", 3)
    PASSWORD_HASH_MEMORY_KIB = _int("PASSWORD_HASH_MEMORY_KIB", 65536)

    # Shared by every worker and server when Redis is there (REDIS_URL); per process otherwise.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or "memory://"
    # Redis unreachable: count in memory per process meanwhile, rather than failing every limited request.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "")  # apps sharing one Redis keep apart
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    # Per account, in the database: this many failed sign-ins within the window refuse further tries (429).
    LOGIN_FAILURE_LIMIT = _int("LOGIN_FAILURE_LIMIT", 10)
    LOGIN_FAILURE_WINDOW_SECONDS = _int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
    ORDER_RATE_LIMIT = os.environ.get("ORDER_RATE_LIMIT", "30 per minute")
    QUICK_PAY_RATE_LIMIT = os.environ.get("QUICK_PAY_RATE_LIMIT", "30 per minute")

    MAX_CONTENT_LENGTH = 1024 * 1024
    # How many proxies in front of the app set X-Forwarded-For/-Proto (1 behind one nginx); 0 trusts none.
    PROXY_FIX_X_FOR = _int("PROXY_FIX_X_FOR", 0)
    # OPTIONS is not an operation of this API: a JSON 405 with Allow, not Flask's automatic empty 200.
    PROVIDE_AUTOMATIC_OPTIONS = False
    # Behind a TLS proxy: redirect plain http to https (the proxy must send X-Forwarded-Proto). Off for local http.
    FORCE_HTTPS = os.environ.get("FORCE_HTTPS", "") == "1"
    # Strict-Transport-Security max-age on https requests (never sent over http); 0 turns it off.
    HSTS_SECONDS = _int("HSTS_SECONDS", 365 * 24 * 3600)

    API_TITLE = "Traditional market platform API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.1.0"  # nullable as type [..., "null"]: a null nested object is exactly null, not "any object"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    # /api/docs is the web domain's page on the vendored swagger-ui (static/swagger-ui/), not flask-smorest's.
    API_SPEC_OPTIONS = {
        "info": {"description": "All money is integer won (KRW). Lists are JSON arrays; "
                                "pagination metadata is in the X-Pagination header."},
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                                          "bearerFormat": "JWT"}}},
        "security": [{"bearerAuth": []}],
    }

    ORDER_PAYMENT_TIMEOUT_MINUTES = _int("ORDER_PAYMENT_TIMEOUT_MINUTES", 30)
    # Unpaid orders hold stock until they expire: a shopper may have this many open at one market.
    MAX_UNPAID_ORDERS_PER_MARKET = _int("MAX_UNPAID_ORDERS_PER_MARKET", 3)

    # Live commerce: reminder lead time, how early a session may go live, how long one left running keeps its
    # live prices after its end, the window in which heartbeats count as "watching now", and the heartbeat limit.
    LIVE_REMINDER_MINUTES = _int("LIVE_REMINDER_MINUTES", 10)
    LIVE_START_EARLY_MINUTES = _int("LIVE_START_EARLY_MINUTES", 15)
    LIVE_AUTO_END_GRACE_MINUTES = float(os.environ.get("LIVE_AUTO_END_GRACE_MINUTES", "15"))  # 0.05: 3 s (tests)
    LIVE_VIEWER_WINDOW_SECONDS = _int("LIVE_VIEWER_WINDOW_SECONDS", 60)
    LIVE_HEARTBEAT_RATE_LIMIT = os.environ.get("LIVE_HEARTBEAT_RATE_LIMIT", "120 per minute")

    # Redis: the task queue's broker (and shared rate limits and caching) when set.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    # Without Redis the task queue keeps its messages in this SQLite file; the worker must see the same file.
    JOBS_SQLITE_PATH = os.environ.get("JOBS_SQLITE_PATH", str(INSTANCE_DIR / "jobs.db"))
    JOBS_QUEUE_NAME = os.environ.get("JOBS_QUEUE_NAME", "market")
    # First retry of a refund Stripe could not take; later retries wait twice as long each time.
    REFUND_RETRY_DELAY_SECONDS = _int("REFUND_RETRY_DELAY_SECONDS", 60)
    # Run jobs in-process at once instead of queueing them (tests; never in production).
    JOBS_IMMEDIATE = os.environ.get("JOBS_IMMEDIATE", "") == "1"

    # Public reads (market list, stalls, map, product search) from a response cache that is never stale
    # (market_app/core/cache.py): Redis at PUBLIC_CACHE_REDIS_URL or REDIS_URL, else files shared by the workers.
    PUBLIC_CACHE = os.environ.get("PUBLIC_CACHE", "on") != "off"
    PUBLIC_CACHE_REDIS_URL = os.environ.get("PUBLIC_CACHE_REDIS_URL", "")
    PUBLIC_CACHE_DIR = os.environ.get("PUBLIC_CACHE_DIR", str(INSTANCE_DIR / "cache"))
    PUBLIC_CACHE_MAX_FILES = _int("PUBLIC_CACHE_MAX_FILES", 20_000)
    PUBLIC_CACHE_TIMEOUT_SECONDS = _int("PUBLIC_CACHE_TIMEOUT_SECONDS", 3600)  # unused answers leave the store
    PUBLIC_CACHE_LOCAL_ENTRIES = _int("PUBLIC_CACHE_LOCAL_ENTRIES", 512)  # per process, in front of the store
    # Versions read on an autocommit connection of each thread's own (one round trip); False: in the request's session.
    PUBLIC_CACHE_OWN_CONNECTION = True

    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")  # json (one object per line) or text
    # Days of past orders `flask seed-demo` writes for the dashboards (tests use fewer).
    DEMO_HISTORY_DAYS = _int("DEMO_HISTORY_DAYS", 90)
    # Dashboards and reports read from this database (a read replica) when set; else from DATABASE_URL.
    REPORTING_DATABASE_URL = os.environ.get("REPORTING_DATABASE_URL", "")

    STRIPE_API_KEY = os.environ.get("STRIPE_API_KEY", "")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
    STRIPE_JS_URL = os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/")
    STRIPE_TIMEOUT_SECONDS = float(os.environ.get("STRIPE_TIMEOUT_SECONDS", "10"))
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-only-secret-key-never-used-outside-the-tests"
    JWT_SECRET_KEY = ""
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    PASSWORD_HASH_TIME_COST = 1
    PASSWORD_HASH_MEMORY_KIB = 1024
    STRIPE_WEBHOOK_SECRET = "whsec_test_secret"
    JOBS_IMMEDIATE = True
    # Most tests run in one rolled-back transaction on one connection (tests/database.py).
    PUBLIC_CACHE_OWN_CONNECTION = False
    # Shared by every test run: versions are random, so no run can find another's answers.
    PUBLIC_CACHE_DIR = os.path.join(tempfile.gettempdir(), "market-test-public-cache")
    DEMO_HISTORY_DAYS = 3
