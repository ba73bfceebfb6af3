"""refund claims (a pending refund is claimed by the one run that sends it); webhook events stored on receipt
and processed by a job (rows from before were processed on receipt: server default "processed")

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 22:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("refunds") as batch:
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch.create_index("ix_refunds_status", ["status"], unique=False)
    with op.batch_alter_table("webhook_events") as batch:
        batch.add_column(sa.Column("payload", sa.Text(), nullable=True))
        batch.add_column(sa.Column("status", sa.String(length=20), server_default="processed", nullable=False))
        batch.add_column(sa.Column("result", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_webhook_events_status", ["status"], unique=False)


def downgrade():
    with op.batch_alter_table("webhook_events") as batch:
        batch.drop_index("ix_webhook_events_status")
        for column in ("processed_at", "attempts", "result", "status", "payload"):
            batch.drop_column(column)
    with op.batch_alter_table("refunds") as batch:
        batch.drop_index("ix_refunds_status")
        batch.drop_column("attempts")
        batch.drop_column("claimed_at")
