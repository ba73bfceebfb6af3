"""opening periods: "open now" answered from one index (stall, weekday, opening and closing minute), which also
serves what the stall_id index did

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 07:10:00
"""
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("stall_opening_periods") as batch:
        batch.create_index("ix_stall_opening_periods_open", ["stall_id", "weekday", "opens_minute", "closes_minute"],
                           unique=False)
        batch.drop_index("ix_stall_opening_periods_stall_id")


def downgrade():
    with op.batch_alter_table("stall_opening_periods") as batch:
        batch.create_index("ix_stall_opening_periods_stall_id", ["stall_id"], unique=False)
        batch.drop_index("ix_stall_opening_periods_open")
