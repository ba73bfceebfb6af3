"""Settlement's connections at app start: a sale already paid out is no longer refunded through the platform,
and each market's last week is paid out on Monday by the task worker."""

from flask import Flask

from market_app.core import jobs
from market_app.orders import hooks
from market_app.settlement import services


def connect(app: Flask) -> None:
    hooks.for_app(app).refund_guards.append(services.refuse_refund_once_paid_out)
    jobs.register(app, "settlement.weekly_payouts", services.queue_weekly_payouts, periodic=jobs.crontab(minute="7"),
                  options=jobs.JobOptions(retries=0))
    jobs.register(app, services.WEEKLY_RUN_JOB, services.run_week_payouts,
                  options=jobs.JobOptions(retries=3, retry_delay=120, retry_backoff=2.0))
