"""Delivery slots: listed by the market's local date (Asia/Seoul, also across midnight UTC), chosen by the order,
its place taken in the order's transaction, never overbooked (also by concurrent orders on PostgreSQL), and given
back when the order expires, is cancelled or every stall rejects it."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from market_app.core.db import utcnow
from market_app.delivery.models import SlotBooking
from market_app.extensions import db
from market_app.orders.models import Order
from tests.conftest import ALWAYS_OPEN
from tests.delivery.conftest import SEOUL, delivery_body, taken
from tests.helpers import API, assert_error, next_slot_start, pay_at_stripe_and_tell, place_order, post_at_once
from tests.stripe_faults import expire_behind_stripes_back

MORNING = {day: "08:30-10:30" for day in ALWAYS_OPEN}


def slots(client, market, day):
    return client.get(f"{API}/markets/{market.id}/delivery/slots?date={day}")


def seoul_day(days_ahead: int = 0):
    return (datetime.now(SEOUL) + timedelta(days=days_ahead)).date()


def test_slots_of_a_local_date_cross_midnight_utc_and_keep_the_markets_offset(client, make):
    market = make.market(delivery={"hours": MORNING, "slot_capacity": 3})
    day = seoul_day(2)

    resp = slots(client, market, day.isoformat())

    assert resp.status_code == 200, resp.json
    assert [(s["start"], s["end"], s["capacity"], s["remaining"], s["open"]) for s in resp.json] == [
        (f"{day}T08:30:00+09:00", f"{day}T09:30:00+09:00", 3, 3, True),
        (f"{day}T09:30:00+09:00", f"{day}T10:30:00+09:00", 3, 3, True),
    ]
    first = datetime.fromisoformat(resp.json[0]["start"]).astimezone(UTC)
    assert (first.date(), first.hour, first.minute) == (day - timedelta(days=1), 23, 30)


def test_an_order_for_a_slot_crossing_midnight_utc_takes_its_place_on_the_right_local_day(client, make, shop):
    make.delivery_settings(shop.market, hours=MORNING, slot_capacity=3)
    day = seoul_day(2)
    utc_start = datetime.combine(day - timedelta(days=1), datetime.min.time(), tzinfo=UTC).replace(hour=23,
                                                                                                  minute=30)
    body = delivery_body(shop, [(shop.stands[0].product, 4)], slot_start=utc_start.isoformat())

    resp = place_order(client, shop.headers, body)

    assert resp.status_code == 201, resp.json
    assert datetime.fromisoformat(resp.json["delivery"]["slot_start"]) == utc_start
    assert datetime.fromisoformat(resp.json["delivery"]["slot_end"]) == utc_start + timedelta(hours=1)
    assert [s["remaining"] for s in slots(client, shop.market, day.isoformat()).json] == [2, 3]
    assert slots(client, shop.market, (day - timedelta(days=1)).isoformat()).json[0]["remaining"] == 3


def test_the_deliveries_of_a_local_date_are_exactly_that_days_slots_also_across_midnight_utc(
        client, make, shop, delivery_order):
    """Seoul's 08:30 slot starts at 23:30 UTC the day before; the next day's 08:30 starts on this UTC date."""
    make.delivery_settings(shop.market, hours=MORNING)
    day = seoul_day(2)
    fish = [(shop.stands[1].product, 2)]  # 10,000 won: the minimum order
    at = {name: delivery_order(fish, f"{local_day}T{time}:00+09:00")["delivery_id"] for name, local_day, time in [
        ("day before, late", day - timedelta(days=1), "09:30"), ("crossing midnight UTC", day, "08:30"),
        ("the day's second", day, "09:30"), ("next day, on this UTC date", day + timedelta(days=1), "08:30")]}

    resp = client.get(f"{API}/markets/{shop.market.id}/deliveries", query_string={"date": day.isoformat()},
                      headers=shop.admin_headers)

    assert resp.status_code == 200, resp.json
    assert [d["id"] for d in resp.json] == [at["crossing midnight UTC"], at["the day's second"]]
    first = datetime.fromisoformat(resp.json[0]["slot_start"])
    assert first.astimezone(UTC).date() == day - timedelta(days=1) and first.astimezone(SEOUL).date() == day
    next_day = client.get(f"{API}/markets/{shop.market.id}/deliveries",
                          query_string={"date": (day + timedelta(days=1)).isoformat()}, headers=shop.admin_headers)
    assert [d["id"] for d in next_day.json] == [at["next day, on this UTC date"]]


def test_a_closure_day_lists_no_slots_and_refuses_orders(client, make, shop, ledger):
    day = seoul_day(2)
    make.delivery_settings(shop.market, hours=MORNING, closed_dates=[day.isoformat()])
    body = delivery_body(shop, [(shop.stands[0].product, 4)], slot_start=f"{day}T08:30:00+09:00")
    before = ledger()

    listed = slots(client, shop.market, day.isoformat())
    resp = place_order(client, shop.headers, body)

    assert listed.json == []
    assert_error(resp, 422, "delivery", "slot_start")
    assert "closed day" in resp.json["message"]
    assert ledger() == before


@pytest.mark.parametrize("query", ["", "date=2026-02-30", "date=tomorrow", "date=2026-11-26T10:00"])
def test_a_bad_slot_date_is_422_naming_date(client, make, query):
    market = make.market()

    assert_error(client.get(f"{API}/markets/{market.id}/delivery/slots?{query}"), 422, "date", location="query")


def test_slots_of_a_market_without_delivery_are_empty_and_of_no_market_404(client, make):
    market = make.market(delivery={"enabled": False})

    assert slots(client, market, seoul_day().isoformat()).json == []
    assert_error(client.get(f"{API}/markets/999/delivery/slots?date={seoul_day()}"), 404)


def _slot_in(hours: int) -> str:
    return next_slot_start(hours)


@pytest.mark.parametrize(("settings", "slot_start", "words"), [
    ({"cutoff_minutes": 180}, lambda: _slot_in(0), "cut-off"),
    ({"lead_minutes": 180}, lambda: _slot_in(0), "cut-off"),
    ({}, lambda: (datetime.fromisoformat(_slot_in(1)) + timedelta(minutes=30)).isoformat(), "not a slot"),
    ({}, lambda: (datetime.fromisoformat(_slot_in(0)) - timedelta(hours=2)).isoformat(), "already started"),
    ({"days_ahead": 1}, lambda: _slot_in(30), "days ahead"),
    ({"hours": {}}, lambda: _slot_in(1), "outside delivery hours"),
    ({}, lambda: None, "Choose a delivery slot"),
], ids=["past-cut-off", "within-lead-time", "not-a-slot-start", "started", "beyond-days-ahead", "no-hours",
        "missing"])
def test_an_order_for_a_slot_that_is_not_open_is_422_naming_delivery_slot_start(
        client, make, shop, ledger, settings, slot_start, words):
    make.delivery_settings(shop.market, **settings)
    body = delivery_body(shop, [(shop.stands[0].product, 4)])
    body["delivery"]["slot_start"] = slot_start()
    before = ledger()

    resp = place_order(client, shop.headers, body)

    assert_error(resp, 422, "delivery", "slot_start")
    assert words in resp.json["message"]
    assert ledger() == before


def test_an_order_for_a_full_slot_is_409_naming_delivery_slot_start(client, make, shop, ledger, stripe_client):
    make.delivery_settings(shop.market, slot_capacity=1)
    start = next_slot_start()
    first = place_order(client, shop.headers, delivery_body(shop, [(shop.stands[0].product, 4)], start))
    before = ledger()

    late = place_order(client, make.headers(make.user()), delivery_body(shop, [(shop.stands[0].product, 4)], start))

    assert first.status_code == 201
    assert_error(late, 409, "delivery", "slot_start")
    assert "full" in late.json["message"]
    assert ledger() == before
    assert taken(shop.market, start) == 1


def _booking(order_id: int) -> SlotBooking:
    db.session.expire_all()
    return db.session.scalar(sa.select(SlotBooking).filter_by(order_id=order_id))


def test_an_expired_order_gives_its_place_back_once(client, shop):
    start = next_slot_start()
    placed = place_order(client, shop.headers, delivery_body(shop, [(shop.stands[0].product, 4)], start)).json
    assert taken(shop.market, start) == 1
    db.session.execute(sa.update(Order).where(Order.id == placed["id"]).values(expires_at=utcnow()))
    db.session.commit()

    for _ in range(2):
        assert client.get(f"{API}/orders/{placed['id']}", headers=shop.headers).json["status"] == "expired"

    assert taken(shop.market, start) == 0
    assert _booking(placed["id"]).released_at is not None


def test_a_cancelled_order_gives_its_place_back_and_cancels_its_delivery(client, shop, delivery_order):
    order = delivery_order()
    start = order["delivery"]["slot_start"]
    assert taken(shop.market, start) == 1

    resp = client.post(f"{API}/orders/{order['id']}/cancel", headers=shop.headers)

    assert resp.json["status"] == "cancelled"
    assert taken(shop.market, start) == 0
    delivery = client.get(f"{API}/deliveries/{order['delivery_id']}", headers=shop.headers).json
    assert delivery["status"] == "cancelled"
    assert [e["status"] for e in delivery["events"]] == ["requested", "cancelled"]


def test_every_stall_rejecting_gives_the_place_back(client, shop, delivery_order):
    order = delivery_order()
    start = order["delivery"]["slot_start"]

    for part in order["stall_orders"]:
        stand = next(s for s in shop.stands if s.stall.id == part["stall_id"])
        client.post(f"{API}/stall-orders/{part['id']}/reject", json={"reason": "품절"}, headers=stand.headers)

    assert client.get(f"{API}/orders/{order['id']}", headers=shop.headers).json["status"] == "cancelled"
    assert taken(shop.market, start) == 0
    assert client.get(f"{API}/deliveries/{order['delivery_id']}", headers=shop.headers).json["status"] == "cancelled"


@pytest.mark.committing  # requests race from threads, each with its own connection
def test_concurrent_orders_never_overbook_a_slot(app, make, shop):
    """Ten shoppers order for a slot with three places at the same moment, each through their own connection.
    Each buys a different product, so nothing but the slot's place makes their transactions wait for each other."""
    make.delivery_settings(shop.market, slot_capacity=3)
    start = next_slot_start()
    requests = []
    for i in range(10):
        product = make.product(shop.stands[0].stall, name=f"두부{i}", price=1000, stock=None)
        headers = make.headers(make.user(f"손님{i}")) | {"Idempotency-Key": f"slot-{i}"}
        requests.append((headers, delivery_body(shop, [(product, 12)], start)))

    results = post_at_once(app, requests)

    statuses = sorted(status for status, _ in results)
    assert statuses == [201] * 3 + [409] * 7, results
    for status, answer in results:
        if status == 409:
            assert answer["errors"]["json"]["delivery"]["slot_start"], answer
    assert taken(shop.market, start) == 3
    assert make.count(SlotBooking) == 3 and make.count(Order) == 3


