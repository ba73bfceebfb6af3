"""Configuration read from the environment; one class per way the app runs."""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-secret-change-me-in-production-0123456789")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'market.db'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    JWT_SECRET_KEY = os.environ.get("JWT_SECRET_KEY") or SECRET_KEY
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(seconds=_int("TOKEN_LIFETIME_SECONDS", 12 * 3600))
    JWT_ERROR_MESSAGE_KEY = "message"

    # Argon2id cost; tests lower it so that hundreds of registrations stay fast.
    PASSWORD_HASH_TIME_COST = _int("PASSWORD_HASH_TIME_COST", 3)
    PASSWORD_HASH_MEMORY_KIB = _int("PASSWORD_HASH_MEMORY_KIB", 65536)

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "")  # apps sharing one Redis keep apart
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    ORDER_RATE_LIMIT = os.environ.get("ORDER_RATE_LIMIT", "30 per minute")
    QUICK_PAY_RATE_LIMIT = os.environ.get("QUICK_PAY_RATE_LIMIT", "30 per minute")

    MAX_CONTENT_LENGTH = 1024 * 1024
    # How many proxies in front of the app set X-Forwarded-For/-Proto (1 behind one nginx); 0 trusts none.
    PROXY_FIX_X_FOR = _int("PROXY_FIX_X_FOR", 0)

    API_TITLE = "Traditional market platform API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    OPENAPI_SWAGGER_UI_URL = "/api/docs/static/"
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
    LIVE_AUTO_END_GRACE_MINUTES = _int("LIVE_AUTO_END_GRACE_MINUTES", 15)
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

    STRIPE_API_KEY = os.environ.get("STRIPE_API_KEY", "")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
    STRIPE_JS_URL = os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/")
    STRIPE_TIMEOUT_SECONDS = float(os.environ.get("STRIPE_TIMEOUT_SECONDS", "10"))
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")


class TestConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    PASSWORD_HASH_TIME_COST = 1
    PASSWORD_HASH_MEMORY_KIB = 1024
    STRIPE_WEBHOOK_SECRET = "whsec_test_secret"
    JOBS_IMMEDIATE = True
    # Most tests run in one rolled-back transaction on one connection (tests/database.py).
    PUBLIC_CACHE_OWN_CONNECTION = False
    # Shared by every test run: versions are random, so no run can find another's answers.
    PUBLIC_CACHE_DIR = os.path.join(tempfile.gettempdir(), "market-test-public-cache")
