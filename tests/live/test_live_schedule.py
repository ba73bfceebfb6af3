"""The public schedule: a market's (or a stall's) sessions by start time, from today unless from/to (the market's
local days) say otherwise, without cancelled ones unless asked, by kind; sessions of stalls that are not public are
not shown; a session's detail with its offers' remaining cap."""

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from market_app.extensions import db
from market_app.live.models import LiveSession
from market_app.live.schemas import LiveSessionSchema
from tests.live.helpers import API, iso, soon


def _ids(resp) -> list[int]:
    assert resp.status_code == 200, resp.json
    return [s["id"] for s in resp.json]


def _backdate(session: dict, days: int) -> None:
    row = db.session.get(LiveSession, session["id"])
    row.starts_at, row.ends_at = row.starts_at - timedelta(days=days), row.ends_at - timedelta(days=days)
    db.session.commit()


def test_the_market_schedule_lists_todays_and_upcoming_sessions_by_start(client, shop, live):
    veg, fish = shop.stands
    later = live.schedule(veg, starts_in=24 * 60 * 3)
    sooner = live.schedule(fish, starts_in=60)
    past = live.schedule(veg, starts_in=10)
    live.start(past, veg)
    live.end(past, veg)
    _backdate(past, 5)

    resp = client.get(f"{API}/markets/{shop.market.id}/live-sessions")

    assert _ids(resp) == [sooner["id"], later["id"]]
    assert json.loads(resp.headers["X-Pagination"])["total"] == 2
    assert resp.json[0]["offers"][0]["remaining"] == 5


def test_from_and_to_are_the_markets_local_days(client, shop, live):
    stand = shop.stands[0]
    past = live.schedule(stand, starts_in=10)
    live.start(past, stand)
    live.end(past, stand)
    _backdate(past, 5)
    upcoming = live.schedule(stand, starts_in=60)
    day = (soon(0) - timedelta(days=5)).astimezone(ZoneInfo("Asia/Seoul")).date()

    window = client.get(f"{API}/markets/{shop.market.id}/live-sessions",
                        query_string={"from": (day - timedelta(days=1)).isoformat(),
                                      "to": (day + timedelta(days=1)).isoformat()})
    everything = client.get(f"{API}/markets/{shop.market.id}/live-sessions",
                            query_string={"from": (day - timedelta(days=1)).isoformat()})
    backwards = client.get(f"{API}/markets/{shop.market.id}/live-sessions",
                           query_string={"from": day.isoformat(), "to": (day - timedelta(days=1)).isoformat()})

    assert _ids(window) == [past["id"]]
    assert _ids(everything) == [past["id"], upcoming["id"]]
    assert backwards.status_code == 422 and "to" in backwards.json["errors"]["query"]


def test_status_and_kind_filter_and_cancelled_ones_only_when_asked(client, shop, live):
    veg, fish = shop.stands
    broadcast = live.schedule(veg, starts_in=60)
    flash = live.schedule(fish, starts_in=90, kind="flash", stream_url=None,
                          offers=[{"product_id": fish.product.id, "live_price": 4000, "quantity_cap": 3}])
    cancelled = live.schedule(veg, starts_in=180)
    live.act(cancelled, "cancel", veg.headers)
    url = f"{API}/markets/{shop.market.id}/live-sessions"

    assert _ids(client.get(url)) == [broadcast["id"], flash["id"]]
    assert _ids(client.get(url, query_string={"kind": "flash"})) == [flash["id"]]
    assert _ids(client.get(url, query_string={"status": "cancelled"})) == [cancelled["id"]]
    assert client.get(url, query_string={"status": "paused"}).status_code == 422


def test_the_stall_schedule_has_only_that_stall(client, shop, live):
    veg, fish = shop.stands
    mine = live.schedule(veg, starts_in=60)
    live.schedule(fish, starts_in=60)

    assert _ids(client.get(f"{API}/stalls/{veg.stall.id}/live-sessions")) == [mine["id"]]


def test_sessions_of_a_stall_that_is_not_public_are_hidden_from_strangers(client, make, shop, live):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=60)
    stand.stall.status = "suspended"
    db.session.commit()

    assert _ids(client.get(f"{API}/markets/{shop.market.id}/live-sessions")) == []
    assert client.get(f"{API}/live-sessions/{session['id']}").status_code == 404
    assert client.get(f"{API}/live-sessions/{session['id']}", headers=stand.headers).status_code == 200
    assert client.get(f"{API}/stalls/{stand.stall.id}/live-sessions").status_code == 404


