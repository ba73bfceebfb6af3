"""The market's delivery desk: a slot's pick list by stall (JSON and CSV), receiving a stall's part (its hand-over),
short picks refunded exactly, and pickup orders that wait at the desk until the shopper collects them."""

import csv
import io

import pytest

from tests.delivery.conftest import prepare_all
from tests.helpers import API, assert_error, next_slot_start, order_body, place_order


def pick_list(client, shop, slot_start, headers=None, csv_format=False):
    path = "pick-list.csv" if csv_format else "pick-list"
    return client.get(f"{API}/markets/{shop.market.id}/delivery/{path}", query_string={"slot_start": slot_start},
                      headers=headers or shop.admin_headers)


def receive(client, headers, stall_order_id, shortfalls=None):
    body = {} if shortfalls is None else {"shortfalls": shortfalls}
    return client.post(f"{API}/stall-orders/{stall_order_id}/receive", json=body, headers=headers)


def payment(client, shop, order) -> dict:
    return client.get(f"{API}/orders/{order['id']}/payment", headers=shop.headers).json


@pytest.fixture
def slot_orders(client, make, shop, delivery_order):
    """Two delivery orders for the same slot (the second from a neighbour), and one for the slot after."""
    slot = next_slot_start()
    first = delivery_order(slot_start=slot)
    neighbour = make.headers(make.user("이웃"))
    second = delivery_order([(shop.stands[0].product, 2), (shop.stands[1].product, 2)], slot, headers=neighbour)
    later = delivery_order(slot_start=next_slot_start(2))
    return slot, first, second, later


def test_the_pick_list_of_a_slot_groups_what_to_bring_by_stall(client, shop, slot_orders):
    slot, first, second, later = slot_orders
    cabbage_stand = shop.stands[0]
    prepare_all(client, shop, {"stall_orders": first["stall_orders"][:1]})
    assert receive(client, shop.admin_headers, first["stall_orders"][0]["id"]).status_code == 200

    resp = pick_list(client, shop, slot)

    assert resp.status_code == 200, resp.json
    listing = resp.json
    assert [d["order_id"] for d in listing["deliveries"]] == [first["id"], second["id"]]
    assert (listing["stall_orders"], listing["at_desk"]) == (4, 1)
    by_stall = {group["stall_id"]: group for group in listing["stalls"]}
    assert by_stall.keys() == {s.stall.id for s in shop.stands}
    cabbages = by_stall[cabbage_stand.stall.id]["stall_orders"]
    assert [(p["order_id"], p["status"], p["at_desk"], [(i["name"], i["quantity"], i["short"]) for i in p["items"]])
            for p in cabbages] == [(first["id"], "handed_over", True, [("배추", 4, 0)]),
                                   (second["id"], "pending", False, [("배추", 2, 0)])]
    assert later["id"] not in [d["order_id"] for d in listing["deliveries"]]


def test_the_pick_list_prints_as_csv_with_a_row_per_item(client, shop, slot_orders):
    slot, first, second, _ = slot_orders

    resp = pick_list(client, shop, slot, csv_format=True)

    assert resp.status_code == 200
    assert resp.mimetype == "text/csv" and "attachment" in resp.headers["Content-Disposition"]
    text = resp.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert sorted((int(r["order_id"]), r["item"], int(r["quantity"]), r["at_desk"]) for r in rows) == sorted([
        (first["id"], "배추", 4, "no"), (first["id"], "고등어", 1, "no"),
        (second["id"], "배추", 2, "no"), (second["id"], "고등어", 2, "no")])


def test_a_pick_list_needs_a_slot_start(client, shop):
    assert_error(client.get(f"{API}/markets/{shop.market.id}/delivery/pick-list", headers=shop.admin_headers), 422,
                 "slot_start", location="query")
    assert_error(pick_list(client, shop, "noon"), 422, "slot_start", location="query")


def test_couriers_read_the_pick_list_too(client, shop, couriers, slot_orders):
    slot = slot_orders[0]

    assert pick_list(client, shop, slot, headers=couriers.first_headers).status_code == 200


def test_receiving_a_ready_part_hands_it_over_at_the_desk(client, shop, delivery_order):
    order = delivery_order()
    cabbage = order["stall_orders"][0]
    prepare_all(client, shop, {"stall_orders": [cabbage]})

    resp = receive(client, shop.admin_headers, cabbage["id"])

    assert resp.status_code == 200, resp.json
    assert (resp.json["status"], resp.json["at_desk"], resp.json["short_amount"]) == ("handed_over", True, 0)
    events = client.get(f"{API}/stalls/{shop.stands[0].stall.id}/orders", headers=shop.stands[0].headers).json[0]
    assert events["events"][-1]["reason"] == "received at the desk"


