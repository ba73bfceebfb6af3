"""CLI for operators: send payout transfers Stripe did not confirm yet (the task worker's sweep does it on its own);
recompute the ledger's rollups."""

import sys

import click

from market_app.core import uow
from market_app.settlement import ledger
from market_app.settlement.transfers import send_pending_transfers


@click.command("send-pending-transfers")
def send_transfers() -> None:
    """Send pending payout transfers this run can claim; says what was really sent (exit 1 if Stripe is
    unreachable)."""
    report = send_pending_transfers()
    click.echo(str(report))
    if report.unreachable:
        sys.exit(1)


@click.command("rebuild-ledger-rollups")
def rebuild_rollups() -> None:
    """Recompute the ledger's day and product-day rollups from its rows, in one transaction (after a deploy whose
    migration backfilled a rollup while old code was still writing)."""
    ledger.rebuild_days()
    uow.commit()
    click.echo("ledger rollups rebuilt")
