"""The demo's delivery: both markets deliver (rings of 3,000 and 4,000 won, free from 30,000, hourly slots from
10:00 to 19:00 for 8), each has a courier, and two weeks of past deliveries were on time, late or failed."""

import pytest
import sqlalchemy as sa

from market_app.delivery.models import Delivery
from market_app.extensions import db
from market_app.markets.models import Market
from tests.demo.test_seed_demo import _demo_markets, _login


def _seed(app) -> None:
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


def test_both_demo_markets_deliver_with_rings_free_over_and_hourly_slots(app, client):
    _seed(app)

    for market in _demo_markets(client).values():
        settings = client.get(f"/api/v1/markets/{market['id']}/delivery/settings").json
        assert settings["enabled"] is True
        assert settings["zones"] == [{"up_to_km": 1.5, "fee": 3000}, {"up_to_km": 3.0, "fee": 4000}]
        assert (settings["free_over"], settings["slot_minutes"], settings["slot_capacity"]) == (30000, 60, 8)
        assert set(settings["hours"].values()) == {"10:00-19:00"}


def test_demo_couriers_see_past_deliveries_on_time_late_and_failed(app, client):
    _seed(app)
    markets = _demo_markets(client)

    for slug in ("mangwon", "gwangjang"):
        courier = _login(client, f"{slug}-courier@example.com")
        delivered = client.get(f"/api/v1/markets/{markets[slug]['id']}/deliveries?status=delivered&page_size=100",
                               headers=courier).json
        failed = client.get(f"/api/v1/markets/{markets[slug]['id']}/deliveries?status=failed",
                            headers=courier).json
        late = [d for d in delivered if d["delivered_at"] > d["slot_end"]]
        assert len(delivered) > len(late) > 0 and failed
        assert all(d["events"][-1]["status"] == d["status"] for d in delivered + failed)


@pytest.mark.committing  # empties the tables through a connection of its own between the two loads
def test_demo_deliveries_are_the_same_every_time(app):
    def deliveries() -> list[tuple]:
        db.session.expire_all()
        return db.session.execute(sa.select(Market.slug, Delivery.slot_start, Delivery.status, Delivery.fee,
                                            Delivery.address, Delivery.delivered_at)
                                  .join(Market, Market.id == Delivery.market_id).order_by(Delivery.id)).all()

    _seed(app)
    first = deliveries()
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    _seed(app)

    assert deliveries() == first and len(first) == 32
