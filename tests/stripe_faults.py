"""A Stripe that misbehaves on purpose: an HTTP proxy in front of the session's localstripe that answers chosen
requests itself (a 429, a refusal, a lie) and forwards every other request unchanged."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.helpers import make_overdue, read_order, serving

# (method, path regex) -> a function of the path's match giving (status, JSON body)
Rule = tuple[str, str, Callable[[re.Match], tuple[int, dict]]]
CANCEL = ("POST", r"/v1/payment_intents/(pi_\w+)/cancel")
RETRIEVE = ("GET", r"/v1/payment_intents/(pi_\w+)")
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def stripe_error(status: int, kind: str, message: str, code: str | None = None, param: str | None = None):
    """A rule answer shaped like Stripe's errors."""
    error = {"type": kind, "message": message} | ({"code": code} if code else {}) | ({"param": param} if param else {})
    return lambda _match: (status, {"error": error})


@contextmanager
def faulty_stripe(upstream: str, rules: list[Rule], keys: list[str] | None = None) -> Iterator[tuple[str, list[str]]]:
    """Yield (base URL, log of "METHOD path" answered by a rule); keys, when given, collects "METHOD path key" of
    every request sent with an Idempotency-Key."""
    answered: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args) -> None:
            pass

        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if keys is not None and self.headers.get("Idempotency-Key"):
                keys.append(f"{self.command} {self.path} {self.headers['Idempotency-Key']}")
            for method, pattern, answer in rules:
                match = re.fullmatch(pattern, self.path.split("?")[0])
                if method == self.command and match:
                    answered.append(f"{self.command} {self.path}")
                    status, payload = answer(match)
                    return self._send(status, json.dumps(payload).encode())
            request = urllib.request.Request(upstream + self.path, data=body if body else None, method=self.command,
                                             headers={k: v for k, v in self.headers.items() if k.lower() != "host"})
            try:
                with _direct.open(request, timeout=10) as response:
                    self._send(response.status, response.read())
            except urllib.error.HTTPError as error:
                self._send(error.code, error.read())

        def _send(self, status: int, payload: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = _handle

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with serving(server):
        yield f"http://127.0.0.1:{server.server_port}", answered


def expire_behind_stripes_back(client, shop, placed: dict, localstripe_url: str, stripe_at) -> None:
    """A Stripe that answers the cancel with "canceled" but keeps the intent payable: the order expires here
    while the shopper can still pay it (the state older code left behind whenever a cancel went wrong)."""
    lie = ("POST", CANCEL[1], lambda match: (200, {"id": match.group(1), "object": "payment_intent",
                                                   "status": "canceled", "amount": placed["total"],
                                                   "currency": "krw"}))
    make_overdue(placed["id"])
    with faulty_stripe(localstripe_url, [lie]) as (url, _), stripe_at(url):
        assert read_order(client, shop, placed["id"])["status"] == "expired"


def processing_at_stripe(stripe_client) -> list[Rule]:
    """Rules for intents the shopper confirmed with a payment that takes a while to settle: Stripe reports them
    processing and refuses to cancel them with its real error (HTTP 400, payment_intent_unexpected_state).
    localstripe cannot hold an intent in processing (its one slow method, sepa_debit, settles or fails within
    half a second), so the proxy reports localstripe's intent with that status."""
    refused = stripe_error(400, "invalid_request_error",
                           "You cannot cancel this PaymentIntent because it has a status of processing. Only a "
                           "PaymentIntent with one of the following statuses may be canceled: "
                           "requires_payment_method, requires_capture, requires_confirmation, requires_action.",
                           code="payment_intent_unexpected_state")

    def processing(match: re.Match) -> tuple[int, dict]:
        intent = json.loads(str(stripe_client.v1.payment_intents.retrieve(match.group(1))))
        return 200, intent | {"status": "processing"}

    return [(*CANCEL, refused), (*RETRIEVE, processing)]
