"""live: sessions and flash sales, offers and their caps, timeline, subscriptions, follows, viewers; order items
point at the session whose price they got

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 21:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _created_at() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade():
    op.create_table(
        "live_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stall_id", sa.Integer(), nullable=False),
        sa.Column("market_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("live", "flash", name="livekind", native_enum=False, length=10), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stream_url", sa.String(length=500), nullable=True),
        sa.Column("thumbnail_url", sa.String(length=500), nullable=True),
        sa.Column("replay_url", sa.String(length=500), nullable=True),
        sa.Column("auto_start", sa.Boolean(), nullable=False),
        sa.Column("status", sa.Enum("scheduled", "live", "ended", "cancelled", name="livestatus", native_enum=False,
                                    length=20), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("subscriber_count", sa.Integer(), nullable=False),
        sa.Column("peak_viewers", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=255), nullable=True),
        sa.Column("reminded_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("start_announced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _created_at(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_live_sessions_ends_after_start")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_live_sessions_created_by_users")),
        sa.ForeignKeyConstraint(["market_id"], ["markets.id"], name=op.f("fk_live_sessions_market_id_markets"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["stall_id"], ["stalls.id"], name=op.f("fk_live_sessions_stall_id_stalls"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_sessions")),
    )
    op.create_index("ix_live_sessions_market_starts", "live_sessions", ["market_id", "starts_at"])
    op.create_index("ix_live_sessions_stall_starts", "live_sessions", ["stall_id", "starts_at"])
    op.create_index("ix_live_sessions_status_starts", "live_sessions", ["status", "starts_at"])

    op.create_table(
        "live_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("live_session_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("live_price", sa.Integer(), nullable=False),
        sa.Column("quantity_cap", sa.Integer(), nullable=False),
        sa.Column("per_shopper_limit", sa.Integer(), nullable=True),
        sa.Column("sold", sa.Integer(), nullable=False),
        sa.CheckConstraint("live_price > 0", name=op.f("ck_live_offers_live_price_positive")),
        sa.CheckConstraint("per_shopper_limit IS NULL OR per_shopper_limit > 0",
                           name=op.f("ck_live_offers_per_shopper_limit_positive")),
        sa.CheckConstraint("quantity_cap > 0", name=op.f("ck_live_offers_quantity_cap_positive")),
        sa.CheckConstraint("sold >= 0 AND sold <= quantity_cap", name=op.f("ck_live_offers_sold_within_cap")),
        sa.ForeignKeyConstraint(["live_session_id"], ["live_sessions.id"],
                                name=op.f("fk_live_offers_live_session_id_live_sessions"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_live_offers_product_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_offers")),
        sa.UniqueConstraint("live_session_id", "product_id", name=op.f("uq_live_offers_live_session_id_product_id")),
    )
    op.create_index(op.f("ix_live_offers_product_id"), "live_offers", ["product_id"])

    op.create_table(
        "live_session_events",
        sa.Column("live_session_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=255), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        _created_at(),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_live_session_events_actor_id_users")),
        sa.ForeignKeyConstraint(["live_session_id"], ["live_sessions.id"],
                                name=op.f("fk_live_session_events_live_session_id_live_sessions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_session_events")),
    )
    op.create_index(op.f("ix_live_session_events_live_session_id"), "live_session_events", ["live_session_id"])

    op.create_table(
        "live_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("live_session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        _created_at(),
        sa.ForeignKeyConstraint(["live_session_id"], ["live_sessions.id"],
                                name=op.f("fk_live_subscriptions_live_session_id_live_sessions"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_live_subscriptions_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_subscriptions")),
        sa.UniqueConstraint("live_session_id", "user_id", name=op.f("uq_live_subscriptions_live_session_id_user_id")),
    )
    op.create_index(op.f("ix_live_subscriptions_user_id"), "live_subscriptions", ["user_id"])

    op.create_table(
        "stall_follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stall_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        _created_at(),
        sa.ForeignKeyConstraint(["stall_id"], ["stalls.id"], name=op.f("fk_stall_follows_stall_id_stalls"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_stall_follows_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stall_follows")),
        sa.UniqueConstraint("stall_id", "user_id", name=op.f("uq_stall_follows_stall_id_user_id")),
    )
    op.create_index(op.f("ix_stall_follows_user_id"), "stall_follows", ["user_id"])

    op.create_table(
        "live_viewers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("live_session_id", sa.Integer(), nullable=False),
        sa.Column("viewer_key", sa.String(length=80), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["live_session_id"], ["live_sessions.id"],
                                name=op.f("fk_live_viewers_live_session_id_live_sessions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_viewers")),
        sa.UniqueConstraint("live_session_id", "viewer_key", name=op.f("uq_live_viewers_live_session_id_viewer_key")),
    )
    op.create_index("ix_live_viewers_session_seen", "live_viewers", ["live_session_id", "last_seen_at"])

    op.create_table(
        "live_offer_reservations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("order_item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        _created_at(),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["offer_id"], ["live_offers.id"],
                                name=op.f("fk_live_offer_reservations_offer_id_live_offers"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["order_item_id"], ["order_items.id"],
                                name=op.f("fk_live_offer_reservations_order_item_id_order_items"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_live_offer_reservations_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_offer_reservations")),
        sa.UniqueConstraint("order_item_id", name=op.f("uq_live_offer_reservations_order_item_id")),
    )
    op.create_index("ix_live_offer_reservations_offer_user", "live_offer_reservations", ["offer_id", "user_id"])

    # The plain integer column from 0002 becomes a foreign key (batch: SQLite rebuilds the table).
    with op.batch_alter_table("order_items") as batch_op:
        batch_op.create_index(batch_op.f("ix_order_items_live_session_id"), ["live_session_id"])
        batch_op.create_foreign_key(batch_op.f("fk_order_items_live_session_id_live_sessions"), "live_sessions",
                                    ["live_session_id"], ["id"])


def downgrade():
    with op.batch_alter_table("order_items") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_order_items_live_session_id_live_sessions"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_order_items_live_session_id"))
    for table in ("live_offer_reservations", "live_viewers", "stall_follows", "live_subscriptions",
                  "live_session_events", "live_offers", "live_sessions"):
        op.drop_table(table)  # their indexes go with them
