"""Bad sessions are refused with the field that is wrong and nothing written: ends before it starts, longer than
4 hours, in the past, a product of another stall, a live price not below the list price, a plain-http stream, and a
session overlapping another of the same stall, also when two are created at the same moment."""

from datetime import timedelta

import pytest

from market_app.extensions import db
from market_app.live.models import (
    LiveOffer,
    LiveSession,
    LiveSessionEvent,
    LiveSubscription,
    StallFollow,
)
from market_app.notifications.models import Notification
from tests.helpers import assert_error, post_at_once
from tests.live.helpers import API, iso, session_body, soon

LIVE_TABLES = (LiveSession, LiveOffer, LiveSessionEvent, LiveSubscription, StallFollow, Notification)


def _offer(stand, **fields) -> list[dict]:
    return [{"product_id": stand.product.id, "live_price": 2500, "quantity_cap": 5} | fields]


def _cases(shop):
    veg, fish = shop.stands
    starts = soon(60)
    return {
        "ends before it starts": ({"ends_at": iso(starts - timedelta(minutes=1)), "starts_at": iso(starts)},
                                  422, ["ends_at"]),
        "longer than 4 hours": ({"starts_at": iso(starts), "ends_at": iso(starts + timedelta(hours=4, minutes=1))},
                                422, ["ends_at"]),
        "starts in the past": ({"starts_at": iso(soon(-5)), "ends_at": iso(soon(30))}, 422, ["starts_at"]),
        "no offset on the time": ({"starts_at": starts.replace(tzinfo=None).isoformat()}, 422, ["starts_at"]),
        "product of another stall": ({"offers": _offer(veg, product_id=fish.product.id)}, 422,
                                     ["offers", "0", "product_id"]),
        "live price equal to the list price": ({"offers": _offer(veg, live_price=3000)}, 422,
                                               ["offers", "0", "live_price"]),
        "live price above the list price": ({"offers": _offer(veg, live_price=3500)}, 422,
                                            ["offers", "0", "live_price"]),
        "a live price of zero": ({"offers": _offer(veg, live_price=0)}, 422, ["offers", "0", "live_price"]),
        "the same product twice": ({"offers": _offer(veg) + _offer(veg, live_price=2000)}, 422,
                                   ["offers", "1", "product_id"]),
        "per-shopper limit above the cap": ({"offers": _offer(veg, per_shopper_limit=6)}, 422,
                                            ["offers", "0", "per_shopper_limit"]),
        "a negative cap": ({"offers": _offer(veg, quantity_cap=-1)}, 422, ["offers", "0", "quantity_cap"]),
        "http stream URL": ({"stream_url": "http://live.example.com/watch/1"}, 422, ["stream_url"]),
        "a stream that is not a URL": ({"stream_url": "javascript:alert(1)"}, 422, ["stream_url"]),
        "http thumbnail": ({"thumbnail_url": "http://img.example.com/1.jpg"}, 422, ["thumbnail_url"]),
        "a flash sale with a stream": ({"kind": "flash"}, 422, ["stream_url"]),
        "an unknown kind": ({"kind": "radio"}, 422, ["kind"]),
        "an unknown field": ({"price": 1}, 422, ["price"]),
        "an empty title": ({"title": ""}, 422, ["title"]),
    }


CASE_NAMES = ["ends before it starts", "longer than 4 hours", "starts in the past", "no offset on the time",
              "product of another stall", "live price equal to the list price", "live price above the list price",
              "a live price of zero", "the same product twice", "per-shopper limit above the cap", "a negative cap",
              "http stream URL", "a stream that is not a URL", "http thumbnail", "a flash sale with a stream",
              "an unknown kind", "an unknown field", "an empty title"]


@pytest.mark.parametrize("case", CASE_NAMES)
def test_a_bad_session_is_refused_naming_the_field_and_nothing_is_written(client, shop, snapshot, case):
    changes, status, path = _cases(shop)[case]
    stand = shop.stands[0]
    body = session_body(stand) | changes
    before = snapshot(*LIVE_TABLES)

    resp = client.post(f"{API}/stalls/{stand.stall.id}/live-sessions", json=body, headers=stand.headers)

    errors = assert_error(resp, status)["json"]
    for key in path:
        errors = errors[key]
    assert errors, resp.json
    assert snapshot(*LIVE_TABLES) == before