def test_a_short_pick_refunds_exactly_the_missing_units(client, shop, delivery_order, stripe_client):
    order = delivery_order()
    cabbage = order["stall_orders"][0]  # 4 x 배추 at 3,000
    prepare_all(client, shop, {"stall_orders": [cabbage]})
    item_id = client.get(f"{API}/markets/{shop.market.id}/delivery/pick-list",
                         query_string={"slot_start": order["delivery"]["slot_start"]},
                         headers=shop.admin_headers).json["stalls"][0]["stall_orders"][0]["items"][0]["item_id"]

    first = receive(client, shop.admin_headers, cabbage["id"], [{"item_id": item_id, "missing": 1}])
    again = receive(client, shop.admin_headers, cabbage["id"], [{"item_id": item_id, "missing": 2}])

    assert first.status_code == 200, first.json
    assert (first.json["short_amount"], first.json["items"][0]["short"]) == (3000, 1)
    assert (again.json["short_amount"], again.json["items"][0]["short"]) == (9000, 3)
    paid = payment(client, shop, order)
    assert [(r["stall_order_id"], r["amount"], r["status"]) for r in paid["refunds"]] == [
        (cabbage["id"], 3000, "succeeded"), (cabbage["id"], 6000, "succeeded")]
    assert paid["refunded_amount"] == 9000
    assert [p["refund_id"] for p in again.json["short_picks"]] == [r["id"] for r in paid["refunds"]]


@pytest.mark.parametrize(("shortfall", "path"), [
    ({"item_id": 999_999, "missing": 1}, ("shortfalls", "0", "item_id")),
    ({"item_id": "ITEM", "missing": 5}, ("shortfalls", "0", "missing")),
    ({"item_id": "ITEM", "missing": 0}, ("shortfalls", "0", "missing")),
    ({"item_id": "ITEM"}, ("shortfalls", "0", "missing")),
    ({"item_id": "ITEM", "missing": 1, "why": "x"}, ("shortfalls", "0", "why")),
    ({"item_id": "OTHER", "missing": 1}, ("shortfalls", "0", "item_id")),
], ids=["unknown-item", "more-than-ordered", "zero", "no-missing", "unknown-field", "another-stalls-item"])
def test_a_bad_shortfall_is_422_naming_it_and_nothing_is_written(client, shop, delivery_order, ledger, shortfall,
                                                                 path):
    order = delivery_order()
    cabbage, mackerel = order["stall_orders"]
    prepare_all(client, shop, {"stall_orders": [cabbage]})
    listing = client.get(f"{API}/markets/{shop.market.id}/delivery/pick-list",
                         query_string={"slot_start": order["delivery"]["slot_start"]}, headers=shop.admin_headers).json
    items = {p["stall_order_id"]: p["items"][0]["item_id"] for g in listing["stalls"] for p in g["stall_orders"]}
    shortfall = {k: {"ITEM": items[cabbage["id"]], "OTHER": items[mackerel["id"]]}.get(v, v)
                 for k, v in shortfall.items()}
    before = ledger()

    resp = receive(client, shop.admin_headers, cabbage["id"], [shortfall])

    assert_error(resp, 422, *path)
    assert ledger() == before


@pytest.mark.parametrize("state", ["pending", "accepted", "handed_over", "rejected", "gone"])
def test_receiving_a_part_that_is_not_ready_or_already_received_is_409(client, shop, couriers, delivery_order, ledger,
                                                                        state):
    order = delivery_order()
    cabbage = order["stall_orders"][0]
    steps = {"pending": (), "accepted": ("accept",), "handed_over": ("accept", "ready", "hand-over"),
             "rejected": ("reject",), "gone": ("accept", "ready")}[state]
    for step in steps:  # each move must have happened, or the 409 below would be for another reason
        body = {"reason": "품절"} if step == "reject" else None
        moved = client.post(f"{API}/stall-orders/{cabbage['id']}/{step}", json=body, headers=shop.stands[0].headers)
        assert moved.status_code == 200, (step, moved.json)
    if state == "gone":  # the courier took the bag: the desk can no longer record anything on it
        prepare_all(client, shop, {"stall_orders": order["stall_orders"][1:]})
        for action in ("claim", "pickup"):
            moved = client.post(f"{API}/deliveries/{order['delivery_id']}/{action}", headers=couriers.first_headers)
            assert moved.status_code == 200, (action, moved.json)
    assert client.get(f"{API}/orders/{order['id']}", headers=shop.headers).json["stall_orders"][0]["status"] == \
        {"gone": "handed_over"}.get(state, state)
    before = ledger()

    resp = receive(client, shop.admin_headers, cabbage["id"])

    assert_error(resp, 409)
    assert ledger() == before


