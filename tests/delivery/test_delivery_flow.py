"""A paid delivery order's delivery: opened when paid, ready for pickup once every remaining stall order is ready,
claimed (one wins), picked up, delivered or failed; a failed one re-slotted or cancelled with goods and fee
refunded exactly; every move on the timeline; every move its state does not allow a 409 that changes nothing."""

from datetime import datetime, timedelta

import pytest

from tests.delivery.conftest import SEOUL, delivery_body, prepare_all, taken
from tests.helpers import API, assert_error, next_slot_start, payout_period, place_order, post_at_once


def get(client, headers, delivery_id) -> dict:
    resp = client.get(f"{API}/deliveries/{delivery_id}", headers=headers)
    assert resp.status_code == 200, resp.json
    return resp.json


def act(client, headers, delivery_id, action, body=None):
    return client.post(f"{API}/deliveries/{delivery_id}/{action}", json=body or {}, headers=headers)


def inbox(client, headers) -> list[dict]:
    return client.get(f"{API}/me/notifications", headers=headers).json


def payment(client, shop, order) -> dict:
    return client.get(f"{API}/orders/{order['id']}/payment", headers=shop.headers).json


def _picked_up(client, shop, couriers, order) -> int:
    """Every stall readies its part, the first courier claims the delivery and picks it up; returns its id."""
    delivery_id = order["delivery_id"]
    prepare_all(client, shop, order)
    for action in ("claim", "pickup"):
        assert act(client, couriers.first_headers, delivery_id, action).status_code == 200, action
    return delivery_id


def test_a_paid_delivery_order_opens_its_delivery_with_slot_fee_and_timeline(client, shop, delivery_order):
    order = delivery_order()

    delivery = get(client, shop.headers, order["delivery_id"])

    assert (delivery["order_id"], delivery["market_id"], delivery["status"]) == (order["id"], shop.market.id,
                                                                                   "requested")
    assert (delivery["slot_start"], delivery["slot_end"]) == (order["delivery"]["slot_start"],
                                                              order["delivery"]["slot_end"])
    assert (delivery["fee"], delivery["address"], delivery["lat"], delivery["lng"]) == (
        order["delivery_fee"], "서울 마포구 망원로 1", 37.556, 126.905)
    assert (delivery["ready_for_pickup"], delivery["courier_id"]) == (False, None)
    assert [(e["status"], e["actor_id"]) for e in delivery["events"]] == [("requested", shop.shopper.id)]
    assert "fee_shares" not in delivery  # the shopper's view


def test_an_unpaid_delivery_order_has_no_delivery_yet(client, shop, checkout):
    placed = checkout([(shop.stands[0].product, 4)], "delivery")

    assert placed["delivery_id"] is None and placed["pickup_id"] is None


def test_pickup_before_every_stall_is_ready_is_409_and_ready_tells_shopper_and_couriers(
        client, shop, couriers, delivery_order):
    order = delivery_order()
    delivery_id = order["delivery_id"]
    assert act(client, couriers.first_headers, delivery_id, "claim").status_code == 200
    prepare_all(client, shop, {"stall_orders": order["stall_orders"][:1]})

    early = act(client, couriers.first_headers, delivery_id, "pickup")

    assert_error(early, 409)
    assert "Not ready" in early.json["message"]
    assert get(client, couriers.first_headers, delivery_id)["status"] == "assigned"
    prepare_all(client, shop, {"stall_orders": order["stall_orders"][1:]})
    assert get(client, couriers.first_headers, delivery_id)["ready_for_pickup"] is True
    assert [n["kind"] for n in inbox(client, couriers.second_headers)] == ["delivery_ready_for_pickup"]
    assert "delivery_ready" in [n["kind"] for n in inbox(client, shop.headers)]
    assert act(client, couriers.first_headers, delivery_id, "pickup").status_code == 200


