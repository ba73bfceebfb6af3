"""Payments' own reactions and jobs, connected at app start."""

from flask import Flask

from market_app.core import jobs
from market_app.core.signals import payment_succeeded
from market_app.payments import quickpay, services


def connect(app: Flask) -> None:
    payment_succeeded.connect(quickpay.on_payment_succeeded, weak=False)
    # A refund Stripe could not take is retried by its own job with backoff; the sweep sends whatever is left.
    delay = app.config["REFUND_RETRY_DELAY_SECONDS"]
    jobs.register(app, services.REFUND_JOB, services.send_refund_job,
                  options=jobs.JobOptions(retries=10, retry_delay=delay, retry_backoff=2.0))
    # Webhook events: processed by a job right after receipt, retried with backoff; the sweep queues lost ones.
    jobs.register(app, services.EVENT_JOB, services.process_event,
                  options=jobs.JobOptions(retries=8, retry_delay=5, retry_backoff=2.0))
    jobs.register(app, "payments.requeue_events", services.requeue_stalled_events,
                  periodic=jobs.crontab(minute="*/5"), options=jobs.JobOptions(retries=0))
    jobs.register(app, "payments.sweep_refunds", services.sweep_pending_refunds,
                  periodic=jobs.crontab(minute="*/10"), options=jobs.JobOptions(retries=0))
