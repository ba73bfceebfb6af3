"""Scheduling a session with offers, reading it back with local times, editing it while scheduled, and the state
machine: scheduled -> live -> ended, or cancelled, with one timeline row per move and a 409 for any other move."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from market_app.extensions import db
from market_app.live.models import LiveSession, LiveSessionEvent
from tests.helpers import assert_error, every_row
from tests.live.helpers import API, STREAM, iso, session_body, soon


def test_a_merchant_schedules_a_session_with_offers_shown_in_the_markets_time(client, shop, live):
    stand = shop.stands[0]
    starts = soon(30)

    session = live.schedule(stand, starts_in=30, minutes=90, offers=[
        {"product_id": stand.product.id, "live_price": 2400, "quantity_cap": 20, "per_shopper_limit": 3}])

    assert session["status"] == "scheduled" and session["kind"] == "live"
    assert (session["stall_id"], session["market_id"]) == (stand.stall.id, shop.market.id)
    assert session["starts_at"].endswith("+09:00") and session["timezone"] == "Asia/Seoul"
    assert datetime.fromisoformat(session["starts_at"]) == starts
    assert datetime.fromisoformat(session["ends_at"]) - datetime.fromisoformat(session["starts_at"]) == \
        timedelta(minutes=90)
    assert session["offers"] == [{"product_id": stand.product.id, "name": "배추", "unit": "1포기", "list_price": 3000,
                                  "live_price": 2400, "quantity_cap": 20, "per_shopper_limit": 3, "sold": 0,
                                  "remaining": 20}]
    assert (session["subscribers"], session["peak_viewers"], session["sequence"]) == (0, 0, 0)
    assert session["stream_url"] == STREAM and session["replay_url"] is None
    assert live.read(session) == session


def test_the_session_goes_live_then_ends_with_a_replay_and_keeps_its_timeline(client, shop, live):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=10)

    started = live.start(session, stand)
    ended = live.end(session, stand, replay_url="https://live.example.com/replay/abc123")

    assert started["status"] == "live" and started["started_at"]
    assert ended["status"] == "ended" and ended["replay_url"].endswith("/replay/abc123")
    assert ended["sequence"] == 2
    events = db.session.scalars(sa.select(LiveSessionEvent).order_by(LiveSessionEvent.id)).all()
    assert [(e.from_status, e.to_status, e.actor_id) for e in events] == [
        (None, "scheduled", stand.owner.id), ("scheduled", "live", stand.owner.id), ("live", "ended", stand.owner.id)]


def test_moves_the_state_does_not_allow_are_409(client, shop, live):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=10)

    assert "end" in live.act(session, "end", stand.headers, status=409)["message"]
    live.start(session, stand)
    live.act(session, "start", stand.headers, status=409)
    live.act(session, "cancel", stand.headers, status=409)
    live.end(session, stand)
    live.act(session, "start", stand.headers, status=409)


def test_a_session_cannot_go_live_more_than_15_minutes_early(client, shop, live):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=20)

    refused = live.act(session, "start", stand.headers, status=409)

    assert "15 minutes" in refused["message"]
    assert live.read(session)["status"] == "scheduled"


def test_a_broadcast_needs_its_stream_url_to_go_live(client, shop, live):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=5, stream_url=None)

    refused = live.act(session, "start", stand.headers, status=409)
    assert refused["errors"]["json"]["stream_url"]

    resp = client.patch(f"{API}/live-sessions/{session['id']}", json={"stream_url": STREAM}, headers=stand.headers)
    assert resp.status_code == 200
    assert live.start(session, stand)["status"] == "live"


def test_editing_a_scheduled_session_moves_it_and_raises_its_sequence_only_for_time(client, shop, live):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=60)
    url = f"{API}/live-sessions/{session['id']}"

    retitled = client.patch(url, json={"title": "배추 김장 특집"}, headers=stand.headers).json
    new_start = soon(120)
    moved = client.patch(url, json={"starts_at": iso(new_start), "ends_at": iso(new_start + timedelta(hours=1))},
                         headers=stand.headers).json

    assert (retitled["title"], retitled["sequence"]) == ("배추 김장 특집", 0)
    assert datetime.fromisoformat(moved["starts_at"]) == new_start and moved["sequence"] == 1


def test_editing_offers_replaces_them_by_product(client, make, shop, live):
    stand = shop.stands[0]
    radish = make.product(stand.stall, name="무", price=2000)
    session = live.schedule(stand, starts_in=60)

    resp = client.patch(f"{API}/live-sessions/{session['id']}", headers=stand.headers, json={"offers": [
        {"product_id": radish.id, "live_price": 1500, "quantity_cap": 10},
        {"product_id": stand.product.id, "live_price": 2200, "quantity_cap": 8}]})

    assert resp.status_code == 200, resp.json
    assert sorted((o["product_id"], o["live_price"], o["quantity_cap"]) for o in resp.json["offers"]) == sorted(
        [(radish.id, 1500, 10), (stand.product.id, 2200, 8)])


def test_a_live_or_ended_session_is_not_edited_except_for_its_replay(client, shop, live):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=10)
    url = f"{API}/live-sessions/{session['id']}"
    live.start(session, stand)

    assert_error(client.patch(url, json={"title": "바꿈"}, headers=stand.headers), 409)
    live.end(session, stand)
    assert_error(client.patch(url, json={"title": "바꿈"}, headers=stand.headers), 409)
    resp = client.patch(url, json={"replay_url": "https://live.example.com/replay/9"}, headers=stand.headers)

    assert resp.status_code == 200 and resp.json["replay_url"] == "https://live.example.com/replay/9"
    assert resp.json["title"] == "배추 반값 라이브"


def test_a_scheduled_session_is_deleted_unless_someone_subscribed(client, shop, live):
    stand = shop.stands[0]
    lonely = live.schedule(stand, starts_in=60)
    popular = live.schedule(stand, starts_in=180)
    live.subscribe(popular, shop.headers)

    deleted = client.delete(f"{API}/live-sessions/{lonely['id']}", headers=stand.headers)
    refused = client.delete(f"{API}/live-sessions/{popular['id']}", headers=stand.headers)

    assert deleted.status_code == 204
    assert_error(refused, 409)
    assert "cancel it instead" in refused.json["message"]
    assert db.session.scalars(sa.select(LiveSession.id)).all() == [popular["id"]]


def test_a_live_or_ended_session_is_not_deleted_and_nothing_changes(client, shop, live):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=10)
    url = f"{API}/live-sessions/{session['id']}"

    live.start(session, stand)
    before_live = every_row()
    on_air = client.delete(url, headers=stand.headers)
    after_live = every_row()
    live.end(session, stand)
    before_ended = every_row()
    ended = client.delete(url, headers=stand.headers)

    assert_error(on_air, 409)
    assert "this one is live" in on_air.json["message"]
    assert after_live == before_live
    assert_error(ended, 409)
    assert "this one is ended" in ended.json["message"]
    assert every_row() == before_ended
    assert live.read(session)["status"] == "ended"


def test_the_market_admin_may_cancel_a_session_and_it_records_why(client, shop, live):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=60)

    cancelled = live.act(session, "cancel", shop.admin_headers, {"reason": "상인회 행사와 겹침"})

    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "상인회 행사와 겹침"
    assert cancelled["cancelled_at"] and cancelled["sequence"] == 1


def test_a_flash_sale_has_no_stream_and_starts_by_itself(client, shop, live):
    stand = shop.stands[1]
    body = session_body(stand, starts_in=30, minutes=60, kind="flash", stream_url=None, title="마감세일 고등어",
                        offers=[{"product_id": stand.product.id, "live_price": 3500, "quantity_cap": 10}])

    resp = client.post(f"{API}/stalls/{stand.stall.id}/live-sessions", json=body, headers=stand.headers)

    assert resp.status_code == 201, resp.json
    assert (resp.json["kind"], resp.json["auto_start"], resp.json["stream_url"]) == ("flash", True, None)


def test_sessions_of_one_stall_may_touch_end_to_start(client, shop, live):
    stand = shop.stands[0]
    first = live.schedule(stand, starts_in=60, minutes=60)

    second = live.schedule(stand, starts_in=120, minutes=30)

    assert first["ends_at"] == second["starts_at"]
