"""Run localstripe on 127.0.0.1 only, with its state in a file we choose or kept in memory.

Upstream `localstripe` binds every interface and pickles its whole store to /tmp/localstripe.pickle on each change;
a development payment stand-in must not be reachable from the network nor leak state outside the project.
"""

from __future__ import annotations

import argparse
import logging
import os
import pickle
from pathlib import Path

from aiohttp import web
from localstripe.resources import PaymentIntent, Store, store
from localstripe.server import app
from localstripe.webhooks import register_webhook


def _keep_in_memory(self: Store) -> None:
    """Persistence switched off: nothing is read or written."""


def use_state_file(state_file: Path | None) -> None:
    """Point localstripe's Store persistence at state_file, or switch it off when None."""
    if state_file is None:
        Store.dump_to_disk = _keep_in_memory  # type: ignore[method-assign]
        Store.try_load_from_disk = _keep_in_memory  # type: ignore[method-assign]
        return

    def dump_to_disk(self: Store) -> None:
        # A plain dict, not the Store: unpickling a Store calls __setitem__, which would dump half-loaded state.
        # Write then rename so a crash mid-write never leaves a truncated file.
        state_file.parent.mkdir(parents=True, exist_ok=True)
        partial = state_file.with_name(state_file.name + ".partial")
        partial.write_bytes(pickle.dumps(dict(self), protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(partial, state_file)

    def try_load_from_disk(self: Store) -> None:
        if not state_file.exists():
            return
        saved = pickle.loads(state_file.read_bytes())  # our own file under instance/, so trusted
        self.clear()
        self.update(saved)  # dict.update does not go through Store.__setitem__

    Store.dump_to_disk = dump_to_disk  # type: ignore[method-assign]
    Store.try_load_from_disk = try_load_from_disk  # type: ignore[method-assign]


def allow_retry_after_decline() -> None:
    """Like Stripe, let a declined PaymentIntent take another payment method and be confirmed again.

    Upstream keeps the failed charge as latest_charge, which pins the intent to requires_payment_method for good
    (confirm then answers 400), so a shopper whose first card was declined could never pay that order.
    """
    update = PaymentIntent._update

    def _update(self: PaymentIntent, **data: object) -> None:
        update(self, **data)
        charge = self.latest_charge
        if "payment_method" in data and charge is not None and charge.status == "failed":
            self.latest_charge = None  # back to requires_confirmation, as at Stripe

    PaymentIntent._update = _update  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state-file", type=Path, help="pickle file for the store; omitted: keep state in memory")
    parser.add_argument("--webhook-url", help="send every event here (the app's webhook endpoint)")
    parser.add_argument("--webhook-secret", help="sign the events with this secret (the app's STRIPE_WEBHOOK_SECRET)")
    args = parser.parse_args(argv)

    use_state_file(args.state_file)
    allow_retry_after_decline()
    store.try_load_from_disk()
    if args.webhook_url:
        # Registered in-process at start-up: localstripe does not keep webhook registrations in its state.
        register_webhook("market-app", args.webhook_url, args.webhook_secret or "", None)
    # localstripe reports webhook deliveries at INFO on the aiohttp.access logger.
    logging.basicConfig(level=logging.INFO, format="localstripe %(levelname)s %(message)s")
    web.run_app(app, host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
