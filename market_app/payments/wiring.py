"""Payments' own reactions, connected at app start."""

from flask import Flask

from market_app.core.signals import payment_succeeded
from market_app.payments import quickpay


def connect(app: Flask) -> None:
    payment_succeeded.connect(quickpay.on_payment_succeeded, weak=False)
