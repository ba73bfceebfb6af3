"""Settlement's connections at app start: a sale already paid out is no longer refunded through the platform."""

from flask import Flask

from market_app.orders import hooks
from market_app.settlement.services import refuse_refund_once_paid_out


def connect(app: Flask) -> None:
    hooks.for_app(app).refund_guards.append(refuse_refund_once_paid_out)
