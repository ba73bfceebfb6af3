"""payout transfer retries: a payout's Stripe transfer is claimed by the one run that sends it, and its attempts
are counted (rows from before: never claimed, 0 attempts)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 01:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payouts") as batch:
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_payouts_status", ["status"], unique=False)


def downgrade():
    with op.batch_alter_table("payouts") as batch:
        batch.drop_index("ix_payouts_status")
        batch.drop_column("last_attempt_at")
        batch.drop_column("attempts")
        batch.drop_column("claimed_at")
