"""payout settled: when a payout was paid, and for one paid by bank, the transfer's reference and who recorded it;
how many times a failed Stripe transfer was sent again (rows from before: paid at their last update, no resend)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payouts") as batch:
        batch.add_column(sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("bank_reference", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("paid_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("resends", sa.Integer(), server_default="0", nullable=False))
        batch.create_foreign_key("fk_payouts_paid_by_id_users", "users", ["paid_by_id"], ["id"])
    op.execute("UPDATE payouts SET paid_at = updated_at WHERE status = 'paid'")


def downgrade():
    with op.batch_alter_table("payouts") as batch:
        batch.drop_constraint("fk_payouts_paid_by_id_users", type_="foreignkey")
        batch.drop_column("resends")
        batch.drop_column("paid_by_id")
        batch.drop_column("bank_reference")
        batch.drop_column("paid_at")
