"""CLI: create (or promote) a platform admin."""

import click
import sqlalchemy as sa

from market_app.accounts import services
from market_app.accounts.models import User
from market_app.core import uow
from market_app.core.db import db
from market_app.core.errors import DomainError


@click.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", default="Platform admin")
@click.password_option()
def create_admin(email: str, name: str, password: str) -> None:
    """Create a platform admin, or make an existing account one."""
    user = db.session.scalar(sa.select(User).filter_by(email=services.normalize_email(email)))
    if user is None:
        try:
            user = services.register(email, password, name, platform_admin=True)
        except DomainError as error:
            raise click.ClickException(f"{error.message} {error.errors or ''}".strip()) from error
    user.is_platform_admin = True
    uow.commit()
    click.echo(f"platform admin: {user.email} (id {user.id})")
