"""Notifications' connections at app start: the inbox channel, and the order events people hear of."""

from flask import Flask

from market_app.core.signals import order_paid, payment_flagged
from market_app.notifications import reactions, services


def connect(app: Flask) -> None:
    services.init_app(app)
    order_paid.connect(reactions.on_order_paid, weak=False)
    payment_flagged.connect(reactions.on_payment_flagged, weak=False)
