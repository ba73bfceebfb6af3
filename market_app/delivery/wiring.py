"""Delivery's connections at app start: the slot place in checkout, the cart's delivery terms, its reactions to
order events, and who hears of deliveries."""

from flask import Flask

from market_app.core.signals import (
    delivery_moved,
    delivery_ready,
    order_paid,
    order_status_changed,
    pickup_moved,
    stall_order_moved,
)
from market_app.delivery import reactions, services
from market_app.delivery.checkout import SlotReservation
from market_app.delivery.settings import terms_for_cart
from market_app.orders import hooks


def connect(app: Flask) -> None:
    checkout_hooks = hooks.for_app(app)
    checkout_hooks.participants.append(SlotReservation())
    checkout_hooks.delivery_terms = terms_for_cart
    order_paid.connect(services.open_for_paid_order, weak=False)
    order_status_changed.connect(services.on_order_status_changed, weak=False)
    stall_order_moved.connect(services.on_stall_order_moved, weak=False)
    delivery_ready.connect(reactions.on_delivery_ready, weak=False)
    delivery_moved.connect(reactions.on_delivery_moved, weak=False)
    pickup_moved.connect(reactions.on_pickup_moved, weak=False)
