"""Extension points of checkout and refunds, registered at app start by the domains above orders: special prices (live
offers), reservation participants (stock, a delivery slot's place, a live offer's cap) and the delivery terms the
cart shows. Orders never imports those domains; they plug in here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from flask import Flask, current_app

if TYPE_CHECKING:
    from market_app.catalog.models import Product
    from market_app.markets.models import Market
    from market_app.orders.checkout import Checkout
    from market_app.orders.models import Order, StallOrder
    from market_app.orders.placement import PlacedOrder


@dataclass(frozen=True)
class SpecialPrice:
    unit_price: int
    live_session_id: int | None = None
    # Units still to be had at this price (a live offer's remaining cap, or what the shopper may still buy at it);
    # None: any number. The rest of a line is priced at the list price, as a line of its own.
    max_quantity: int | None = None


# An override sees the products being bought, the time and the shopper (None: nobody signed in), and returns
# special prices by product id.
PriceOverride = Callable[["Sequence[Product]", datetime, "int | None"], "dict[int, SpecialPrice]"]


@dataclass(frozen=True)
class DeliveryCharge:
    """What the delivery participant decided in prepare(): the fee charged and what it was computed from. The
    order keeps it as it keeps its items' prices."""

    fee: int
    distance_km: float
    zone_up_to_km: float
    slot_start: datetime
    slot_end: datetime


@dataclass(frozen=True)
class DeliveryTerms:
    """A market's delivery terms before the address is known (the cart shows them): the nearest ring's fee for a
    subtotal (0 from free_over), the minimum order and the free-delivery threshold."""

    enabled: bool
    fee: int
    min_order: int
    free_over: int | None


DeliveryTermsOf = Callable[["Market", int], DeliveryTerms]


class ReservationParticipant:
    """Something an order holds from placement until it closes. Every method may be left as it is.

    prepare: before any money or stock is touched; check and refuse (InvalidInput naming the field), or add to
             the checkout (checkout.delivery_charge: a delivery order without one is refused).
    reserve: inside the order's transaction, before its rows are written; take the place atomically or raise. It
             gets the order as plain values (placement.PlacedOrder: no ids yet) and may set a line's
             reserved_quantity (the stock participant) or keep what record() needs in checkout.extras.
    record:  right after the order's rows are written (order.id, each stall order's and line's id are set): write
             the participant's own rows pointing at them, with Core statements (nothing of the order is in the
             session; each domain writes only its own tables).
    release_stall_order: a stall order closed (rejected, cancelled): give back what it held.
    release_order: the order closed (cancelled, expired): give back what the order as a whole held.
    restore: an expired order was paid after all: take back what it held (from the order's own rows, there is
             no checkout any more), or raise Conflict when it is gone (the shopper is then refunded).
    The last three get ORM rows (StallOrder, Order) loaded by the request or job that closes the order.
    Releases must be idempotent: an order can be closed by a job that runs twice.
    """

    def prepare(self, checkout: Checkout) -> None:
        pass

    def reserve(self, checkout: Checkout, order: PlacedOrder) -> None:
        pass

    def record(self, checkout: Checkout, order: PlacedOrder) -> None:
        pass

    def release_stall_order(self, stall_order: StallOrder) -> None:
        pass

    def release_order(self, order: Order) -> None:
        pass

    def restore(self, order: Order) -> None:
        pass


# A refund guard raises (Conflict) when a stall order may no longer be refunded through the platform, e.g. the
# sale was already paid out to the stall. It runs with the stall order's row locked.
RefundGuard = Callable[["StallOrder"], None]


@dataclass
class CheckoutHooks:
    price_overrides: list[PriceOverride] = field(default_factory=list)
    participants: list[ReservationParticipant] = field(default_factory=list)
    refund_guards: list[RefundGuard] = field(default_factory=list)
    delivery_terms: DeliveryTermsOf | None = None  # None: no market delivers


_KEY = "orders.checkout_hooks"


def init_app(app: Flask, *participants: ReservationParticipant) -> CheckoutHooks:
    hooks = CheckoutHooks(participants=list(participants))
    app.extensions[_KEY] = hooks
    return hooks


def for_app(app: Flask) -> CheckoutHooks:
    return app.extensions[_KEY]


def current() -> CheckoutHooks:
    return current_app.extensions[_KEY]
