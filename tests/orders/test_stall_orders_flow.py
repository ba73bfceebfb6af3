"""A paid order at the stalls: accept, ready, hand over or reject with a reason; every other move is a 409;
a rejection releases that stall's stock and refunds exactly its part; the order's status follows its stall orders."""

import pytest

from tests.helpers import API, assert_error, order_body, part_of, place_order, stock_of

PATHS = {"accept": "accept", "ready": "ready", "hand_over": "hand-over", "reject": "reject"}


def act(client, stand, stall_order: dict, action: str, reason: str | None = "재료 소진"):
    body = {"reason": reason} if action == "reject" else None
    return client.post(f"{API}/stall-orders/{stall_order['id']}/{PATHS[action]}", json=body, headers=stand.headers)


def read(client, shop, checkout: dict) -> dict:
    return client.get(f"{API}/orders/{checkout['id']}", headers=shop.headers).json


def payment_of(client, shop, checkout: dict) -> dict:
    return client.get(f"{API}/orders/{checkout['id']}/payment", headers=shop.headers).json


def test_stall_orders_go_accept_ready_hand_over_and_the_order_follows(client, shop, paid_order):
    placed = paid_order()
    (veg, veg_part), (fish, fish_part) = [(s, part_of(placed, s)) for s in shop.stands]
    steps = [(veg, veg_part, "accept", "accepted", "preparing"), (fish, fish_part, "accept", "accepted", "preparing"),
             (veg, veg_part, "ready", "ready", "preparing"), (fish, fish_part, "ready", "ready", "ready"),
             (veg, veg_part, "hand_over", "handed_over", "ready"),
             (fish, fish_part, "hand_over", "handed_over", "completed")]

    for stand, part, action, part_status, order_status in steps:
        resp = act(client, stand, part, action)
        assert resp.status_code == 200, (action, resp.json)
        assert resp.json["status"] == part_status
        after = read(client, shop, placed)
        assert (after["status"], after["partially_rejected"]) == (order_status, False), action

    assert payment_of(client, shop, placed)["refunds"] == []
    assert (stock_of(veg.product), stock_of(fish.product)) == (8, 9)


def test_stall_order_history_shows_every_move_with_its_actor_and_reason(client, shop, paid_order):
    placed = paid_order()
    fish = shop.stands[1]
    part = part_of(placed, fish)
    act(client, fish, part, "accept")
    act(client, fish, part, "reject", "고등어가 상했어요")

    resp = client.get(f"{API}/stalls/{fish.stall.id}/orders", headers=fish.headers)

    assert resp.status_code == 200
    [listed] = resp.json
    assert (listed["id"], listed["status"], listed["reason"]) == (part["id"], "rejected", "고등어가 상했어요")
    moves = [(e["from_status"], e["to_status"], e["actor_id"], e["reason"]) for e in listed["events"]]
    assert moves == [(None, "pending", shop.shopper.id, None),
                     ("pending", "accepted", fish.owner.id, None),
                     ("accepted", "rejected", fish.owner.id, "고등어가 상했어요")]
    assert listed["items"][0]["name"] == "고등어" and listed["paid_at"]
    by_status = client.get(f"{API}/stalls/{fish.stall.id}/orders", query_string={"status": "accepted"},
                           headers=fish.headers)
    assert by_status.json == []


@pytest.mark.parametrize("body", [None, {}, {"reason": ""}, {"reason": "x" * 256}, {"reason": "품절", "refund": 1}],
                         ids=["no-body", "no-reason", "empty-reason", "long-reason", "unknown-field"])
def test_reject_needs_a_reason_and_changes_nothing_without_one(client, shop, paid_order, ledger, body):
    placed = paid_order()
    fish = shop.stands[1]
    before = ledger()

    resp = client.post(f"{API}/stall-orders/{part_of(placed, fish)['id']}/reject", json=body,
                       headers=fish.headers)

    errors = assert_error(resp, 422)
    assert errors["json"].keys() & {"reason", "refund"}
    assert ledger() == before
    assert part_of(read(client, shop, placed), fish)["status"] == "pending"


