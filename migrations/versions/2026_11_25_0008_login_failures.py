"""login failures: the per-account login throttle; existing emails in their one normalized spelling

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 23:00:00
"""
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _normalized(email: str) -> str:
    # The app's normalize_email at the time of this migration (copied: a migration must not change with the app).
    return unicodedata.normalize("NFKC", email).strip().casefold()


def upgrade():
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index("ix_login_failures_email_created", "login_failures", ["email", "created_at"], unique=False)
    op.create_index(op.f("ix_login_failures_created_at"), "login_failures", ["created_at"], unique=False)

    # Emails were stored lower-cased only; give each its normalized spelling unless another account has it already.
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("email", sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.email)).all()
    taken = {email for _id, email in rows}
    for user_id, email in rows:
        normalized = _normalized(email)
        if normalized != email and normalized not in taken:
            connection.execute(users.update().where(users.c.id == user_id).values(email=normalized))
            taken.add(normalized)


def downgrade():
    op.drop_index(op.f("ix_login_failures_created_at"), table_name="login_failures")
    op.drop_index("ix_login_failures_email_created", table_name="login_failures")
    op.drop_table("login_failures")
