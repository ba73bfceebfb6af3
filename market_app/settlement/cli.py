"""CLI for operators: send payout transfers Stripe did not confirm yet (the task worker's sweep does it on its own)."""

import sys

import click

from market_app.settlement.transfers import send_pending_transfers


@click.command("send-pending-transfers")
def send_transfers() -> None:
    """Send pending payout transfers this run can claim; says what was really sent (exit 1 if Stripe is
    unreachable)."""
    report = send_pending_transfers()
    click.echo(str(report))
    if report.unreachable:
        sys.exit(1)
