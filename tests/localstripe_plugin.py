"""Pytest plugin: one real localstripe process per session, a StripeClient on it, and webhook helpers."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import stripe

from market_app.payments import gateway

REPO_ROOT = Path(__file__).resolve().parents[1]
TEST_API_KEY = "sk_test_12345"
STARTUP_TIMEOUT_SECONDS = 20.0

# Talk to 127.0.0.1 directly even if the environment defines an HTTP proxy.
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    """A port nothing listens on right now (the OS may hand it out again later, rarely soon)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    # Listing customers is authenticated, cheap and, unlike GET /v1/balance, creates nothing in the store.
    request = urllib.request.Request(f"{url}/v1/customers", headers={"Authorization": f"Bearer {TEST_API_KEY}"})
    try:
        with _direct.open(request, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def _wait_until_answering(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"localstripe exited with {process.returncode}:\n{log_path.read_text()}")
        if _answers(url):
            return
        time.sleep(0.1)
    raise TimeoutError(f"localstripe gave no answer at {url} in {STARTUP_TIMEOUT_SECONDS} s:\n{log_path.read_text()}")


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a localstripe started for this session, state in memory only."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("localstripe") / "localstripe.log"
    command = [sys.executable, "-m", "market_app.payments.localstripe_server", "--port", str(port)]
    with log_path.open("wb") as log:  # a file, not a pipe nobody reads, which would fill up and stall the server
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_answering(url, process, log_path)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def stripe_client(localstripe_url: str) -> stripe.StripeClient:
    return gateway.make_client(TEST_API_KEY, localstripe_url, 10)


def register_webhook(localstripe_url: str, name: str, url: str, secret: str, events: list[str] | None = None) -> None:
    """Ask localstripe to POST events (all, or only those listed) to url, signed with secret."""
    fields = [("url", url), ("secret", secret)] + [("events[]", event) for event in events or []]
    request = urllib.request.Request(
        f"{localstripe_url}/_config/webhooks/{urllib.parse.quote(name, safe='')}",
        data=urllib.parse.urlencode(fields).encode(),
        method="POST",
    )
    _direct.open(request, timeout=5).close()  # a refusal raises urllib.error.HTTPError


def sign_event(payload: bytes, secret: str) -> str:
    """A Stripe-Signature header for payload, as Stripe would send it now."""
    return stripe.WebhookSignature.generate_signature_header(payload.decode("utf-8"), secret)


@contextmanager
def silent_server() -> Iterator[str]:
    """A 127.0.0.1 server that accepts connections and never answers: a hung Stripe."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept_and_hold() -> None:
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept_and_hold, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()
