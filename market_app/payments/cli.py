"""CLI for operators: send refunds that Stripe did not confirm yet (the task worker does it on its own)."""

import sys

import click

from market_app.payments.services import send_pending_refunds


@click.command("send-pending-refunds")
def send_refunds() -> None:
    """Send pending refunds this run can claim; says what was really sent (exit 1 if Stripe is unreachable)."""
    report = send_pending_refunds()
    click.echo(str(report))
    if report.unreachable:
        sys.exit(1)
