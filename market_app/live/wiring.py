"""Live commerce's connections at app start: its live prices and cap at checkout, and its jobs (reminders and
announcements, whose audience the notification fan-out tells; automatic starts and ends; the sweep every minute
that catches what a lost job missed)."""

from flask import Flask

from market_app.core import jobs
from market_app.live import clock, reminders
from market_app.live.pricing import LiveCapReservation, live_prices
from market_app.orders import hooks


def connect(app: Flask) -> None:
    checkout = hooks.for_app(app)
    checkout.price_overrides.append(live_prices)
    checkout.participants.append(LiveCapReservation())
    jobs.register(app, "live.remind", reminders.remind)
    jobs.register(app, "live.announce", reminders.announce)
    jobs.register(app, reminders.TOLD_JOB, reminders.mark_told)
    jobs.register(app, "live.auto_start", clock.auto_start)
    jobs.register(app, "live.auto_end", clock.auto_end)
    jobs.register(app, "live.sweep", clock.sweep, periodic=jobs.crontab(minute="*"))
