"""money safety: Idempotency-Key claims, flagged payments, audited payout accounts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 22:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "idempotency_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_idempotency_claims_order_id_orders"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_idempotency_claims_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_claims")),
        sa.UniqueConstraint("user_id", "idempotency_key", name=op.f("uq_idempotency_claims_user_id_idempotency_key")),
    )
    # Orders placed before claims existed keep replaying through their own unique key; give them claims too.
    op.execute("INSERT INTO idempotency_claims (user_id, idempotency_key, order_id, created_at) "
               "SELECT user_id, idempotency_key, id, created_at FROM orders")

    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("flag_reason", sa.String(length=255), nullable=True))

    op.create_table(
        "payout_account_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stall_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("old_account_id", sa.String(length=64), nullable=True),
        sa.Column("new_account_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_payout_account_changes_actor_id_users")),
        sa.ForeignKeyConstraint(["stall_id"], ["stalls.id"], name=op.f("fk_payout_account_changes_stall_id_stalls"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_account_changes")),
    )
    op.create_index(op.f("ix_payout_account_changes_stall_id"), "payout_account_changes", ["stall_id"])


def downgrade():
    op.drop_index(op.f("ix_payout_account_changes_stall_id"), table_name="payout_account_changes")
    op.drop_table("payout_account_changes")
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("flag_reason")
        batch.drop_column("flagged_at")
    op.drop_table("idempotency_claims")
