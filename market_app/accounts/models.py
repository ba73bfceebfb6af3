"""User accounts. Roles on a market are memberships (markets domain); merchants own stalls."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from market_app.core.db import TimestampMixin, UTCDateTime, db


class User(TimestampMixin, db.Model):
    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    is_platform_admin: so.Mapped[bool] = so.mapped_column(default=False)
    last_login_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class LoginFailure(db.Model):
    """One failed sign-in for an email (whether or not it has an account): the per-account login throttle counts
    these in the database, so it holds across workers and servers with or without Redis."""

    __tablename__ = "login_failures"
    __table_args__ = (sa.Index("ix_login_failures_email_created", "email", "created_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), index=True)