def test_an_unknown_market_or_session_is_404(client):
    assert client.get(f"{API}/markets/999/live-sessions").status_code == 404
    assert client.get(f"{API}/live-sessions/999").status_code == 404
    assert client.get(f"{API}/markets/999/live-sessions.ics").status_code == 404


def test_a_page_of_the_schedule_reads_sessions_offers_and_stalls_in_a_few_queries(client, make, shop, live,
                                                                                  count_queries):
    veg = shop.stands[0]
    for n in range(6):
        product = make.product(veg.stall, name=f"상품{n}", price=5000)
        starts = soon(60 + 60 * n)
        client.post(f"{API}/stalls/{veg.stall.id}/live-sessions", headers=veg.headers, json={
            "title": f"방송 {n}", "starts_at": iso(starts), "ends_at": iso(starts + timedelta(minutes=30)),
            "offers": [{"product_id": product.id, "live_price": 4000, "quantity_cap": 3},
                       {"product_id": veg.product.id, "live_price": 2000, "quantity_cap": 3}]})
    url = f"{API}/markets/{shop.market.id}/live-sessions"  # before counting: the market's id is expired by now
    assert client.get(url, query_string={"kind": "flash"}).json == []  # reads the market's time zone
    with count_queries() as statements:
        resp = client.get(url)

    assert len(resp.json) == 6 and all(len(s["offers"]) == 2 for s in resp.json)
    # 1 the public read cache's version (read on a connection of its own in production), 2 the page of session rows
    # with their stalls' names, market's time zone (which the window was bound for, as last read) and the total,
    # 3 the page's offers with products.
    assert len(statements) == 3, statements
    with count_queries() as statements:
        assert client.get(url).json == resp.json
    assert len(statements) == 1 and "cache_versions" in statements[0]  # the same page again: from the cache


def test_the_schedule_is_what_the_session_schema_dumps(client, shop, live):
    veg, fish = shop.stands
    started = live.schedule(veg, starts_in=10, offers=[
        {"product_id": veg.product.id, "live_price": 2000, "quantity_cap": 4, "per_shopper_limit": 2}])
    live.start(started, veg)
    live.schedule(fish, starts_in=90, kind="flash", stream_url=None, description="마감 떨이",
                  offers=[{"product_id": fish.product.id, "live_price": 4000, "quantity_cap": 3}])
    live.schedule(veg, starts_in=300, offers=[])
    cancelled = live.schedule(fish, starts_in=180)
    live.act(cancelled, "cancel", fish.headers, {"reason": "재료 소진"})

    def dumped(*where) -> list[dict]:
        db.session.expire_all()
        sessions = db.session.scalars(sa.select(LiveSession).where(*where)
                                      .order_by(LiveSession.starts_at, LiveSession.id))
        return LiveSessionSchema(many=True).dump(list(sessions))

    market_url = f"{API}/markets/{shop.market.id}/live-sessions"
    assert client.get(market_url).json == dumped(LiveSession.status != "cancelled")
    cancelled_only = client.get(market_url, query_string={"status": "cancelled"}).json
    assert cancelled_only == dumped(LiveSession.status == "cancelled")
    stall_only = client.get(f"{API}/stalls/{veg.stall.id}/live-sessions").json
    assert stall_only == dumped(LiveSession.stall_id == veg.stall.id)


def test_a_market_that_moves_to_another_time_zone_is_listed_by_its_new_local_days_at_once(client, shop, live):
    """The window is bound for the market's time zone as last read and checked against the one its rows carry."""
    # Starting at 01:00 UTC in five days, for 60 minutes: 10:00 on day D in Seoul, 14:00 on D - 1 in Pago Pago.
    start = (soon(0) + timedelta(days=5)).replace(hour=1, minute=0, second=0)
    session = live.schedule(shop.stands[0], starts_in=(start - soon(0)).total_seconds() / 60)
    day = start.astimezone(ZoneInfo("Asia/Seoul")).date()
    url = f"{API}/markets/{shop.market.id}/live-sessions"

    def on(local_day) -> list[int]:
        return _ids(client.get(url, query_string={"from": local_day.isoformat(), "to": local_day.isoformat()}))

    assert on(day) == [session["id"]] and on(day - timedelta(days=1)) == []
    resp = client.patch(f"{API}/markets/{shop.market.id}", json={"timezone": "Pacific/Pago_Pago"},
                        headers=shop.admin_headers)
    assert resp.status_code == 200, resp.json

    assert on(day) == [] and on(day - timedelta(days=1)) == [session["id"]]
    moved = client.get(url, query_string={"from": (day - timedelta(days=1)).isoformat()})
    assert moved.json[0]["starts_at"] == start.astimezone(ZoneInfo("Pacific/Pago_Pago")).isoformat()
