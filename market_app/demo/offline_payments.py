"""Paying demo orders without Stripe: `flask seed-demo` runs before any Stripe (or localstripe) is up, and its orders
must still go through checkout. While this is in force, checkout's one call to Stripe (creating the PaymentIntent)
is answered locally with a demo intent; the order is then paid the way Stripe's webhook pays it."""

import itertools
from collections.abc import Iterator
from contextlib import contextmanager

import stripe
from flask import current_app

from market_app.payments import services as payments
from market_app.payments.models import Payment

_ids = itertools.count(1)


class _Intents:
    def create(self, params: dict, options: dict | None = None) -> stripe.PaymentIntent:
        intent_id = f"pi_demo_{next(_ids):06d}_{params['metadata']['reference'][:8]}"
        return stripe.PaymentIntent.construct_from({
            "id": intent_id, "object": "payment_intent", "amount": params["amount"], "currency": params["currency"],
            "status": "requires_payment_method", "client_secret": f"{intent_id}_secret_demo",
            "metadata": params["metadata"]}, "sk_demo")

    def cancel(self, intent_id: str, params: dict | None = None, options: dict | None = None) -> None:
        return None


class _V1:
    payment_intents = _Intents()


class OfflineStripe:
    """The part of stripe.StripeClient that checkout uses."""

    v1 = _V1()


@contextmanager
def offline_payments() -> Iterator[None]:
    """Within the block, the app's Stripe client (payments.services.stripe_client) is the offline stand-in."""
    previous = current_app.extensions.get("stripe_client")
    current_app.extensions["stripe_client"] = OfflineStripe()
    try:
        yield
    finally:
        if previous is None:
            current_app.extensions.pop("stripe_client", None)
        else:
            current_app.extensions["stripe_client"] = previous


def mark_paid(payment: Payment) -> None:
    """What Stripe's payment_intent.succeeded webhook does to a payment (the order becomes paid, its stalls told)."""
    payments.apply_intent_state(payment, {"id": payment.payment_intent_id, "status": "succeeded",
                                          "amount": payment.amount, "amount_received": payment.amount,
                                          "currency": payment.currency})