def test_courier_claims_picks_up_and_delivers_and_the_shopper_reads_each_step(client, shop, couriers, delivery_order):
    order = delivery_order()
    delivery_id = order["delivery_id"]
    prepare_all(client, shop, order)

    claimed = act(client, couriers.first_headers, delivery_id, "claim")
    picked = act(client, couriers.first_headers, delivery_id, "pickup")
    delivered = act(client, couriers.first_headers, delivery_id, "deliver", {"note": "문 앞에 두었습니다"})

    assert (claimed.json["status"], claimed.json["courier_id"]) == ("assigned", couriers.first.id)
    assert picked.json["status"] == "picked_up" and picked.json["picked_up_at"]
    assert (delivered.json["status"], delivered.json["note"]) == ("delivered", "문 앞에 두었습니다")
    seen = get(client, shop.headers, delivery_id)
    assert [(e["status"], e["actor_id"]) for e in seen["events"]] == [
        ("requested", shop.shopper.id), ("assigned", couriers.first.id), ("picked_up", couriers.first.id),
        ("delivered", couriers.first.id)]
    # The parts left the desk with the courier: every stall order handed over, the order completed.
    after = client.get(f"{API}/orders/{order['id']}", headers=shop.headers).json
    assert after["status"] == "completed"
    assert {part["status"] for part in after["stall_orders"]} == {"handed_over"}
    kinds = [n["kind"] for n in inbox(client, shop.headers)]
    assert {"delivery_ready", "delivery_out", "delivery_delivered"} <= set(kinds)


def test_admin_assigns_and_reassigns_only_to_couriers_of_the_market(client, make, shop, couriers, delivery_order,
                                                                     ledger):
    order = delivery_order()
    delivery_id = order["delivery_id"]

    first = act(client, shop.admin_headers, delivery_id, "assign", {"courier_id": couriers.first.id})
    second = act(client, shop.admin_headers, delivery_id, "assign", {"courier_id": couriers.second.id})
    plain_user, elsewhere = make.user(), make.member(make.market(), "courier")
    before = ledger()
    stranger = act(client, shop.admin_headers, delivery_id, "assign", {"courier_id": plain_user.id})
    other_market = act(client, shop.admin_headers, delivery_id, "assign", {"courier_id": elsewhere.id})

    assert (first.json["courier_id"], second.json["courier_id"]) == (couriers.first.id, couriers.second.id)
    assert_error(stranger, 422, "courier_id")
    assert_error(other_market, 422, "courier_id")
    assert ledger() == before
    # Only the courier it is assigned to moves it now.
    prepare_all(client, shop, order)
    not_theirs = act(client, couriers.first_headers, delivery_id, "pickup")
    assert_error(not_theirs, 403)
    assert "another courier" in not_theirs.json["message"]
    assert act(client, couriers.second_headers, delivery_id, "pickup").status_code == 200


def test_a_failed_delivery_is_reslotted_and_goes_out_again(client, shop, couriers, delivery_order):
    order = delivery_order()
    old_slot = order["delivery"]["slot_start"]
    delivery_id = _picked_up(client, shop, couriers, order)

    failed = act(client, couriers.first_headers, delivery_id, "fail", {"reason": "부재중"})
    new_slot = next_slot_start(3)
    moved = act(client, shop.admin_headers, delivery_id, "reslot", {"slot_start": new_slot})

    assert (failed.json["status"], failed.json["failure_reason"]) == ("failed", "부재중")
    assert "delivery_failed" in [n["kind"] for n in inbox(client, shop.headers)]
    assert "delivery_failed_admin" in [n["kind"] for n in inbox(client, shop.admin_headers)]
    assert moved.status_code == 200, moved.json
    assert (moved.json["status"], moved.json["courier_id"], moved.json["ready_for_pickup"]) == (
        "requested", None, True)
    assert moved.json["slot_start"] == new_slot
    assert (taken(shop.market, old_slot), taken(shop.market, new_slot)) == (0, 1)
    for action in ("claim", "pickup", "deliver"):
        assert act(client, couriers.second_headers, delivery_id, action).status_code == 200
    assert [e["status"] for e in get(client, shop.headers, delivery_id)["events"]] == [
        "requested", "assigned", "picked_up", "failed", "requested", "assigned", "picked_up", "delivered"]


