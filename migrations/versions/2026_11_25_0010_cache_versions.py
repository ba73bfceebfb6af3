"""cache versions: the version of what each public cached read shows, changed with the data in one transaction

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 23:00:00
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    versions = op.create_table(
        "cache_versions",
        sa.Column("scope", sa.String(length=60), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_cache_versions")),
    )
    # Existing markets get versions now, so their reads are cached from the first request (a scope without a version
    # is never cached). Random like every version (market_app/core/versions.py).
    market_ids = [row[0] for row in op.get_bind().execute(sa.text("SELECT id FROM markets"))]
    scopes = ["markets"] + [f"{kind}:{market_id}" for market_id in market_ids for kind in ("market", "products")]
    op.bulk_insert(versions, [{"scope": scope, "version": secrets.randbits(62)} for scope in scopes])


def downgrade():
    op.drop_table("cache_versions")
