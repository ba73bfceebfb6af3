"""Signals other domains subscribe to, so payments never imports orders' services."""

from blinker import Namespace

_signals = Namespace()

# sender: the Payment. Receivers run inside the webhook's transaction.
payment_succeeded = _signals.signal("payment-succeeded")
payment_failed = _signals.signal("payment-failed")