def _ready_notes(client, headers) -> list[dict]:
    return [n for n in inbox(client, headers) if n["kind"] == "delivery_ready_for_pickup"]


def test_a_reslotted_ready_delivery_tells_the_couriers_again_once_per_slot(client, shop, couriers, delivery_order):
    order = delivery_order()
    delivery_id = _picked_up(client, shop, couriers, order)
    act(client, couriers.first_headers, delivery_id, "fail", {"reason": "부재중"})
    assert len(_ready_notes(client, couriers.second_headers)) == 1

    new_slot, last_slot = next_slot_start(3), next_slot_start(4)
    assert act(client, shop.admin_headers, delivery_id, "reslot", {"slot_start": new_slot}).status_code == 200
    assert act(client, couriers.second_headers, delivery_id, "claim").status_code == 200
    after_first = _ready_notes(client, couriers.second_headers)
    assert act(client, shop.admin_headers, delivery_id, "reslot", {"slot_start": last_slot}).status_code == 200

    def local_start(slot: str) -> str:
        return f"{datetime.fromisoformat(slot).astimezone(SEOUL):%H:%M}-"

    assert len(after_first) == 2 and local_start(new_slot) in after_first[0]["body"]  # the claim told nobody
    for headers in (couriers.first_headers, couriers.second_headers):
        newest, second, _first = _ready_notes(client, headers)  # newest first: one per slot it went out in
        assert local_start(last_slot) in newest["body"] and local_start(new_slot) in second["body"]
    shopper = inbox(client, shop.headers)
    assert [n["kind"] for n in shopper].count("delivery_ready") == 1  # the shopper: ready once
    # ... and told each new time, newest first.
    moved = [n["body"] for n in shopper if n["kind"] == "delivery_rescheduled"]
    assert len(moved) == 2
    assert local_start(last_slot) in moved[0] and local_start(new_slot) in moved[1]


def test_a_failed_delivery_cancelled_by_the_admin_refunds_goods_and_fee_exactly(client, shop, couriers,
                                                                                 delivery_order):
    order = delivery_order()
    delivery_id = _picked_up(client, shop, couriers, order)
    act(client, couriers.first_headers, delivery_id, "fail", {"reason": "주소 오류"})

    resp = act(client, shop.admin_headers, delivery_id, "cancel", {"reason": "주소를 찾을 수 없음"})

    assert resp.status_code == 200, resp.json
    assert resp.json["status"] == "cancelled"
    paid = payment(client, shop, order)
    by_part = {r["stall_order_id"]: r["amount"] for r in paid["refunds"]}
    assert by_part == {part["id"]: part["subtotal"] for part in order["stall_orders"]} | {None: order["delivery_fee"]}
    assert paid["refunded_amount"] == order["total"] == 20000
    assert {r["status"] for r in paid["refunds"]} == {"succeeded"}
    assert client.get(f"{API}/orders/{order['id']}", headers=shop.headers).json["status"] == "cancelled"
    assert taken(shop.market, order["delivery"]["slot_start"]) == 0


def test_cancelling_a_requested_delivery_refunds_everything_and_restocks(client, shop, delivery_order):
    order = delivery_order()

    resp = act(client, shop.admin_headers, order["delivery_id"], "cancel", {"reason": "배송 인력 부족"})

    assert resp.json["status"] == "cancelled"
    assert payment(client, shop, order)["refunded_amount"] == order["total"]
    assert [client.get(f"{API}/products/{s.product.id}").json["stock"] for s in shop.stands] == [10, 10]
    after = client.get(f"{API}/orders/{order['id']}", headers=shop.headers).json
    assert {part["status"] for part in after["stall_orders"]} == {"cancelled"}