def test_cases_cover_every_named_refusal(shop):
    assert sorted(_cases(shop)) == sorted(CASE_NAMES)


def test_a_bad_edit_is_refused_naming_the_field_and_changes_nothing(client, shop, live, snapshot):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=60)
    url = f"{API}/live-sessions/{session['id']}"
    before = snapshot(*LIVE_TABLES)

    late_end = client.patch(url, json={"ends_at": iso(soon(60 + 5 * 60))}, headers=stand.headers)
    too_dear = client.patch(url, json={"offers": _offer(stand, live_price=9000)}, headers=stand.headers)
    backwards = client.patch(url, json={"ends_at": iso(soon(30))}, headers=stand.headers)

    assert "ends_at" in assert_error(late_end, 422)["json"]
    assert "live_price" in assert_error(too_dear, 422)["json"]["offers"]["0"]
    assert "ends_at" in assert_error(backwards, 422)["json"]
    assert snapshot(*LIVE_TABLES) == before


def test_an_overlapping_session_of_the_same_stall_is_409_naming_starts_at(client, shop, live, snapshot):
    stand = shop.stands[0]
    live.schedule(stand, starts_in=60, minutes=60)
    before = snapshot(*LIVE_TABLES)

    overlap = client.post(f"{API}/stalls/{stand.stall.id}/live-sessions",
                          json=session_body(stand, starts_in=90, minutes=60), headers=stand.headers)
    inside = client.post(f"{API}/stalls/{stand.stall.id}/live-sessions",
                         json=session_body(stand, starts_in=70, minutes=10), headers=stand.headers)

    assert "starts_at" in assert_error(overlap, 409)["json"]
    assert "starts_at" in assert_error(inside, 409)["json"]
    assert snapshot(*LIVE_TABLES) == before


def test_moving_a_session_onto_another_is_409_and_another_stall_may_overlap(client, shop, live):
    veg, fish = shop.stands
    first = live.schedule(veg, starts_in=60, minutes=60)
    second = live.schedule(veg, starts_in=180, minutes=60)

    moved = client.patch(f"{API}/live-sessions/{second['id']}", headers=veg.headers,
                         json={"starts_at": first["starts_at"], "ends_at": first["ends_at"]})
    neighbour = live.schedule(fish, starts_in=60, minutes=60)

    assert "starts_at" in assert_error(moved, 409)["json"]
    assert neighbour["starts_at"] == first["starts_at"]


def test_a_cancelled_session_frees_its_time(client, shop, live):
    stand = shop.stands[0]
    cancelled = live.schedule(stand, starts_in=60)
    live.act(cancelled, "cancel", stand.headers)

    again = live.schedule(stand, starts_in=60)

    assert again["starts_at"] == cancelled["starts_at"]


def test_a_suspended_stall_cannot_schedule(client, make, shop):
    stand = shop.stands[0]
    stand.stall.status = "suspended"
    db.session.commit()

    resp = client.post(f"{API}/stalls/{stand.stall.id}/live-sessions", json=session_body(stand),
                       headers=stand.headers)

    assert_error(resp, 409)


@pytest.mark.committing
def test_two_overlapping_sessions_created_at_the_same_moment_one_wins(app, make, shop):
    """Six overlapping schedulings of one stall sent at once (two phones of the same merchant...): exactly one is
    created, the others are 409 naming starts_at; the stall lock makes each check see the sessions before it."""
    stand = shop.stands[0]
    url = f"{API}/stalls/{stand.stall.id}/live-sessions"
    bodies = [session_body(stand, starts_in=60 + 10 * n, minutes=60, title=f"동시 {n}") for n in range(6)]

    results = post_at_once(app, [(stand.headers, body) for body in bodies], url=url)

    assert sorted(status for status, _ in results) == [201] + [409] * 5, results
    assert all("starts_at" in body["errors"]["json"] for status, body in results if status == 409)
    assert make.count(LiveSession) == 1 and make.count(LiveSessionEvent) == 1 and make.count(LiveOffer) == 1
