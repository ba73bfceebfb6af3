"""delivery: settings per market (carried over from the markets' delivery columns, which go), slot places,
deliveries and desk pickups with their timelines, free-delivery fee shares, short picks; orders keep the slot end,
distance and ring they were charged for, and the ids of their delivery or pickup

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 23:00:00
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# What a market carried over gets besides its own fee, threshold and minimum: one ring of 3 km (the common radius
# of market delivery; before, there was no distance limit), hourly slots of 8 during its opening hours (10:00-19:00
# where it has none), orders up to 30 minutes before a slot and an hour after ordering, a week ahead.
CARRIED_RING_KM = 3.0
DEFAULT_HOURS = {day: "10:00-19:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}

FEE_PAYER = sa.Enum("market", "stalls", name="feepayer", native_enum=False, length=20)


def _timeline_columns():
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=255), nullable=True),
    ]


def upgrade():
    op.create_table(
        "delivery_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("market_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("zones", sa.JSON(), nullable=False),
        sa.Column("free_over", sa.Integer(), nullable=True),
        sa.Column("min_order", sa.Integer(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("slot_capacity", sa.Integer(), nullable=False),
        sa.Column("cutoff_minutes", sa.Integer(), nullable=False),
        sa.Column("lead_minutes", sa.Integer(), nullable=False),
        sa.Column("days_ahead", sa.Integer(), nullable=False),
        sa.Column("hours", sa.JSON(), nullable=False),
        sa.Column("closed_dates", sa.JSON(), nullable=False),
        sa.Column("free_delivery_paid_by", FEE_PAYER, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("min_order >= 0", name=op.f("ck_delivery_settings_min_order_positive")),
        sa.CheckConstraint("slot_minutes > 0 AND slot_capacity >= 0", name=op.f("ck_delivery_settings_slots_positive")),
        sa.ForeignKeyConstraint(["market_id"], ["markets.id"], name=op.f("fk_delivery_settings_market_id_markets"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_settings")),
        sa.UniqueConstraint("market_id", name=op.f("uq_delivery_settings_market_id")),
    )
    op.create_table(
        "delivery_slot_loads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("market_id", sa.Integer(), nullable=False),
        sa.Column("slot_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.CheckConstraint("taken >= 0", name=op.f("ck_delivery_slot_loads_taken_positive")),
        sa.ForeignKeyConstraint(["market_id"], ["markets.id"], name=op.f("fk_delivery_slot_loads_market_id_markets"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_slot_loads")),
        sa.UniqueConstraint("market_id", "slot_start", name=op.f("uq_delivery_slot_loads_market_id_slot_start")),
    )
    op.create_table(
        "delivery_slot_bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("market_id", sa.Integer(), nullable=False),
        sa.Column("slot_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fee", sa.Integer(), nullable=False),
        sa.Column("waived_fee", sa.Integer(), nullable=False),
        sa.Column("waived_paid_by", FEE_PAYER, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["market_id"], ["markets.id"],
                                name=op.f("fk_delivery_slot_bookings_market_id_markets"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_delivery_slot_bookings_order_id_orders"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_slot_bookings")),
        sa.UniqueConstraint("order_id", name=op.f("uq_delivery_slot_bookings_order_id")),
    )
    op.create_index(op.f("ix_delivery_slot_bookings_market_id"), "delivery_slot_bookings", ["market_id"])
    op.create_table(
        "delivery_fee_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("stall_order_id", sa.Integer(), nullable=False),
        sa.Column("stall_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_delivery_fee_shares_amount_positive")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_delivery_fee_shares_order_id_orders"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["stall_id"], ["stalls.id"], name=op.f("fk_delivery_fee_shares_stall_id_stalls")),
        sa.ForeignKeyConstraint(["stall_order_id"], ["stall_orders.id"],
                                name=op.f("fk_delivery_fee_shares_stall_order_id_stall_orders"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_fee_shares")),
        sa.UniqueConstraint("stall_order_id", name=op.f("uq_delivery_fee_shares_stall_order_id")),
    )
    op.create_index(op.f("ix_delivery_fee_shares_order_id"), "delivery_fee_shares", ["order_id"])
    op.create_index(op.f("ix_delivery_fee_shares_stall_id"), "delivery_fee_shares", ["stall_id"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("market_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.Enum("requested", "assigned", "picked_up", "delivered", "failed", "cancelled",
                                    name="deliverystatus", native_enum=False, length=20), nullable=False),
        sa.Column("slot_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("slot_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("courier_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lng", sa.Double(), nullable=False),
        sa.Column("fee", sa.Integer(), nullable=False),
        sa.Column("distance_km", sa.Double(), nullable=True),
        sa.Column("zone_up_to_km", sa.Double(), nullable=True),
        sa.Column("waived_fee", sa.Integer(), nullable=False),
        sa.Column("waived_paid_by", FEE_PAYER, nullable=True),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("picked_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failure_reason", sa.String(length=255), nullable=True),
        sa.Column("note", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["courier_id"], ["users.id"], name=op.f("fk_deliveries_courier_id_users")),
        sa.ForeignKeyConstraint(["market_id"], ["markets.id"], name=op.f("fk_deliveries_market_id_markets")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_deliveries_order_id_orders"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("order_id", name=op.f("uq_deliveries_order_id")),
    )
    op.create_index(op.f("ix_deliveries_courier_id"), "deliveries", ["courier_id"])
    op.create_index("ix_deliveries_market_slot", "deliveries", ["market_id", "slot_start"])
    op.create_index("ix_deliveries_market_status", "deliveries", ["market_id", "status"])
    op.create_table(
        "delivery_events",
        *_timeline_columns(),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_delivery_events_actor_id_users")),
        sa.ForeignKeyConstraint(["delivery_id"], ["deliveries.id"],
                                name=op.f("fk_delivery_events_delivery_id_deliveries"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_events")),
    )
    op.create_index(op.f("ix_delivery_events_delivery_id"), "delivery_events", ["delivery_id"])
    op.create_table(
        "pickups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("market_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.Enum("waiting", "ready", "collected", "cancelled", name="pickupstatus",
                                    native_enum=False, length=20), nullable=False),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["market_id"], ["markets.id"], name=op.f("fk_pickups_market_id_markets")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_pickups_order_id_orders"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickups")),
        sa.UniqueConstraint("order_id", name=op.f("uq_pickups_order_id")),
    )
    op.create_index("ix_pickups_market_status", "pickups", ["market_id", "status"])
    op.create_table(
        "pickup_events",
        *_timeline_columns(),
        sa.Column("pickup_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_pickup_events_actor_id_users")),
        sa.ForeignKeyConstraint(["pickup_id"], ["pickups.id"], name=op.f("fk_pickup_events_pickup_id_pickups"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_events")),
    )
    op.create_index(op.f("ix_pickup_events_pickup_id"), "pickup_events", ["pickup_id"])
    op.create_table(
        "short_picks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stall_order_id", sa.Integer(), nullable=False),
        sa.Column("order_item_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("refund_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_short_picks_amount_positive")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_short_picks_quantity_positive")),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_short_picks_actor_id_users")),
        sa.ForeignKeyConstraint(["order_item_id"], ["order_items.id"],
                                name=op.f("fk_short_picks_order_item_id_order_items"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["refund_id"], ["refunds.id"], name=op.f("fk_short_picks_refund_id_refunds")),
        sa.ForeignKeyConstraint(["stall_order_id"], ["stall_orders.id"],
                                name=op.f("fk_short_picks_stall_order_id_stall_orders"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_short_picks")),
    )
    op.create_index(op.f("ix_short_picks_order_item_id"), "short_picks", ["order_item_id"])
    op.create_index(op.f("ix_short_picks_stall_order_id"), "short_picks", ["stall_order_id"])

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_slot_end", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("delivery_distance_km", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("delivery_zone_km", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("delivery_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("pickup_id", sa.Integer(), nullable=True))

    _carry_market_settings_over()
    with op.batch_alter_table("markets", schema=None) as batch_op:
        for column in ("delivery_enabled", "delivery_base_fee", "free_delivery_threshold", "min_order_amount"):
            batch_op.drop_column(column)


def _carry_market_settings_over():
    """Each market keeps what it charged: its base fee becomes its one ring, its threshold free_over, its minimum
    min_order; delivery stays on or off as it was."""
    markets = sa.table("markets", sa.column("id"), sa.column("hours", sa.JSON), sa.column("delivery_enabled"),
                       sa.column("delivery_base_fee"), sa.column("free_delivery_threshold"),
                       sa.column("min_order_amount"))
    settings = sa.table(
        "delivery_settings", *(sa.column(name) for name in (
            "market_id", "enabled", "free_over", "min_order", "slot_minutes", "slot_capacity", "cutoff_minutes",
            "lead_minutes", "days_ahead", "free_delivery_paid_by", "version", "created_at", "updated_at")),
        sa.column("zones", sa.JSON), sa.column("hours", sa.JSON), sa.column("closed_dates", sa.JSON),
    )
    bind = op.get_bind()
    now = datetime.now(UTC)
    rows = [{"market_id": m.id, "enabled": bool(m.delivery_enabled),
             "zones": [{"up_to_km": CARRIED_RING_KM, "fee": m.delivery_base_fee}],
             "free_over": m.free_delivery_threshold, "min_order": m.min_order_amount, "slot_minutes": 60,
             "slot_capacity": 8, "cutoff_minutes": 30, "lead_minutes": 60, "days_ahead": 7,
             "hours": m.hours or DEFAULT_HOURS, "closed_dates": [], "free_delivery_paid_by": "market", "version": 1,
             "created_at": now, "updated_at": now}
            for m in bind.execute(sa.select(markets)).all()]
    if rows:
        bind.execute(settings.insert(), rows)


def downgrade():
    with op.batch_alter_table("markets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_enabled", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column("delivery_base_fee", sa.Integer(), nullable=False, server_default="3000"))
        batch_op.add_column(sa.Column("free_delivery_threshold", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("min_order_amount", sa.Integer(), nullable=False, server_default="0"))
    bind = op.get_bind()
    markets = sa.table("markets", sa.column("id"), sa.column("delivery_enabled"), sa.column("delivery_base_fee"),
                       sa.column("free_delivery_threshold"), sa.column("min_order_amount"))
    settings = sa.table("delivery_settings", sa.column("market_id"), sa.column("enabled"), sa.column("free_over"),
                        sa.column("min_order"), sa.column("zones", sa.JSON))
    for row in bind.execute(sa.select(settings)).all():
        zones = row.zones or []
        bind.execute(markets.update().where(markets.c.id == row.market_id).values(
            delivery_enabled=row.enabled, delivery_base_fee=zones[0]["fee"] if zones else 3000,
            free_delivery_threshold=row.free_over, min_order_amount=row.min_order))
    with op.batch_alter_table("orders", schema=None) as batch_op:
        for column in ("pickup_id", "delivery_id", "delivery_zone_km", "delivery_distance_km", "delivery_slot_end"):
            batch_op.drop_column(column)
    for table in ("short_picks", "pickup_events", "pickups", "delivery_events", "deliveries", "delivery_fee_shares",
                  "delivery_slot_bookings", "delivery_slot_loads", "delivery_settings"):
        op.drop_table(table)