def test_a_rejected_part_leaves_the_rest_ready_for_pickup(client, shop, delivery_order):
    order = delivery_order()
    cabbage, mackerel = order["stall_orders"]
    prepare_all(client, shop, {"stall_orders": [cabbage]})

    client.post(f"{API}/stall-orders/{mackerel['id']}/reject", json={"reason": "품절"},
                headers=shop.stands[1].headers)

    assert get(client, shop.headers, order["delivery_id"])["ready_for_pickup"] is True


# --- every move its state does not allow: 409, nothing changed -----------------------------------------

STEPS = {
    "requested": [],
    "assigned": [("courier", "claim", None)],
    "picked_up": [("courier", "claim", None), ("courier", "pickup", None)],
    "delivered": [("courier", "claim", None), ("courier", "pickup", None), ("courier", "deliver", {})],
    "failed": [("courier", "claim", None), ("courier", "pickup", None), ("courier", "fail", {"reason": "x"})],
    "cancelled": [("admin", "cancel", {"reason": "x"})],
}
ACTIONS = {"claim": ("courier", None), "pickup": ("courier", None), "deliver": ("courier", {"note": "x"}),
           "fail": ("courier", {"reason": "x"}), "cancel": ("admin", {"reason": "x"}),
           "reslot": ("admin", {"slot_start": "SLOT"}), "assign": ("admin", {"courier_id": "COURIER"})}
ALLOWED = {"requested": {"claim", "cancel", "reslot", "assign"}, "assigned": {"pickup", "cancel", "reslot", "assign"},
           "picked_up": {"deliver", "fail"}, "delivered": set(), "failed": {"cancel", "reslot"},
           "cancelled": set()}
REFUSED = [pytest.param(state, action, id=f"{action}-when-{state}")
           for state in STEPS for action in ACTIONS if action not in ALLOWED[state]]


@pytest.mark.parametrize(("state", "action"), REFUSED)
def test_a_move_the_deliverys_state_does_not_allow_is_409_and_changes_nothing(
        client, shop, couriers, delivery_order, ledger, state, action):
    order = delivery_order()
    delivery_id = order["delivery_id"]
    prepare_all(client, shop, order)
    headers = {"courier": couriers.first_headers, "admin": shop.admin_headers}
    for who, step, body in STEPS[state]:
        assert act(client, headers[who], delivery_id, step, body).status_code == 200, (state, step)
    who, body = ACTIONS[action]
    body = {key: {"SLOT": next_slot_start(2), "COURIER": couriers.first.id}.get(value, value)
            for key, value in (body or {}).items()}
    before = ledger()

    resp = act(client, headers[who], delivery_id, action, body)

    assert_error(resp, 409)
    assert ledger() == before


@pytest.mark.committing  # requests race from threads, each with its own connection
def test_two_couriers_claiming_at_once_one_wins_the_other_is_409(app, client, shop, couriers, delivery_order):
    order = delivery_order()
    url = f"{API}/deliveries/{order['delivery_id']}/claim"

    results = post_at_once(app, [(couriers.first_headers, {}), (couriers.second_headers, {})], url=url)

    assert sorted(status for status, _ in results) == [200, 409], results
    winner = next(body for status, body in results if status == 200)
    delivery = get(client, shop.admin_headers, order["delivery_id"])
    assert delivery["courier_id"] == winner["courier_id"] in (couriers.first.id, couriers.second.id)
    assert [e["status"] for e in delivery["events"]] == ["requested", "assigned"]


def test_a_failed_delivery_is_not_paid_out_so_its_cancel_still_refunds_the_shopper(
        client, shop, couriers, delivery_order):
    """Parts at the desk are paid out once their order reaches the shopper: a payout run between a failed delivery
    and its cancel pays the stalls nothing for it, and the shopper gets every won back."""
    order = delivery_order()
    delivery_id = _picked_up(client, shop, couriers, order)
    act(client, couriers.first_headers, delivery_id, "fail", {"reason": "부재중"})

    payouts = client.post(f"{API}/markets/{shop.market.id}/payouts/run", json=payout_period(),
                          headers=shop.admin_headers)
    resp = act(client, shop.admin_headers, delivery_id, "cancel", {"reason": "주소 오류"})

    assert payouts.status_code == 201 and payouts.json == [], payouts.json
    assert resp.status_code == 200, resp.json
    payment = client.get(f"{API}/orders/{order['id']}/payment", headers=shop.headers).json
    assert payment["refunded_amount"] == payment["amount"] == order["total"]


