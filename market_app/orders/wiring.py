"""Orders' connections at app start: its checkout hooks (stock is always reserved) and its reaction to payments."""

from flask import Flask

from market_app.core.signals import payment_succeeded
from market_app.orders import hooks, services
from market_app.orders.stock import StockReservation


def connect(app: Flask) -> None:
    hooks.init_app(app, StockReservation())
    payment_succeeded.connect(services.on_payment_succeeded, weak=False)
