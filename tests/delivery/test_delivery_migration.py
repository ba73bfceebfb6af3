"""Migration 0005 carries each market's delivery terms over into its delivery settings (base fee -> one ring,
threshold -> free_over, minimum -> min_order, on/off kept) and gives them back on downgrade."""

import json

import flask_migrate
import sqlalchemy as sa

from market_app import create_app
from market_app.config import TestConfig
from market_app.extensions import db
from tests.test_migrations import _keep_logging, empty_database_url  # noqa: F401 (fixtures)

MARKET = {"name": "통인시장", "slug": "tongin", "region": "서울 종로구", "address": "서울 종로구 자하문로15길 18",
          "lat": 37.5806, "lng": 126.97, "timezone": "Asia/Seoul", "currency": "KRW", "commission_bps": 300,
          "map_width": 100, "map_height": 100, "created_at": "2026-11-01 00:00:00",
          "updated_at": "2026-11-01 00:00:00"}


def test_markets_delivery_terms_move_into_delivery_settings_and_back(empty_database_url, _keep_logging):  # noqa: F811
    class MigrationConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url

    migrated = create_app(MigrationConfig)
    with migrated.app_context():
        try:
            flask_migrate.upgrade(revision="0006")
            with db.engine.begin() as conn:
                conn.execute(sa.text(
                    "INSERT INTO markets (name, slug, region, address, lat, lng, timezone, currency, commission_bps,"
                    " map_width, map_height, created_at, updated_at, hours, delivery_enabled, delivery_base_fee,"
                    " free_delivery_threshold, min_order_amount) VALUES (:name, :slug, :region, :address, :lat,"
                    " :lng, :timezone, :currency, :commission_bps, :map_width, :map_height, :created_at,"
                    " :updated_at, NULL, :enabled, 3500, 40000, 12000)"), MARKET | {"enabled": True})
            flask_migrate.upgrade(revision="0007")
            with db.engine.connect() as conn:
                row = conn.execute(sa.text("SELECT enabled, zones, free_over, min_order, slot_capacity, hours,"
                                           " free_delivery_paid_by, version FROM delivery_settings")).one()
                market_columns = {c["name"] for c in sa.inspect(conn).get_columns("markets")}
            flask_migrate.downgrade(revision="0006")
            with db.engine.connect() as conn:
                back = conn.execute(sa.text("SELECT delivery_enabled, delivery_base_fee, free_delivery_threshold,"
                                            " min_order_amount FROM markets")).one()
        finally:
            db.engine.dispose()

    zones = row.zones if isinstance(row.zones, list) else json.loads(row.zones)
    assert bool(row.enabled) and zones == [{"up_to_km": 3.0, "fee": 3500}]
    assert (row.free_over, row.min_order, row.slot_capacity, row.free_delivery_paid_by, row.version) == (
        40000, 12000, 8, "market", 1)
    assert "delivery_base_fee" not in market_columns and "min_order_amount" not in market_columns
    assert (bool(back.delivery_enabled), back.delivery_base_fee, back.free_delivery_threshold,
            back.min_order_amount) == (True, 3500, 40000, 12000)
