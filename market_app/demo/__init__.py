"""Demo data: `flask seed-demo` loads 망원시장 and 광장시장 with stalls, products and demo accounts."""

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from market_app.core import uow
from market_app.core.db import db
from market_app.demo.data import DEMO_PASSWORD
from market_app.demo.seed import any_market, demo_loaded, demo_logins, seed_demo
from market_app.markets.models import Stall

__all__ = ["seed_demo_command"]


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Load nothing into a database that already has markets of its own.")
@with_appcontext
def seed_demo_command(if_empty: bool) -> None:
    """Load the demo markets, stalls, products and accounts (once: a second run adds nothing)."""
    if demo_loaded():
        click.echo("Demo data is already loaded; nothing added.")
    elif if_empty and any_market():
        click.echo("The database already has markets of its own; demo data not loaded.")
        return
    else:
        world = seed_demo()
        uow.commit()  # then the jobs the demo queued (reminders, a session's automatic start) go to the queue
        for market in world.markets.values():
            stalls = db.session.scalar(sa.select(sa.func.count()).where(Stall.market_id == market.id))
            click.echo(f"Loaded {market.name} (market id {market.id}): {stalls} stalls, "
                       f"{len(world.products[market.slug])} products.")
    click.echo(f"\nDemo logins (password for every account: {DEMO_PASSWORD})")
    for address, who in demo_logins():
        click.echo(f"  {address:32} {who}")
