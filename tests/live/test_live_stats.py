"""A session's figures for its merchant and the market's admins: paid orders, units and gross at the live price,
per offer, subscribers, peak and distinct viewers, orders per hundred viewers. And the whole story through the API:
a merchant schedules a session with offers, shoppers subscribe and are reminded, the session goes live, orders get
live prices up to the cap and are attributed, a calendar parser reads the feed, and the stats show the sales."""

import icalendar

from market_app.core import uow
from market_app.extensions import db
from market_app.live import reminders
from market_app.live.models import LiveSession
from tests.helpers import assert_error
from tests.live.helpers import API, items_of, notes, soon


def test_stats_count_paid_orders_at_the_live_price_only(client, make, shop, live, checkout, pay):
    veg, fish = shop.stands
    session = live.schedule(veg, starts_in=5, offers=[
        {"product_id": veg.product.id, "live_price": 2500, "quantity_cap": 4}])
    live.start(session, veg)
    paid = checkout([(veg.product, 3), (fish.product, 1)])
    pay(paid)
    overflow = checkout([(veg.product, 2)], headers=make.headers(make.user()))  # 1 live + 1 list, unpaid
    client.post(f"{API}/live-sessions/{session['id']}/heartbeat", json={"viewer_id": "viewer-0001"})
    client.post(f"{API}/live-sessions/{session['id']}/heartbeat", headers=shop.headers, json={})
    live.subscribe(session, shop.headers)

    stats = client.get(f"{API}/live-sessions/{session['id']}/stats", headers=veg.headers).json

    assert items_of(overflow)[0][1:3] == (1, 2500)
    assert (stats["orders"], stats["units"], stats["gross"], stats["list_gross"], stats["savings"]) == \
        (1, 3, 7500, 9000, 1500)
    assert stats["pending_orders"] == 1
    assert (stats["subscribers"], stats["peak_viewers"], stats["viewers"]) == (1, 2, 2)
    assert stats["orders_per_100_viewers"] == 50.0
    assert stats["offers"] == [{"product_id": veg.product.id, "name": "배추", "live_price": 2500, "quantity_cap": 4,
                                "sold": 4, "remaining": 0, "orders": 1, "units": 3, "gross": 7500}]
    assert [e["to_status"] for e in stats["events"]] == ["scheduled", "live"]


def test_the_market_admin_reads_the_stats_and_a_shopper_may_not(client, shop, live):
    session = live.schedule(shop.stands[0], starts_in=60)

    assert client.get(f"{API}/live-sessions/{session['id']}/stats", headers=shop.admin_headers).status_code == 200
    assert_error(client.get(f"{API}/live-sessions/{session['id']}/stats", headers=shop.headers), 403)


def test_a_merchant_runs_a_live_session_end_to_end_through_the_api(client, make, shop, live, pay):
    """The issue's 'done when', as one story."""
    stand = shop.stands[0]
    beef = make.product(stand.stall, name="한우 등심", price=30000, stock=50, unit="1근 (600g)")
    neighbour = make.user("이웃")

    # The merchant schedules a session with two offers, starting in half an hour.
    session = live.schedule(stand, starts_in=30, minutes=60, title="한우 등심 라이브", offers=[
        {"product_id": beef.id, "live_price": 24000, "quantity_cap": 3},
        {"product_id": stand.product.id, "live_price": 2000, "quantity_cap": 10, "per_shopper_limit": 2}])

    # Shoppers find it in the market's schedule and calendar, and subscribe.
    schedule = client.get(f"{API}/markets/{shop.market.id}/live-sessions").json
    assert [s["id"] for s in schedule] == [session["id"]]
    feed = client.get(f"{API}/markets/{shop.market.id}/live-sessions.ics")
    [event] = icalendar.Calendar.from_ical(feed.get_data()).walk("VEVENT")
    assert str(event["SUMMARY"]).startswith("[라이브] 한우 등심 라이브") and event["SEQUENCE"] == 0
    for headers in (shop.headers, make.headers(neighbour)):
        assert live.subscribe(session, headers)["subscribed"] is True

    # Ten minutes before the start, the reminder job tells each of them once.
    row = db.session.get(LiveSession, session["id"])
    row.starts_at = soon(9)
    row.ends_at = soon(69)
    db.session.commit()
    with uow.unit_of_work():
        reminders.remind(session["id"], int(row.starts_at.timestamp()))
    for user in (shop.shopper, neighbour):
        [reminder] = notes(user.id, "live_reminder")
        assert reminder.title == "10분 후 라이브 시작: 한우 등심 라이브"

    # The merchant goes live; subscribers hear it; viewers come.
    live.start(session, stand)
    assert [len(notes(user.id, "live_started")) for user in (shop.shopper, neighbour)] == [1, 1]
    for n in range(4):
        client.post(f"{API}/live-sessions/{session['id']}/heartbeat", json={"viewer_id": f"viewer-{n:04d}"})

    # Orders during the session get live prices up to the cap, attributed to it.
    first = client.post(f"{API}/orders", headers=shop.headers | {"Idempotency-Key": "live-1"}, json={
        "market_id": shop.market.id, "fulfillment": "pickup",
        "items": [{"product_id": beef.id, "quantity": 2}, {"product_id": stand.product.id, "quantity": 3}]}).json
    second = client.post(f"{API}/orders", headers=make.headers(neighbour) | {"Idempotency-Key": "live-2"}, json={
        "market_id": shop.market.id, "fulfillment": "pickup", "items": [{"product_id": beef.id, "quantity": 2}]}).json
    assert items_of(first) == [(beef.id, 2, 24000, 48000, session["id"]),
                               (stand.product.id, 2, 2000, 4000, session["id"]),
                               (stand.product.id, 1, 3000, 3000, None)]
    assert items_of(second) == [(beef.id, 1, 24000, 24000, session["id"]), (beef.id, 1, 30000, 30000, None)]
    pay(first)
    pay(second)
    detail = live.read(session)
    assert [(o["product_id"], o["sold"], o["remaining"]) for o in detail["offers"]] == [
        (beef.id, 3, 0), (stand.product.id, 2, 8)]

    # The merchant ends it with a replay; the feed shows the new sequence; the stats show the sales.
    live.end(session, stand, replay_url="https://live.example.com/replay/hanwoo")
    feed = client.get(f"{API}/markets/{shop.market.id}/live-sessions.ics")
    [event] = icalendar.Calendar.from_ical(feed.get_data()).walk("VEVENT")
    assert event["SEQUENCE"] == 2 and "다시 보기: https://live.example.com/replay/hanwoo" in str(event["DESCRIPTION"])
    stats = client.get(f"{API}/live-sessions/{session['id']}/stats", headers=stand.headers).json
    assert (stats["orders"], stats["units"], stats["gross"]) == (2, 5, 48000 + 4000 + 24000)
    assert (stats["subscribers"], stats["peak_viewers"], stats["viewers"], stats["orders_per_100_viewers"]) == \
        (2, 4, 4, 50.0)
