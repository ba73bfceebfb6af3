"""CLI for schedulers: send refunds that Stripe did not confirm yet (it was down or slow)."""

import click

from market_app.payments.services import send_pending_refunds


@click.command("send-pending-refunds")
def send_refunds() -> None:
    """Retry pending refunds with their original idempotency keys."""
    click.echo(f"sent {send_pending_refunds()} pending refund(s)")