BAD_BODIES = [
    ("fail", {}, "reason"), ("fail", {"reason": ""}, "reason"), ("deliver", {"note": "x" * 256}, "note"),
    ("deliver", {"surprise": 1}, "surprise"), ("cancel", {}, "reason"), ("assign", {}, "courier_id"),
    ("assign", {"courier_id": "3"}, "courier_id"), ("reslot", {}, "slot_start"),
    ("reslot", {"slot_start": "tomorrow"}, "slot_start"),
    ("reslot", {"slot_start": "2026-11-26T10:00:00"}, "slot_start"),
    ("reslot", {"slot_start": "0001-01-01T00:00:00+09:00"}, "slot_start"),
    ("reslot", {"slot_start": "HALF_PAST"}, "slot_start"),
]


@pytest.mark.parametrize(("action", "body", "field"), BAD_BODIES, ids=[f"{a}-{f}-{i}" for i, (a, _, f) in
                                                                        enumerate(BAD_BODIES)])
def test_a_bad_move_body_is_422_naming_the_field_and_changes_nothing(client, shop, couriers, delivery_order, ledger,
                                                                     action, body, field):
    order = delivery_order()
    delivery_id = order["delivery_id"]
    headers = shop.admin_headers
    if action in ("fail", "deliver"):
        prepare_all(client, shop, order)
        for step in ("claim", "pickup"):
            act(client, couriers.first_headers, delivery_id, step)
        headers = couriers.first_headers
    half_past = datetime.fromisoformat(next_slot_start(2)) + timedelta(minutes=30)
    body = {key: half_past.isoformat() if value == "HALF_PAST" else value for key, value in body.items()}
    before = ledger()

    resp = act(client, headers, delivery_id, action, body)

    assert_error(resp, 422, field)
    assert ledger() == before


def test_reslotting_into_a_full_slot_is_409_naming_slot_start(client, make, shop, delivery_order, ledger):
    make.delivery_settings(shop.market, slot_capacity=1)
    full = next_slot_start(3)
    delivery_order(slot_start=full)
    order = delivery_order()
    before = ledger()

    resp = act(client, shop.admin_headers, order["delivery_id"], "reslot", {"slot_start": full})

    assert_error(resp, 409, "slot_start")
    assert ledger() == before


@pytest.mark.parametrize(("query", "field"), [("status=lost", "status"), ("date=yesterday", "date"),
                                              ("ready=maybe", "ready"), ("courier_id=x", "courier_id")])
def test_a_bad_delivery_list_query_is_422_naming_it(client, shop, query, field):
    resp = client.get(f"{API}/markets/{shop.market.id}/deliveries?{query}", headers=shop.admin_headers)

    assert_error(resp, 422, field, location="query")


def test_far_dates_are_refused_by_name_not_a_server_error(client, shop, ledger):
    market = shop.market.id
    before = ledger()
    for url, field in ((f"/markets/{market}/delivery/slots?date=0001-01-01", "date"),
                       (f"/markets/{market}/delivery/slots?date=9999-12-31", "date"),
                       (f"/markets/{market}/delivery/pick-list?slot_start=0001-01-01T00:00:00%2B09:00", "slot_start")):
        assert_error(client.get(API + url, headers=shop.admin_headers), 422, field, location="query")
    for start in ("0001-01-01T00:00:00+09:00", "9999-12-31T23:00:00-09:00"):
        resp = place_order(client, shop.headers, delivery_body(shop, [(shop.stands[0].product, 4)], start))
        assert_error(resp, 422, "delivery", "slot_start")
    assert ledger() == before
