"""The Stripe gateway against a real localstripe process: payments, declines, refunds, capture, failures, webhooks."""

from __future__ import annotations

import http.server
import json
import queue
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import stripe

from market_app.payments import gateway
from tests.helpers import serving
from tests.localstripe_plugin import TEST_API_KEY, free_port, register_webhook, sign_event, silent_server

THREE_D_SECURE_CARD = "4000002500003155"


def _key() -> str:
    return f"test-{uuid.uuid4()}"


def _pay(
    client: stripe.StripeClient, amount: int, capture_method: gateway.CaptureMethod = "automatic"
) -> stripe.PaymentIntent:
    return gateway.create_payment_intent(
        client,
        amount=amount,
        currency="krw",
        metadata={"order_id": "ord-1"},
        idempotency_key=_key(),
        capture_method=capture_method,
        payment_method="pm_card_visa",
        confirm=True,
    )


def test_visa_payment_confirmed_at_create_succeeds(stripe_client: stripe.StripeClient) -> None:
    intent = _pay(stripe_client, 15000)

    assert (intent.status, intent.amount, intent.currency) == ("succeeded", 15000, "krw")
    assert intent.metadata.to_dict() == {"order_id": "ord-1"}
    # localstripe expands latest_charge into a Charge object; real Stripe gives its id unless expanded.
    charge = intent.latest_charge
    assert isinstance(charge, stripe.Charge)
    assert (charge.amount, charge.captured, charge.status) == (15000, True, "succeeded")
    assert charge.payment_intent == intent.id
    assert gateway.retrieve_payment_intent(stripe_client, intent.id).status == "succeeded"


def test_declined_card_raises_payment_declined(stripe_client: stripe.StripeClient) -> None:
    with pytest.raises(gateway.PaymentDeclined) as declined:
        gateway.create_payment_intent(
            stripe_client,
            amount=15000,
            currency="krw",
            metadata={},
            idempotency_key=_key(),
            payment_method="pm_card_chargeCustomerFail",
            confirm=True,
        )

    assert declined.value.decline_code == "card_declined"
    assert declined.value.message == "Your card was declined."
    # localstripe's 402 body names the charge, not the PaymentIntent (real Stripe includes error.payment_intent).
    assert declined.value.payment_intent_id is None


def test_three_d_secure_card_requires_action_then_cancels(stripe_client: stripe.StripeClient) -> None:
    # localstripe decides by card number, so the test card must become a PaymentMethod first (no pm_card_ alias).
    method = stripe_client.v1.payment_methods.create(
        {"type": "card", "card": {"number": THREE_D_SECURE_CARD, "exp_month": 12, "exp_year": 2030, "cvc": "123"}}
    )

    intent = gateway.create_payment_intent(
        stripe_client,
        amount=15000,
        currency="krw",
        metadata={},
        idempotency_key=_key(),
        payment_method=method.id,
        confirm=True,
    )

    assert intent.status == "requires_action"
    assert intent.next_action is not None and intent.next_action.type == "use_stripe_sdk"
    assert intent.latest_charge is None
    assert gateway.cancel_payment_intent(stripe_client, intent.id, _key()).status == "canceled"


def test_partial_refund_then_second_refund(stripe_client: stripe.StripeClient) -> None:
    intent = _pay(stripe_client, 15000)

    first = gateway.create_refund(
        stripe_client, payment_intent_id=intent.id, amount=5000, idempotency_key=_key(), metadata={"reason": "stall"}
    )
    second = gateway.create_refund(stripe_client, payment_intent_id=intent.id, amount=3000, idempotency_key=_key())

    assert (first.amount, first.status, first.payment_intent, first.currency) == (5000, "succeeded", intent.id, "krw")
    assert first.metadata.to_dict() == {"reason": "stall"}
    assert second.amount == 3000 and second.id != first.id
    charge = gateway.retrieve_payment_intent(stripe_client, intent.id).latest_charge
    assert isinstance(charge, stripe.Charge)
    assert (charge.amount_refunded, charge.refunded) == (8000, False)


def test_refund_without_amount_refunds_whole_charge_again(stripe_client: stripe.StripeClient) -> None:
    # Real Stripe refunds what is left (10000 here); localstripe refunds the whole charge again and never
    # refuses over-refunds. So the app always passes an explicit amount checked against its own ledger.
    intent = _pay(stripe_client, 15000)
    gateway.create_refund(stripe_client, payment_intent_id=intent.id, amount=5000, idempotency_key=_key())

    rest = gateway.create_refund(stripe_client, payment_intent_id=intent.id, amount=None, idempotency_key=_key())

    assert rest.amount == 15000
    charge = gateway.retrieve_payment_intent(stripe_client, intent.id).latest_charge
    assert isinstance(charge, stripe.Charge)
    assert charge.amount_refunded == 20000


