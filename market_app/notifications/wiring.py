"""Notifications' connections at app start: the inbox channel, the order events people hear of, and the fan-out
job that tells many people at once."""

from flask import Flask

from market_app.core import jobs
from market_app.core.signals import order_paid, payment_flagged
from market_app.notifications import reactions, services


def connect(app: Flask) -> None:
    services.init_app(app)
    order_paid.connect(reactions.on_order_paid, weak=False)
    payment_flagged.connect(reactions.on_payment_flagged, weak=False)
    jobs.register(app, services.FAN_OUT_JOB, services.fan_out,
                  options=jobs.JobOptions(retries=5, retry_delay=30, retry_backoff=2.0))
