"""The one narrow door between the app and Stripe: a client factory and the few calls payments need.

Money is int KRW (zero-decimal: 15000 means ₩15,000). Stripe's failures come out as the exceptions defined here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import stripe
from stripe.params import (
    PaymentIntentCancelParams,
    PaymentIntentCaptureParams,
    PaymentIntentCreateParams,
    RefundCreateParams,
)

CaptureMethod = Literal["automatic", "manual"]


class GatewayError(Exception):
    """Any failure this module reports; other Stripe errors (stripe.StripeError) are left as they are."""


class PaymentProviderUnavailable(GatewayError):
    """Stripe was unreachable or did not answer in time; a write may or may not have happened."""


class PaymentDeclined(GatewayError):
    """The card was declined; decline_code is Stripe's decline_code, else its error code."""

    def __init__(self, decline_code: str, message: str, payment_intent_id: str | None = None) -> None:
        super().__init__(f"{decline_code}: {message}")
        self.decline_code = decline_code
        self.message = message
        self.payment_intent_id = payment_intent_id


class PaymentRequestRefused(GatewayError):
    """Stripe refused the request itself (InvalidRequestError: an amount it cannot take, a bad parameter);
    param is the parameter Stripe named, if any. Nothing was charged."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


class WebhookVerificationFailed(Exception):
    """A webhook whose Stripe-Signature does not match, is too old, or whose body is not an event."""


def make_client(api_key: str, api_base: str | None, timeout_seconds: float) -> stripe.StripeClient:
    """A StripeClient with a bounded wait; api_base points it at localstripe."""
    # No library retries: every write carries our idempotency key, so the caller can retry where it knows whether
    # someone is waiting, and a request-serving worker never blocks longer than about one timeout.
    # The requests timeout bounds the connect and each read separately, not the whole call.
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        http_client=stripe.RequestsClient(timeout=timeout_seconds),
        max_network_retries=0,
    )


@contextmanager
def _provider_errors() -> Iterator[None]:
    """Turn stripe's network, card and invalid-request errors into this module's exceptions."""
    try:
        yield
    except stripe.APIConnectionError as exc:  # refused connection, DNS, TLS, timeout
        raise PaymentProviderUnavailable(str(exc)) from exc
    except stripe.RateLimitError as exc:  # 429: Stripe asks us to come back later; nothing was done
        raise PaymentProviderUnavailable(f"rate limited: {exc}") from exc
    except stripe.APIError as exc:
        if (exc.http_status or 0) >= 500:  # Stripe's own fault: transient, retried like an outage
            raise PaymentProviderUnavailable(str(exc)) from exc
        raise
    except stripe.CardError as exc:
        error = exc.error
        decline_code = (error.decline_code if error else None) or exc.code or "card_declined"
        intent = error.payment_intent if error else None
        raise PaymentDeclined(decline_code, exc.user_message or "", intent.id if intent else None) from exc
    except stripe.InvalidRequestError as exc:
        raise PaymentRequestRefused(exc.user_message or str(exc), getattr(exc, "param", None)) from exc


def _require_won(amount: int) -> int:
    # bool is an int and a float would be sent as-is; either means a bug upstream, so refuse before calling Stripe.
    if type(amount) is not int or amount <= 0:
        raise ValueError(f"amount must be a positive int of won, got {amount!r}")
    return amount


def create_payment_intent(
    client: stripe.StripeClient,
    *,
    amount: int,
    currency: str,
    metadata: dict[str, str],
    idempotency_key: str,
    capture_method: CaptureMethod = "automatic",
    payment_method: str | None = None,
    confirm: bool = False,
) -> stripe.PaymentIntent:
    """Create (and with confirm=True also confirm) a PaymentIntent; the payment method must be given here."""
    params: PaymentIntentCreateParams = {
        "amount": _require_won(amount),
        "currency": currency,
        "metadata": metadata,
        "capture_method": capture_method,
    }
    # localstripe answers 500 to confirm-with-payment_method, so the method travels with the create call.
    if payment_method is not None:
        params["payment_method"] = payment_method
    if confirm:
        params["confirm"] = True
    with _provider_errors():
        return client.v1.payment_intents.create(params, {"idempotency_key": idempotency_key})


def retrieve_payment_intent(client: stripe.StripeClient, pi_id: str) -> stripe.PaymentIntent:
    with _provider_errors():
        return client.v1.payment_intents.retrieve(pi_id)


def cancel_payment_intent(
    client: stripe.StripeClient, pi_id: str, idempotency_key: str | None = None
) -> stripe.PaymentIntent:
    params: PaymentIntentCancelParams = {}
    with _provider_errors():
        return client.v1.payment_intents.cancel(pi_id, params, {"idempotency_key": idempotency_key})


def capture_payment_intent(
    client: stripe.StripeClient, pi_id: str, amount_to_capture: int | None, idempotency_key: str
) -> stripe.PaymentIntent:
    """Capture an authorized intent; None captures it all, less releases the rest of the authorization."""
    params: PaymentIntentCaptureParams = {}
    if amount_to_capture is not None:
        params["amount_to_capture"] = _require_won(amount_to_capture)
    with _provider_errors():
        return client.v1.payment_intents.capture(pi_id, params, {"idempotency_key": idempotency_key})


def create_refund(
    client: stripe.StripeClient,
    *,
    payment_intent_id: str,
    amount: int | None,
    idempotency_key: str,
    metadata: dict[str, str] | None = None,
) -> stripe.Refund:
    """Refund part (amount) or the rest (None) of a payment; the caller enforces its own refund limit."""
    params: RefundCreateParams = {"payment_intent": payment_intent_id, "metadata": metadata or {}}
    if amount is not None:
        params["amount"] = _require_won(amount)
    with _provider_errors():
        return client.v1.refunds.create(params, {"idempotency_key": idempotency_key})


def create_transfer(
    client: stripe.StripeClient,
    *,
    amount: int,
    currency: str,
    destination: str,
    transfer_group: str,
    idempotency_key: str,
    metadata: dict[str, str] | None = None,
) -> stripe.Transfer:
    """Pay a seller's connected account its share (separate charges and transfers). Upstream localstripe has no
    Transfer; ours (localstripe_server) adds one."""
    with _provider_errors():
        return client.v1.transfers.create(
            {
                "amount": _require_won(amount),
                "currency": currency,
                "destination": destination,
                "transfer_group": transfer_group,
                "metadata": metadata or {},
            },
            {"idempotency_key": idempotency_key},
        )


def find_transfer(
    client: stripe.StripeClient, *, transfer_group: str, metadata: dict[str, str]
) -> stripe.Transfer | None:
    """The transfer of transfer_group whose metadata includes metadata, if Stripe has one (one sent by a run that
    died before recording it: Stripe keeps idempotency keys only 24 hours, localstripe not at all). Whatever its
    destination: the stall's account may have changed since, and that transfer was still made."""
    with _provider_errors():
        listed = client.v1.transfers.list({"transfer_group": transfer_group, "limit": 100})
        for transfer in listed.auto_paging_iter():
            if transfer.metadata and metadata.items() <= transfer.metadata.to_dict().items():
                return transfer
    return None


def construct_event(payload: bytes, sig_header: str | None, secret: str) -> stripe.Event:
    """Verify a webhook body against its Stripe-Signature header (300 s tolerance) and parse it into an Event."""
    try:
        return stripe.Webhook.construct_event(payload, sig_header, secret)
    except (stripe.SignatureVerificationError, ValueError) as exc:  # ValueError: body is not JSON
        raise WebhookVerificationFailed(str(exc)) from exc