def test_manual_capture_of_part_of_an_authorization(stripe_client: stripe.StripeClient) -> None:
    authorized = _pay(stripe_client, 30000, capture_method="manual")
    assert authorized.status == "requires_capture"
    assert isinstance(authorized.latest_charge, stripe.Charge)
    assert (authorized.latest_charge.amount, authorized.latest_charge.captured) == (30000, False)
    assert "amount_capturable" not in authorized  # localstripe has no amount_capturable / amount_received

    captured = gateway.capture_payment_intent(stripe_client, authorized.id, 20000, _key())

    assert captured.status == "succeeded" and captured.amount == 30000
    assert "amount_received" not in captured
    # localstripe models the released 10000 as a Refund on a 30000 charge; real Stripe reports amount_captured
    # 20000, amount_refunded 0 and amount_received 20000. The app trusts its own record of what it captured.
    charge = captured.latest_charge
    assert isinstance(charge, stripe.Charge)
    assert (charge.amount, charge.amount_refunded, charge.captured, charge.refunded) == (30000, 10000, True, False)
    assert "amount_captured" not in charge

    refund = gateway.create_refund(stripe_client, payment_intent_id=captured.id, amount=5000, idempotency_key=_key())
    assert refund.status == "succeeded"
    after = gateway.retrieve_payment_intent(stripe_client, captured.id).latest_charge
    assert isinstance(after, stripe.Charge)
    assert after.amount_refunded == 15000


def test_same_idempotency_key_twice(stripe_client: stripe.StripeClient) -> None:
    key = _key()
    first = gateway.create_payment_intent(stripe_client, amount=1000, currency="krw", metadata={}, idempotency_key=key)
    again = gateway.create_payment_intent(stripe_client, amount=1000, currency="krw", metadata={}, idempotency_key=key)

    # Real Stripe would return the first PaymentIntent again for 24 h. localstripe ignores Idempotency-Key and
    # creates a second one; if this assertion starts failing, localstripe has learned idempotency.
    assert first.status == again.status == "requires_payment_method"
    assert first.id != again.id


def test_idempotency_key_is_sent_as_header() -> None:
    # localstripe cannot show that the key reaches Stripe, so a recording server checks the request itself.
    answer = {"id": "pi_recorded", "object": "payment_intent", "amount": 1000, "status": "requires_payment_method"}
    with _http_server(json.dumps(answer).encode()) as (url, received):
        client = gateway.make_client(TEST_API_KEY, url, 5)
        intent = gateway.create_payment_intent(client, amount=1000, currency="krw", metadata={}, idempotency_key="o-7")
        _, headers = received.get(timeout=5)

    assert intent.id == "pi_recorded"
    assert headers["Idempotency-Key"] == "o-7"


def test_non_integer_amount_is_refused_before_calling_stripe() -> None:
    client = gateway.make_client(TEST_API_KEY, f"http://127.0.0.1:{free_port()}", 1)
    for amount in (150.0, True, 0, -5):
        with pytest.raises(ValueError):
            gateway.create_payment_intent(client, amount=amount, currency="krw", metadata={}, idempotency_key=_key())


def test_transfer_to_a_connected_account_is_found_again_by_its_group(stripe_client: stripe.StripeClient) -> None:
    # Upstream localstripe has no Connect; ours adds Transfer (create, retrieve, list by transfer_group).
    group = f"ord-{uuid.uuid4().hex[:8]}"
    sent = gateway.create_transfer(stripe_client, amount=13500, currency="krw", destination="acct_seller",
                                   transfer_group=group, idempotency_key=_key(), metadata={"payout_id": "7"})

    assert (sent.id[:3], sent.amount, sent.destination, sent.transfer_group) == ("tr_", 13500, "acct_seller", group)
    def find(group: str = group, payout_id: str = "7"):
        return gateway.find_transfer(stripe_client, transfer_group=group, metadata={"payout_id": payout_id})

    # Found by its group and mark whatever its destination (the stall's account may have changed since).
    assert find().id == sent.id
    assert (find(payout_id="8"), find(group="other")) == (None, None)


