"""ledger product days: a stall's product lines added up per local day (top products over a year read a few
thousand rows), and the stall-day index covering delivery fees.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 01:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

def upgrade():
    op.create_table(
        "ledger_product_days",
        sa.Column("stall_id", sa.Integer(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("market_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("gross", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["market_id"], ["markets.id"], name=op.f("fk_ledger_product_days_market_id_markets")),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"],
                                name=op.f("fk_ledger_product_days_product_id_products")),
        sa.ForeignKeyConstraint(["stall_id"], ["stalls.id"], name=op.f("fk_ledger_product_days_stall_id_stalls")),
        sa.PrimaryKeyConstraint("stall_id", "local_date", "product_id", name=op.f("pk_ledger_product_days")),
    )
    roll_up(op.get_bind())
    op.drop_index("ix_ledger_entries_stall_day", table_name="ledger_entries")
    op.create_index("ix_ledger_entries_stall_day", "ledger_entries", ["stall_id", "local_date"],
                    postgresql_include=["kind", "gross", "refund", "commission", "delivery_fee", "sale_id"])


def roll_up(conn):
    """ledger_product_days from the ledger's lines (what settlement.ledger.rebuild_days does)."""
    conn.execute(sa.text(
        "INSERT INTO ledger_product_days (stall_id, local_date, product_id, market_id, quantity, gross) "
        "SELECT stall_id, local_date, product_id, market_id, sum(quantity), sum(gross) FROM ledger_lines "
        "GROUP BY stall_id, local_date, product_id, market_id"
    ))


def downgrade():
    op.drop_index("ix_ledger_entries_stall_day", table_name="ledger_entries")
    op.create_index("ix_ledger_entries_stall_day", "ledger_entries", ["stall_id", "local_date"],
                    postgresql_include=["kind", "gross", "refund", "commission", "sale_id"])
    op.drop_table("ledger_product_days")