def test_a_free_delivery_paid_by_the_stalls_is_split_exactly_and_follows_a_rejection(client, make, shop,
                                                                                      open_stand, pay):
    make.delivery_settings(shop.market, zones=[{"up_to_km": 3.0, "fee": 4000}], free_delivery_paid_by="stalls")
    third = open_stand(shop.market, "참기름", 13000, 10)
    shop.stands.append(third)
    # 7,000 + 11,000 + 13,000 = 31,000: free from 30,000, so the 4,000 won ring fee is the stalls'.
    lines = [(shop.stands[0].product, 1), (make.product(shop.stands[0].stall, name="무", price=4000), 1),
             (shop.stands[1].product, 1), (make.product(shop.stands[1].stall, name="오징어", price=6000), 1),
             (third.product, 1)]
    placed = place_order(client, shop.headers, order_body(shop.market, lines, "delivery")).json
    assert (placed["subtotal"], placed["delivery_fee"]) == (31000, 0)
    pay(placed)
    delivery_id = client.get(f"{API}/orders/{placed['id']}", headers=shop.headers).json["delivery_id"]

    delivery = client.get(f"{API}/deliveries/{delivery_id}", headers=shop.admin_headers).json

    assert (delivery["fee"], delivery["waived_fee"], delivery["waived_paid_by"]) == (0, 4000, "stalls")
    shares = {s["stall_id"]: s["amount"] for s in delivery["fee_shares"]}
    # 4000 x 7/31 = 903.23, x 11/31 = 1419.35, x 13/31 = 1677.42: the floors add to 3999; the won left goes to
    # the largest remainder (.42).
    assert shares == {shop.stands[0].stall.id: 903, shop.stands[1].stall.id: 1419, third.stall.id: 1678}
    assert sum(shares.values()) == 4000
    mackerel = next(p for p in placed["stall_orders"] if p["stall_id"] == shop.stands[1].stall.id)

    client.post(f"{API}/stall-orders/{mackerel['id']}/reject", json={"reason": "품절"}, headers=shop.stands[1].headers)

    after = {s["stall_id"]: s["amount"] for s in
             client.get(f"{API}/deliveries/{delivery_id}", headers=shop.admin_headers).json["fee_shares"]}
    # 4000 x 7/20 = 1400, x 13/20 = 2600: the rejected stall pays nothing.
    assert after == {shop.stands[0].stall.id: 1400, shop.stands[1].stall.id: 0, third.stall.id: 2600}


def test_a_free_delivery_paid_by_the_market_leaves_the_stalls_nothing_to_pay(client, make, shop, pay):
    placed = place_order(client, shop.headers, order_body(shop.market, [(shop.stands[0].product, 10)], "delivery")).json
    pay(placed)
    delivery_id = client.get(f"{API}/orders/{placed['id']}", headers=shop.headers).json["delivery_id"]

    delivery = client.get(f"{API}/deliveries/{delivery_id}", headers=shop.admin_headers).json

    assert (delivery["fee"], delivery["waived_fee"], delivery["waived_paid_by"], delivery["fee_shares"]) == (
        0, 3000, "market", [])


# --- pickup orders at the desk ---------------------------------------------------------------------


def test_a_pickup_order_waits_at_the_desk_until_every_part_arrives_then_is_collected(client, shop, paid_order):
    order = paid_order()  # a pickup order
    pickup_id = order["pickup_id"]
    cabbage, mackerel = order["stall_orders"]
    prepare_all(client, shop, order)

    receive(client, shop.admin_headers, cabbage["id"])
    waiting = client.get(f"{API}/pickups/{pickup_id}", headers=shop.headers).json
    early = client.post(f"{API}/pickups/{pickup_id}/collect", headers=shop.admin_headers)
    receive(client, shop.admin_headers, mackerel["id"])
    ready = client.get(f"{API}/pickups/{pickup_id}", headers=shop.headers).json
    collected = client.post(f"{API}/pickups/{pickup_id}/collect", headers=shop.admin_headers)

    assert waiting["status"] == "waiting"
    assert_error(early, 409)
    assert ready["status"] == "ready" and ready["ready_at"]
    assert "pickup_ready" in [n["kind"] for n in client.get(f"{API}/me/notifications", headers=shop.headers).json]
    assert collected.status_code == 200 and collected.json["status"] == "collected"
    assert_error(client.post(f"{API}/pickups/{pickup_id}/collect", headers=shop.admin_headers), 409)  # twice
    assert [e["status"] for e in collected.json["events"]] == ["waiting", "ready", "collected"]
    listed = client.get(f"{API}/markets/{shop.market.id}/pickups?status=collected", headers=shop.admin_headers).json
    assert [p["id"] for p in listed] == [pickup_id]


def test_a_cancelled_pickup_order_cancels_its_ticket(client, shop, paid_order):
    order = paid_order()

    client.post(f"{API}/orders/{order['id']}/cancel", headers=shop.headers)

    pickup = client.get(f"{API}/pickups/{order['pickup_id']}", headers=shop.headers).json
    assert [e["status"] for e in pickup["events"]] == ["waiting", "cancelled"]
    assert_error(client.post(f"{API}/pickups/{order['pickup_id']}/collect", headers=shop.admin_headers), 409)
