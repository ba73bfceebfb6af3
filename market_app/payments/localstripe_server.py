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
from localstripe.errors import UserError
from localstripe.resources import PaymentIntent, Store, StripeObject, store, try_convert_to_int
from localstripe.server import api_create, api_list_all, api_retrieve, app
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


class Transfer(StripeObject):
    """Connect's Transfer to a connected account (acct_...), which upstream lacks: create, retrieve, and list by
    transfer_group or destination. Like the rest of localstripe it ignores Idempotency-Key (a retry makes a second
    transfer), and it knows no accounts: any acct_ id is a destination."""

    object = "transfer"
    _id_prefix = "tr_"

    def __init__(self, amount=None, currency=None, destination=None, transfer_group=None, metadata=None,
                 description=None, **kwargs):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs))
        amount = try_convert_to_int(amount)
        if type(amount) is not int or amount <= 0 or type(currency) is not str:
            raise UserError(400, "Bad request", {"param": "amount"})
        if type(destination) is not str or not destination.startswith("acct_"):
            raise UserError(400, f"No such destination: '{destination}'", {"param": "destination"})
        if metadata is not None and type(metadata) is not dict:
            raise UserError(400, "Bad request", {"param": "metadata"})
        super().__init__()  # every check above comes first: this stores the object
        self.amount, self.currency, self.destination = amount, currency, destination
        self.transfer_group, self.metadata, self.description = transfer_group, metadata or {}, description
        self.amount_reversed, self.reversed = 0, False

    @classmethod
    def _api_list_all(cls, url, limit=None, starting_after=None, transfer_group=None, destination=None, **kwargs):
        listed = super()._api_list_all(url, limit=limit, starting_after=starting_after, **kwargs)
        listed._list = [t for t in listed._list if transfer_group in (None, t.transfer_group)
                        and destination in (None, t.destination)]
        return listed


def add_transfers() -> None:
    """Serve /v1/transfers (before the app starts: aiohttp freezes its routes then)."""
    url = "/v1/transfers"
    app.router.add_route("POST", url, api_create(Transfer, url))
    app.router.add_route("GET", url + "/{id}", api_retrieve(Transfer, url))
    app.router.add_route("GET", url, api_list_all(Transfer, url))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state-file", type=Path, help="pickle file for the store; omitted: keep state in memory")
    parser.add_argument("--webhook-url", help="send every event here (the app's webhook endpoint)")
    parser.add_argument("--webhook-secret", help="sign the events with this secret (the app's STRIPE_WEBHOOK_SECRET)")
    args = parser.parse_args(argv)

    use_state_file(args.state_file)
    allow_retry_after_decline()
    add_transfers()
    store.try_load_from_disk()
    if args.webhook_url:
        # Registered in-process at start-up: localstripe does not keep webhook registrations in its state.
        register_webhook("market-app", args.webhook_url, args.webhook_secret or "", None)
    # localstripe reports webhook deliveries at INFO on the aiohttp.access logger.
    logging.basicConfig(level=logging.INFO, format="localstripe %(levelname)s %(message)s")
    web.run_app(app, host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