def test_transfer_to_no_connected_account_is_refused(stripe_client: stripe.StripeClient) -> None:
    with pytest.raises(gateway.PaymentRequestRefused) as refused:
        gateway.create_transfer(stripe_client, amount=13500, currency="krw", destination="ba_not_an_account",
                                transfer_group="ord-1", idempotency_key=_key())
    assert refused.value.param == "destination"


def test_unreachable_stripe_is_provider_unavailable() -> None:
    client = gateway.make_client(TEST_API_KEY, f"http://127.0.0.1:{free_port()}", 5)
    started = time.monotonic()

    with pytest.raises(gateway.PaymentProviderUnavailable) as unavailable:
        gateway.retrieve_payment_intent(client, "pi_anything")

    assert time.monotonic() - started < 3
    assert isinstance(unavailable.value.__cause__, stripe.APIConnectionError)


def test_hanging_stripe_times_out_as_provider_unavailable() -> None:
    with silent_server() as url:
        client = gateway.make_client(TEST_API_KEY, url, 1)
        started = time.monotonic()
        with pytest.raises(gateway.PaymentProviderUnavailable):
            gateway.create_payment_intent(client, amount=1000, currency="krw", metadata={}, idempotency_key=_key())
        elapsed = time.monotonic() - started

    assert 0.9 <= elapsed < 1.9, elapsed  # waited for the 1 s timeout, once: no library retries


def test_construct_event_checks_the_signature() -> None:
    payload = json.dumps(
        {"id": "evt_1", "object": "event", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1"}}}
    ).encode()
    header = sign_event(payload, "whsec_right")

    event = gateway.construct_event(payload, header, "whsec_right")

    assert (event.id, event.type, event.data.object.id) == ("evt_1", "payment_intent.succeeded", "pi_1")
    with pytest.raises(gateway.WebhookVerificationFailed):
        gateway.construct_event(payload, header, "whsec_wrong")
    with pytest.raises(gateway.WebhookVerificationFailed):
        gateway.construct_event(payload.replace(b"pi_1", b"pi_2"), header, "whsec_right")
    with pytest.raises(gateway.WebhookVerificationFailed):
        gateway.construct_event(payload, None, "whsec_right")
    with pytest.raises(gateway.WebhookVerificationFailed):
        gateway.construct_event(b"not json", sign_event(b"not json", "whsec_right"), "whsec_right")


def test_webhook_delivers_signed_payment_intent_succeeded(
    localstripe_url: str, stripe_client: stripe.StripeClient
) -> None:
    secret = "whsec_" + uuid.uuid4().hex
    with _http_server(b"") as (url, received):
        register_webhook(localstripe_url, f"test-{uuid.uuid4().hex}", url, secret, ["payment_intent.succeeded"])
        intent = _pay(stripe_client, 15000)
        paid_at = time.monotonic()
        body, headers = _wait_for_event(received, intent.id, timeout=10)
        delay = time.monotonic() - paid_at

    event = gateway.construct_event(body, headers["Stripe-Signature"], secret)
    assert event.type == "payment_intent.succeeded"
    assert 0.5 < delay < 10, delay  # localstripe sleeps 1 s before sending
    sent = event.data.object
    assert (sent.id, sent.amount, sent.currency, sent.status) == (intent.id, 15000, "krw", "succeeded")
    assert sent.metadata.to_dict() == {"order_id": "ord-1"}
    assert isinstance(sent.latest_charge, stripe.Charge)  # a whole Charge here too, not an id
    assert (sent.latest_charge.amount, sent.latest_charge.captured) == (15000, True)
    with pytest.raises(gateway.WebhookVerificationFailed):
        gateway.construct_event(body, headers["Stripe-Signature"], "whsec_other")


Received = queue.Queue[tuple[bytes, dict[str, str]]]


def _wait_for_event(received: Received, intent_id: str, timeout: float) -> tuple[bytes, dict[str, str]]:
    # Other tests' events reach this receiver too, so keep reading until the one for this intent arrives.
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            body, headers = received.get(timeout=left)
        except queue.Empty:
            break
        if json.loads(body)["data"]["object"]["id"] == intent_id:
            return body, headers
    raise AssertionError(f"no payment_intent.succeeded for {intent_id} within {timeout} s")


@contextmanager
def _http_server(answer: bytes) -> Iterator[tuple[str, Received]]:
    """A 127.0.0.1 HTTP server that records each POST (body, headers) and answers 200 with answer."""
    received: Received = queue.Queue()

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            received.put((self.rfile.read(int(self.headers["Content-Length"])), dict(self.headers)))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:  # keep pytest output clean
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    with serving(server):
        yield f"http://127.0.0.1:{server.server_address[1]}", received


