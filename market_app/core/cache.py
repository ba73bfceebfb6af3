"""Response cache of the public reads, never stale: an answer is stored under the version of what it shows
(core.versions), so a write that changes it makes every stored answer unreachable in the same commit.

Store: Flask-Caching on Redis when REDIS_URL is set, otherwise files under instance/cache shared by the gunicorn
workers of one machine; a small per-process table of the most used answers sits in front of either (entries never
change under a key, so a per-process copy cannot be older than the shared one). The store only makes reads cheaper:
when it fails, the read is computed as if nothing was cached.

Clients get a strong ETag and `Cache-Control: public, no-cache`: they (and proxies) may keep the answer but ask
again each time, and get a 304 while it has not changed. No max-age: a merchant who just changed a price must see
it at once.
"""

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path

from flask import Flask, Response, current_app, request
from flask_caching import Cache
from werkzeug.datastructures import MultiDict

from market_app.core import versions
from market_app.core.db import db

log = logging.getLogger(__name__)
KEY = "public_cache"
KEY_FROM_FRONT = "market_app.public_cache.key"  # environ: the key cache_front read the version for and missed
FAILURE_FROM_FRONT = "market_app.public_cache.failure"  # environ: why cache_front could not read the version
_SPECS = "public_cache.routes"
CACHE_CONTROL = "public, no-cache"
_KEPT_HEADERS = ("Content-Type", "X-Pagination")


class PublicCache:
    """The shared store with a bounded per-process table of entries in front of it."""

    def __init__(self, store: Cache, local_entries: int):
        self.store = store
        self.local: OrderedDict[str, tuple] = OrderedDict()
        self.local_entries = local_entries
        self.lock = threading.Lock()

    def get(self, key: str) -> tuple | None:
        with self.lock:  # gthread workers share the table between threads
            entry = self.local.get(key)
            if entry is not None:
                self.local.move_to_end(key)
                return entry
        try:
            entry = self.store.get(key)
        except Exception:  # the store is only a shortcut: without it the answer is computed
            log.warning("public cache store unreachable (get)", exc_info=True)
            return None
        if entry is not None:
            self._keep(key, entry)
        return entry

    def set(self, key: str, entry: tuple) -> None:
        self._keep(key, entry)
        try:
            self.store.set(key, entry)
        except Exception:
            log.warning("public cache store unreachable (set)", exc_info=True)

    def _keep(self, key: str, entry: tuple) -> None:
        with self.lock:
            self.local[key] = entry
            if len(self.local) > self.local_entries:
                self.local.popitem(last=False)


def init_app(app: Flask) -> None:
    """Hits are answered by core/cache_front.py before Flask; misses and requests with a token by public()."""
    config = app.config
    app.extensions[_SPECS] = {}
    if not config["PUBLIC_CACHE"]:
        app.extensions[KEY] = None
        return
    settings = {"CACHE_DEFAULT_TIMEOUT": config["PUBLIC_CACHE_TIMEOUT_SECONDS"], "CACHE_KEY_PREFIX": "public:"}
    redis_url = config.get("PUBLIC_CACHE_REDIS_URL") or config.get("REDIS_URL")
    if redis_url:
        settings |= {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url}
    else:
        directory = Path(config["PUBLIC_CACHE_DIR"])
        directory.mkdir(parents=True, exist_ok=True)
        settings |= {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(directory),
                     "CACHE_THRESHOLD": config["PUBLIC_CACHE_MAX_FILES"]}
    app.extensions[KEY] = PublicCache(Cache(app, config=settings), config["PUBLIC_CACHE_LOCAL_ENTRIES"])


def _etag(body: bytes, headers: list[tuple[str, str]]) -> str:
    digest = hashlib.blake2b(body, digest_size=16)
    for name, value in headers:
        digest.update(f"\n{name}: {value}".encode())
    return digest.hexdigest()


def _answer(entry: tuple) -> Response:
    etag, body, headers = entry
    validators = [("ETag", f'"{etag}"'), ("Cache-Control", CACHE_CONTROL)]
    if "If-None-Match" in request.headers and request.if_none_match.contains(etag):
        return Response(status=304, headers=validators)
    return Response(body, headers=headers + validators)


class _Spec:
    def __init__(self, scope, vary, when):
        self.scope, self.vary, self.when = scope, vary, when


def key_of(spec: _Spec, endpoint: str, view_args: dict, query_string: bytes, args: MultiDict | None) -> str | None:
    """The answer's key: its scope's version, what else it varies by, the route and its query; None when this
    request's answer must not be stored (not the same for everyone, or a scope without a version). args: the
    query's arguments, needed only by a spec with a when()."""
    if spec.when is not None and not spec.when(args):
        return None
    scope = spec.scope(view_args)
    version = versions.read(scope)
    if version is None:
        return None
    varied = spec.vary(view_args, version) if spec.vary is not None else ""
    # The raw query: the same arguments in another order are only stored twice.
    return f"{scope}:{version}:{varied}:{endpoint}:{view_args}:{query_string!r}"


def spec_of(app: Flask, endpoint: str | None) -> _Spec | None:
    """The cached route's spec (what public() was given), None for a route that is not cached."""
    specs = app.extensions[_SPECS]
    if endpoint not in specs:
        view = app.view_functions.get(endpoint)
        view = getattr(getattr(view, "view_class", None), "get", view)
        specs[endpoint] = getattr(view, "_public_cache", None)
    return specs[endpoint]


def this_minute(_view_args: dict, _version: int) -> str:
    """vary= for answers that depend on the time at a minute's grain (open slots, today's sessions): stored for the
    current minute only."""
    return datetime.now(UTC).strftime("%Y%m%d%H%M")


def public(scope: Callable[[dict], str], *, vary: Callable[[dict, int], str] | None = None,
           when: Callable[[MultiDict], bool] | None = None):
    """Serve a public GET from the cache. scope(view_args) names what it shows (a core.versions scope); vary, if
    given, adds what else the answer depends on besides the query (the time, for "open now"); when(args), if given,
    says from the query's arguments whether this request's answer is the same for everyone (else it is computed and
    not stored). Put it above the flask-smorest decorators: a hit with a token skips argument parsing and dumping
    (an anonymous hit never gets here: core/cache_front.py answers it). Only 200 answers are stored."""
    spec = _Spec(scope, vary, when)

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            cache: PublicCache | None = current_app.extensions.get(KEY)
            if cache is None:
                return view(*args, **kwargs)
            failure = request.environ.pop(FAILURE_FROM_FRONT, None)
            if failure is not None:
                raise failure  # the database is down or hangs: once is enough to wait for it
            if KEY_FROM_FRONT in request.environ:
                key, entry = request.environ.pop(KEY_FROM_FRONT), None  # cache_front missed it already
            else:
                key = key_of(spec, request.endpoint, kwargs, request.query_string, request.args)
                entry = cache.get(key) if key is not None else None
            if key is None:
                return view(*args, **kwargs)
            if entry is None:
                # The answer must be as new as the version: rows the session loaded before it was read are reloaded.
                db.session.expire_all()
                response = current_app.make_response(view(*args, **kwargs))
                if response.status_code != 200:
                    return response
                body = response.get_data()
                headers = [(name, response.headers[name]) for name in _KEPT_HEADERS if name in response.headers]
                entry = (_etag(body, headers), body, headers)
                cache.set(key, entry)
            return _answer(entry)

        wrapper._public_cache = spec
        return wrapper

    return decorator
