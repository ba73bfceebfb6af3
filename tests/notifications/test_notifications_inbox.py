"""The inbox: a paid order tells each of its stalls' owners once (also when Stripe's event comes twice), only
its owner reads or marks a notification, and the unread filter and read-all agree."""

from market_app.notifications.models import Notification
from tests.helpers import API, assert_error, post_event


def _inbox(client, headers, query: str = "") -> list[dict]:
    resp = client.get(f"{API}/me/notifications{query}", headers=headers)
    assert resp.status_code == 200, resp.json
    return resp.json


def test_a_paid_order_tells_each_stall_owner_about_their_own_part_once(client, app, make, shop, checkout, pay,
                                                                        stripe_client):
    veg, fish = shop.stands
    placed = checkout([(veg.product, 2), (fish.product, 1)])
    assert _inbox(client, veg.headers) == []  # nothing before it is paid

    pay(placed, event_id="evt_paid_once")
    intent = stripe_client.v1.payment_intents.retrieve(placed["payment"]["payment_intent_id"])
    post_event(client, app, "payment_intent.succeeded", intent.to_dict(), "evt_paid_twice")  # a second event

    [note] = _inbox(client, veg.headers)
    assert note["kind"] == "order_paid" and note["read_at"] is None
    assert note["data"] == {"order_id": placed["id"], "stall_order_id": placed["stall_orders"][0]["id"],
                            "stall_id": veg.stall.id}
    assert "배추 2" in note["body"] and "6,000원" in note["body"]
    [fish_note] = _inbox(client, fish.headers)
    assert fish_note["data"]["stall_id"] == fish.stall.id and "고등어 1" in fish_note["body"]
    assert _inbox(client, shop.headers) == [] and _inbox(client, shop.admin_headers) == []
    assert make.count(Notification) == 2


def test_marking_read_is_for_the_owner_only_and_read_all_empties_the_unread_list(client, make, shop, paid_order):
    paid_order()
    paid_order()
    veg = shop.stands[0]
    first, second = _inbox(client, veg.headers)

    stranger = client.post(f"{API}/me/notifications/{first['id']}/read", headers=shop.headers)
    assert_error(stranger, 404)
    assert _inbox(client, veg.headers, "?unread=true") == [first, second]

    resp = client.post(f"{API}/me/notifications/{first['id']}/read", headers=veg.headers)
    assert resp.status_code == 200 and resp.json["read_at"] is not None
    assert [n["id"] for n in _inbox(client, veg.headers, "?unread=true")] == [second["id"]]
    assert [n["id"] for n in _inbox(client, veg.headers, "?unread=false")] == [first["id"]]

    resp = client.post(f"{API}/me/notifications/read-all", headers=veg.headers)
    assert resp.json == {"marked": 1, "unread": 0}
    assert _inbox(client, veg.headers, "?unread=true") == []


def test_the_inbox_needs_a_token(client):
    assert_error(client.get(f"{API}/me/notifications"), 401)
    assert_error(client.post(f"{API}/me/notifications/read-all"), 401)
