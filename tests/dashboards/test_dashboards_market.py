"""The market dashboard on the hand-computed books (tests/dashboards/conftest.py): every figure, by Seoul day."""

from datetime import timedelta

from market_app.delivery.models import Delivery, DeliveryStatus
from market_app.extensions import db
from tests.dashboards.conftest import PERIOD, seoul
from tests.helpers import API, assert_error


def _get(client, books, query=PERIOD, headers=None):
    return client.get(f"{API}/markets/{books.market.id}/dashboard", query_string=query,
                      headers=books.admin if headers is None else headers)


def test_market_headline_figures_add_up_by_hand(client, books):
    resp = _get(client, books)

    assert resp.status_code == 200, resp.json
    d = resp.json
    assert (d["market_id"], d["from"], d["to"]) == (books.market.id, "2026-03-01", "2026-03-07")
    assert d["previous"] == {"from": "2026-02-22", "to": "2026-02-28"}
    # 7,666 + 9,999 + 4,233 + 7,777 + 19,998 online and 12,345 in person
    assert d["gmv"] == 62018
    assert d["refunds"] == 333 + 1000 + 9999  # each on its own day, also R3 of a sale the week before
    assert d["net"] == 62018 - 11332
    assert d["commission"] == 255 + 332 + 411 + 140 + 258 + 665 - 11 - 34 - 333 == 1683
    assert d["orders"] == 3  # O2, O3, O4 (O1 the week before, O5 the day after)
    assert d["average_order"] == 49673 // 3 == 16557  # online GMV over paid orders, rounded down
    assert (d["shoppers"], d["returning_shoppers"], d["returning_rate"]) == (3, 1, 0.3333)  # s1 bought on 02-28
    assert d["in_person"] == {"count": 1, "gross": 12345}
    assert d["live"] == {"sessions": 2, "gmv": 900 + 19998, "share": 0.337}
    assert d["stalls"] == {"online": 3, "total": 4}
    assert d["delivery"] == {"delivered": 0, "on_time": 0, "late": 0, "failed": 0, "on_time_rate": None}


def test_market_days_stalls_and_categories(client, books):
    d = _get(client, books).json

    assert [(x["date"], x["orders"], x["gmv"], x["refunds"], x["net"]) for x in d["by_day"]] == [
        ("2026-03-01", 1, 17665, 0, 17665),  # O2 paid at 00:30 Seoul, still 02-28 in UTC
        ("2026-03-02", 0, 12345, 333, 12012),
        ("2026-03-03", 1, 12010, 0, 12010),
        ("2026-03-04", 0, 0, 1000, -1000),
        ("2026-03-05", 1, 19998, 0, 19998),
        ("2026-03-06", 0, 0, 9999, -9999),
        ("2026-03-07", 0, 0, 0, 0),
    ]
    assert sum(x["gmv"] for x in d["by_day"]) == d["gmv"]
    assert d["top_stalls"] == [
        {"stall_id": books.b.id, "name": "바다수산", "orders": 2, "gmv": 29997},
        {"stall_id": books.a.id, "name": "김씨네 채소", "orders": 2, "gmv": 24244},
        {"stall_id": books.c.id, "name": "=떡집", "orders": 1, "gmv": 7777},
    ]
    assert d["by_category"] == [{"category": "seafood", "gmv": 29997, "share": 0.4837},
                                {"category": "produce", "gmv": 24244, "share": 0.3909},
                                {"category": "rice_cakes", "gmv": 7777, "share": 0.1254}]


def test_each_market_figure_has_its_change_against_the_week_before(client, books):
    changes = _get(client, books).json["changes"]

    assert changes["gmv"] == {"previous": 3333, "change": 62018 - 3333, "percent": 1760.7}
    assert changes["orders"] == {"previous": 1, "change": 2, "percent": 200.0}
    assert changes["commission"] == {"previous": 110, "change": 1573, "percent": 1430.0}
    assert changes["refunds"] == {"previous": 0, "change": 11332, "percent": None}
    assert changes["average_order"] == {"previous": 3333, "change": 16557 - 3333, "percent": 396.8}
    assert changes["shoppers"]["previous"] == 1 and changes["returning_rate"]["previous"] == 0.0
    assert changes["live"]["gmv"] == {"previous": 0, "change": 20898, "percent": None}
    assert changes["in_person"]["gross"]["change"] == 12345


def test_a_sale_at_2330_in_seoul_is_on_that_seoul_day(client, books):
    week_before = _get(client, books, {"from": "2026-02-28", "to": "2026-02-28"}).json

    assert (week_before["gmv"], week_before["orders"]) == (3333, 1)  # O1 at 23:30 KST = 14:30 UTC on 02-28
    day_after = _get(client, books, {"from": "2026-03-08", "to": "2026-03-08"}).json
    assert (day_after["gmv"], day_after["by_day"][0]["date"]) == (7777, "2026-03-08")  # 00:10 KST, 03-07 in UTC


def test_default_period_is_the_last_30_days_to_today(client, books):
    d = _get(client, books, {}).json

    assert len(d["by_day"]) == 30 and d["by_day"][-1]["date"] == d["to"]


def test_delivery_on_time_figures(client, books):
    """O2 (delivery) delivered by its slot's end; two more of the week: one delivered late, one failed; one of
    the week after is not counted."""
    def delivery(order, slot: str, status: DeliveryStatus, delivered: str | None = None):
        start = seoul(slot)
        db.session.add(Delivery(order_id=order.id, market_id=books.market.id, status=status, slot_start=start,
                                slot_end=start + timedelta(hours=1), address="서울", lat=37.55, lng=126.9, fee=3000,
                                delivered_at=seoul(delivered) if delivered else None))

    delivery(books.orders["O2"], "2026-03-01 10:00", DeliveryStatus.DELIVERED, "2026-03-01 10:55")
    delivery(books.orders["O3"], "2026-03-03 17:00", DeliveryStatus.DELIVERED, "2026-03-03 18:20")
    delivery(books.orders["O4"], "2026-03-06 12:00", DeliveryStatus.FAILED)
    delivery(books.orders["O5"], "2026-03-08 12:00", DeliveryStatus.DELIVERED, "2026-03-08 12:30")
    db.session.commit()

    assert _get(client, books).json["delivery"] == {"delivered": 2, "on_time": 1, "late": 1, "failed": 1,
                                                    "on_time_rate": 0.5}
    assert _get(client, books, {"from": "2026-02-01", "to": "2026-02-07"}).json["delivery"] == {
        "delivered": 0, "on_time": 0, "late": 0, "failed": 0, "on_time_rate": None}


def test_bad_periods_are_refused_naming_the_field(client, books):
    assert_error(_get(client, books, {"from": "2026-03-07", "to": "2026-03-01"}), 422, "to", location="query")
    # 367 days
    assert_error(_get(client, books, {"from": "2025-01-01", "to": "2026-01-02"}), 422, "to", location="query")
    assert_error(_get(client, books, {"from": "0001-01-01", "to": "0001-01-02"}), 422, "from", location="query")
    assert_error(_get(client, books, {"from": "2026-13-01"}), 422, "from", location="query")
    assert _get(client, books, {"from": "2025-01-01", "to": "2026-01-01"}).status_code == 200  # 366 days
