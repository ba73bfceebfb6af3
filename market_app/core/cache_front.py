"""The public read cache's front door: a WSGI layer in front of Flask that answers an anonymous GET whose answer is
in the cache before Flask builds a request, runs its hooks or opens a session.

Shoppers browse far more than they buy, and every one of those reads would otherwise pay Flask's request context,
the access log's hook, the metrics hook and flask-talisman's hooks: together three times the work of finding the
answer. Here a hit costs the route's lookup (remembered per path), the version's read (core/versions.py), the key,
one dict lookup, and what every answer must still carry: the same headers as Flask's answer (the security headers
are asked of flask-talisman once per route, not rebuilt), an X-Request-ID, an access log line and the latency
metric. Anything else (a miss, a token, a request id to refuse, an https redirect to make) goes on to Flask
unchanged, and a miss hands its key on so the view computes and stores the answer under the version read here."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl

from flask import Flask, current_app, has_app_context
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_etags
from werkzeug.routing import RequestRedirect

from market_app.core import cache, logs, metrics

_ROUTES_REMEMBERED = 4096  # paths; a stranger's random paths only empty the table now and then
_NOT_CACHED = object()


class _Route:
    """A path that matched a cached public route: what its key needs, and the headers its answers carry."""

    __slots__ = ("endpoint", "view_args", "rule", "spec", "security_headers")

    def __init__(self, endpoint, view_args, rule, spec, security_headers):
        self.endpoint, self.view_args, self.rule, self.spec = endpoint, view_args, rule, spec
        self.security_headers = security_headers  # {is_https: [(name, value), ...]}


class CacheFront:
    def __init__(self, app: Flask, wsgi_app: Callable, security_headers_for: Callable[[str, bool], list]):
        self.app = app
        self.wsgi_app = wsgi_app
        self.security_headers_for = security_headers_for
        self.routes: dict[str, _Route | object] = {}

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] != "GET" or "HTTP_AUTHORIZATION" in environ:
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        request_id = environ.get("HTTP_X_REQUEST_ID")
        if request_id is not None and not logs.valid_request_id(request_id):
            return self.wsgi_app(environ, start_response)  # Flask answers the 400
        secure = environ["wsgi.url_scheme"] == "https" or environ.get("HTTP_X_FORWARDED_PROTO") == "https"
        if not secure and self.app.config["FORCE_HTTPS"] and not self.app.debug:
            return self.wsgi_app(environ, start_response)  # flask-talisman redirects it
        path = environ.get("PATH_INFO") or "/"
        if not path.isascii():
            path = path.encode("latin-1").decode(errors="replace")  # as werkzeug decodes it for Flask
        route = self._route(path)
        if route is _NOT_CACHED:
            return self.wsgi_app(environ, start_response)
        query = environ.get("QUERY_STRING", "").encode("latin-1")
        entry = self._entry(route, query, environ)
        if entry is None:
            return self.wsgi_app(environ, start_response)
        etag, body, headers = entry
        headers = [*headers, ("ETag", f'"{etag}"'), ("Cache-Control", cache.CACHE_CONTROL)]
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        if if_none_match is not None and parse_etags(if_none_match).contains(etag):
            status, body, headers = 304, b"", headers[-2:]
        else:
            status = 200
            headers.append(("Content-Length", str(len(body))))
        request_id = request_id or logs.new_request_id()
        headers += route.security_headers[secure]
        headers.append((logs.HEADER, request_id))
        start_response("200 OK" if status == 200 else "304 NOT MODIFIED", headers)
        self._observe(environ, path, route, status, request_id, time.perf_counter() - started)
        return [body]

    def _route(self, path: str) -> _Route | object:
        route = self.routes.get(path)
        if route is None:
            route = self._match(path)
            if len(self.routes) >= _ROUTES_REMEMBERED:
                self.routes.clear()
            self.routes[path] = route
        return route

    def _match(self, path: str) -> _Route | object:
        try:
            rule, view_args = self.app.url_map.bind("localhost").match(path, method="GET", return_rule=True)
        except (HTTPException, RequestRedirect):
            return _NOT_CACHED  # Flask answers the 404, 405 or redirect
        spec = cache.spec_of(self.app, rule.endpoint)
        if spec is None:
            return _NOT_CACHED
        headers = {secure: self.security_headers_for(path, secure) for secure in (False, True)}
        if headers[False] is None:
            return _NOT_CACHED  # a per-answer security header (a CSP nonce): Flask's hooks must make it
        return _Route(rule.endpoint, view_args, rule.rule, spec, headers)

    def _entry(self, route: _Route, query: bytes, environ: dict) -> tuple | None:
        """The cached answer, or None; on a miss the key goes on to the view (cache.public), which stores the
        answer it computes under the version read here, before the data."""
        public_cache = self.app.extensions.get(cache.KEY)
        if public_cache is None:
            return None
        spec = route.spec
        # Parsed as werkzeug parses request.args.
        args = MultiDict(parse_qsl(query.decode(errors="replace"), keep_blank_values=True)) if spec.when else None
        # The version is read like in the view: in an app context (the request's own in tests that hold one).
        own_context = not (has_app_context() and current_app._get_current_object() is self.app)
        context = self.app.app_context() if own_context else None
        if context is not None:
            context.push()
        try:
            key = cache.key_of(spec, route.endpoint, route.view_args, query, args)
            entry = public_cache.get(key) if key is not None else None  # the shared store is the app's
        except Exception as error:  # the database unreachable: Flask's handlers answer it (a 503), not a retry
            environ[cache.FAILURE_FROM_FRONT] = error
            return None
        finally:
            if context is not None:
                context.pop()
        if key is not None and entry is None:
            environ[cache.KEY_FROM_FRONT] = key
        return entry

    def _observe(self, environ: dict, path: str, route: _Route, status: int, request_id: str, duration: float) -> None:
        """The same access log line and latency sample as Flask's hooks write (core/logs.py, core/metrics.py)."""
        if logs.access_log.isEnabledFor(logging.INFO):
            logs.access_log.info("GET %s %s", path, status, extra={
                "method": "GET", "path": path, "route": route.rule, "status": status,
                "duration_ms": round(duration * 1000, 2), "remote_addr": environ.get("REMOTE_ADDR"),
                "request_id": request_id,
            })
        metrics.observe_latency("GET", route.rule, status, duration)


def install(app: Flask, security_headers_for: Callable[[str, bool], list]) -> None:
    """Put the front door before Flask (and inside any proxy fix, which must wrap it to fix what it reads)."""
    if app.extensions.get(cache.KEY) is not None:
        app.wsgi_app = CacheFront(app, app.wsgi_app, security_headers_for)
