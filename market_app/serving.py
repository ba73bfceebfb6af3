"""gunicorn in the API's one error shape: the worker class named in gunicorn.conf.py. gunicorn answers some
requests itself, before the app sees them (request line over limit_request_line: 414, headers too large: 431,
a malformed request: 400), with a small HTML page; this worker sends the same status as JSON instead."""

import json

from gunicorn.workers.gthread import ThreadWorker
from gunicorn.workers.sync import SyncWorker

from market_app.core.errors import error_body

_MESSAGES = {
    400: "Malformed HTTP request.",
    403: "Request forbidden.",
    414: "The request line (URL) is too long.",
    417: "Expectation failed.",
    431: "The request headers are too large.",
    500: "Internal server error.",
    501: "Transfer coding not supported.",
}


def json_error_response(raw_html_response: bytes) -> bytes:
    """gunicorn's HTML error response ("HTTP/1.1 414 URI Too Long ...") as the same status with a JSON body."""
    status_line = raw_html_response.split(b"\r\n", 1)[0].decode("latin-1")
    _version, code, reason = status_line.split(" ", 2)
    status = int(code)
    body = json.dumps(error_body(status, _MESSAGES.get(status, reason))).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"X-Content-Type-Options: nosniff\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


class _JsonErrorSocket:
    """The client socket, but what gunicorn's error handler writes to it is turned into JSON first."""

    def __init__(self, sock):
        self._sock = sock

    def sendall(self, data: bytes) -> None:
        self._sock.sendall(json_error_response(data))

    def __getattr__(self, name):
        return getattr(self._sock, name)


class JsonErrors:
    """Mixin for a gunicorn worker class: its error pages are written through _JsonErrorSocket."""

    def handle_error(self, req, client, addr, exc):
        super().handle_error(req, _JsonErrorSocket(client), addr, exc)


class JsonErrorThreadWorker(JsonErrors, ThreadWorker):
    """gunicorn's gthread worker (what make run and the cluster use), with JSON error pages."""


class JsonErrorSyncWorker(JsonErrors, SyncWorker):
    """gunicorn's sync worker, with JSON error pages."""