@pytest.mark.parametrize(("history", "action"), [
    ([], "ready"),
    ([], "hand_over"),
    (["accept"], "accept"),
    (["accept"], "hand_over"),
    (["accept", "ready"], "accept"),
    (["accept", "ready"], "ready"),
    (["accept", "ready"], "reject"),
    (["reject"], "accept"),
    (["reject"], "ready"),
    (["reject"], "reject"),
    (["accept", "ready", "hand_over"], "accept"),
    (["accept", "ready", "hand_over"], "ready"),
    (["accept", "ready", "hand_over"], "hand_over"),
    (["accept", "ready", "hand_over"], "reject"),
], ids=lambda v: "-".join(v) if isinstance(v, list) else v)
def test_forbidden_stall_order_move_is_409_and_changes_nothing(client, shop, paid_order, ledger, history, action):
    placed = paid_order()
    fish = shop.stands[1]
    part = part_of(placed, fish)
    for step in history:
        assert act(client, fish, part, step).status_code == 200, step
    order_before, before = read(client, shop, placed), ledger()

    resp = act(client, fish, part, action)

    assert_error(resp, 409)
    assert ledger() == before
    assert read(client, shop, placed) == order_before


def test_rejected_stall_order_is_refunded_exactly_and_the_other_stall_is_untouched(client, shop, paid_order):
    placed = paid_order()
    veg, fish = shop.stands
    fish_part = part_of(placed, fish)

    resp = act(client, fish, fish_part, "reject", "고등어 품절")

    assert resp.status_code == 200 and resp.json["status"] == "rejected"
    assert (stock_of(fish.product), stock_of(veg.product)) == (10, 8)
    payment = payment_of(client, shop, placed)
    assert [(r["stall_order_id"], r["amount"], r["status"]) for r in payment["refunds"]] == [
        (fish_part["id"], fish_part["subtotal"], "succeeded")]
    assert fish_part["subtotal"] == 5000 and payment["refunded_amount"] == 5000 and payment["status"] == "succeeded"
    after = read(client, shop, placed)
    assert (after["status"], after["partially_rejected"]) == ("paid", True)
    assert (part_of(after, fish)["status"], part_of(after, fish)["reason"]) == ("rejected", "고등어 품절")
    assert part_of(after, veg) == part_of(placed, veg)


def test_rejection_after_accepting_is_refunded_too(client, shop, paid_order):
    placed = paid_order()
    veg = shop.stands[0]
    part = part_of(placed, veg)
    act(client, veg, part, "accept")

    act(client, veg, part, "reject", "배추가 물렀어요")

    refunds = payment_of(client, shop, placed)["refunds"]
    assert [(r["stall_order_id"], r["amount"]) for r in refunds] == [(part["id"], 6000)]
    assert stock_of(veg.product) == 10


def test_order_with_a_rejected_part_completes_when_the_rest_is_handed_over(client, shop, paid_order):
    placed = paid_order()
    veg, fish = shop.stands
    act(client, fish, part_of(placed, fish), "reject")
    veg_part = part_of(placed, veg)

    act(client, veg, veg_part, "accept")
    assert read(client, shop, placed)["status"] == "preparing"
    act(client, veg, veg_part, "ready")
    assert read(client, shop, placed)["status"] == "ready"
    act(client, veg, veg_part, "hand_over")

    after = read(client, shop, placed)
    assert (after["status"], after["partially_rejected"]) == ("completed", True)
    assert payment_of(client, shop, placed)["refunded_amount"] == 5000


def test_rejecting_every_stall_order_refunds_the_delivery_fee_and_cancels_the_order(
        client, make, open_stand, pay):
    market = make.market(delivery={"free_over": 50000, "min_order": 10000})
    stands = [open_stand(market, "떡", 4000), open_stand(market, "참기름", 9000), open_stand(market, "김", 2500)]
    shopper = make.headers(make.user())
    placed = place_order(client, shopper, order_body(market, [(s.product, 1) for s in stands], "delivery")).json
    assert (placed["subtotal"], placed["delivery_fee"], placed["total"]) == (15500, 3000, 18500)
    pay(placed)

    for i, stand in enumerate(stands):
        assert act(client, stand, part_of(placed, stand), "reject").status_code == 200
        status = client.get(f"{API}/orders/{placed['id']}", headers=shopper).json["status"]
        assert status == ("cancelled" if i == len(stands) - 1 else "paid")

    payment = client.get(f"{API}/orders/{placed['id']}/payment", headers=shopper).json
    by_part = {r["stall_order_id"]: r["amount"] for r in payment["refunds"]}
    assert by_part == {part_of(placed, s)["id"]: s.product.price for s in stands} | {None: 3000}
    assert payment["refunded_amount"] == placed["total"] == 18500
    assert {r["status"] for r in payment["refunds"]} == {"succeeded"}
    assert [stock_of(s.product) for s in stands] == [10, 10, 10]
