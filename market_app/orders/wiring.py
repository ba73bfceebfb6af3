"""Orders' connections at app start: its checkout hooks (stock is always reserved) and its reaction to payments."""

from flask import Flask

from market_app.core import jobs
from market_app.core.signals import payment_succeeded
from market_app.orders import hooks, services
from market_app.orders.stock import StockReservation


def connect(app: Flask) -> None:
    hooks.init_app(app, StockReservation())
    payment_succeeded.connect(services.on_payment_succeeded, weak=False)
    # Each order expires at its own deadline; the sweep every minute catches any whose job was lost.
    jobs.register(app, "orders.expire_order", services.expire_order)
    jobs.register(app, "orders.expire_overdue", services.expire_overdue_orders, periodic=jobs.crontab(minute="*"))