def test_money_for_an_expired_delivery_order_takes_its_slot_place_back(
        app, client, shop, stripe_client, stripe_at, localstripe_url):
    start = next_slot_start()
    placed = place_order(client, shop.headers, delivery_body(shop, [(shop.stands[0].product, 4)], start)).json
    expire_behind_stripes_back(client, shop, placed, localstripe_url, stripe_at)
    assert taken(shop.market, start) == 0

    pay_at_stripe_and_tell(client, app, stripe_client, placed)

    order = client.get(f"{API}/orders/{placed['id']}", headers=shop.headers).json
    assert (order["status"], order["payment"]["refunded_amount"]) == ("paid", 0)
    assert taken(shop.market, start) == 1 and _booking(placed["id"]).released_at is None
    assert client.get(f"{API}/deliveries/{order['delivery_id']}", headers=shop.headers).json["status"] == "requested"


def test_money_for_an_expired_delivery_order_whose_slot_filled_is_refunded_in_full(
        app, client, make, shop, stripe_client, stripe_at, localstripe_url):
    make.delivery_settings(shop.market, slot_capacity=1)
    start = next_slot_start()
    placed = place_order(client, shop.headers, delivery_body(shop, [(shop.stands[0].product, 4)], start)).json
    expire_behind_stripes_back(client, shop, placed, localstripe_url, stripe_at)
    other = place_order(client, make.headers(make.user()), delivery_body(shop, [(shop.stands[1].product, 3)], start))
    assert other.status_code == 201

    pay_at_stripe_and_tell(client, app, stripe_client, placed)

    order = client.get(f"{API}/orders/{placed['id']}", headers=shop.headers).json
    assert (order["status"], order["payment"]["refunded_amount"], order["delivery_id"]) == (
        "expired", placed["total"], None)
    assert taken(shop.market, start) == 1  # the other order's place only
