"""CLI for schedulers: expire unpaid orders (cron every minute, or a task queue in production)."""

import click

from market_app.orders.services import expire_overdue_orders


@click.command("expire-orders")
def expire_orders() -> None:
    """Expire orders not paid in time and release their stock."""
    click.echo(f"expired {expire_overdue_orders()} order(s)")
