"""Settlement's connections at app start: the ledger follows sales, refunds, hand-overs and deliveries; a sale
already paid out is no longer refunded through the platform; each market's last week is paid out on Monday by the
worker, and the Stripe transfers it could not send are swept up every ten minutes."""

from flask import Flask

from market_app.core import jobs
from market_app.core.signals import (
    delivery_moved,
    order_paid,
    payment_succeeded,
    refund_failed,
    refund_recorded,
    stall_order_moved,
)
from market_app.orders import hooks
from market_app.settlement import reactions, services, transfers


def connect(app: Flask) -> None:
    hooks.for_app(app).refund_guards.append(services.refuse_refund_once_paid_out)
    order_paid.connect(reactions.on_order_paid, weak=False)
    payment_succeeded.connect(reactions.on_payment_succeeded, weak=False)
    refund_recorded.connect(reactions.on_refund_recorded, weak=False)
    refund_failed.connect(reactions.on_refund_failed, weak=False)
    stall_order_moved.connect(reactions.on_stall_order_moved, weak=False)
    delivery_moved.connect(reactions.on_delivery_moved, weak=False)
    jobs.register(app, "settlement.weekly_payouts", services.queue_weekly_payouts, periodic=jobs.crontab(minute="7"),
                  options=jobs.JobOptions(retries=0))
    jobs.register(app, services.WEEKLY_RUN_JOB, services.run_week_payouts,
                  options=jobs.JobOptions(retries=3, retry_delay=120, retry_backoff=2.0))
    # A payout run's transfers, once its payouts are committed (no retries: what it could not send, the sweep does).
    jobs.register(app, transfers.SEND_JOB, transfers.send_transfers, options=jobs.JobOptions(retries=0))
    # Stripe transfers not confirmed when their payout was committed (Stripe down, or the worker died): sent again
    # until Stripe confirms or refuses them; one unanswered call per run while Stripe is down.
    jobs.register(app, transfers.SWEEP_JOB, transfers.sweep_transfers, periodic=jobs.crontab(minute="*/10"),
                  options=jobs.JobOptions(retries=0))
