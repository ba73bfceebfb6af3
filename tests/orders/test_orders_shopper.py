"""The shopper's orders: only their own, and cancelling while no stall has started (a paid order refunded in full)."""

from tests.helpers import API, assert_error, order_body, part_of, place_order, stock_of


def test_shopper_lists_only_their_own_orders_newest_first(client, make, shop, checkout):
    neighbour = make.user("이웃")
    first = checkout([(shop.stands[0].product, 1)])
    checkout([(shop.stands[0].product, 1)], headers=make.headers(neighbour))
    second = checkout([(shop.stands[1].product, 1)])

    resp = client.get(f"{API}/orders", headers=shop.headers)

    assert resp.status_code == 200
    assert [o["id"] for o in resp.json] == [second["id"], first["id"]]
    assert all(o["user_id"] == shop.shopper.id for o in resp.json)
    client.post(f"{API}/orders/{first['id']}/cancel", headers=shop.headers)
    cancelled = client.get(f"{API}/orders", query_string={"status": "cancelled"}, headers=shop.headers).json
    assert [o["id"] for o in cancelled] == [first["id"]]


def test_another_shoppers_order_is_not_found_to_read_pay_or_cancel(client, make, shop, checkout, ledger):
    placed = checkout([(shop.stands[0].product, 2)])
    stranger = make.headers(make.user("남"))
    before = ledger()

    assert_error(client.get(f"{API}/orders/{placed['id']}", headers=stranger), 404)
    assert_error(client.get(f"{API}/orders/{placed['id']}/payment", headers=stranger), 404)
    assert_error(client.post(f"{API}/orders/{placed['id']}/cancel", headers=stranger), 404)
    assert ledger() == before


def test_cancelled_unpaid_order_gives_its_stock_back_and_its_payment_cannot_be_made(
        client, shop, checkout, stripe_client):
    cabbage, mackerel = shop.stands[0].product, shop.stands[1].product
    placed = checkout([(cabbage, 4), (mackerel, 3)])

    resp = client.post(f"{API}/orders/{placed['id']}/cancel", headers=shop.headers)

    assert resp.status_code == 200, resp.json
    assert resp.json["status"] == "cancelled"
    assert [part["status"] for part in resp.json["stall_orders"]] == ["cancelled", "cancelled"]
    assert (stock_of(cabbage), stock_of(mackerel)) == (10, 10)
    intent = stripe_client.v1.payment_intents.retrieve(placed["payment"]["payment_intent_id"])
    assert intent.status == "canceled"
    payment = client.get(f"{API}/orders/{placed['id']}/payment", headers=shop.headers).json
    assert payment["status"] == "canceled" and payment["refunds"] == []


def test_cancelled_paid_order_is_refunded_in_full_before_any_stall_accepted(client, shop, paid_order):
    placed = paid_order()

    resp = client.post(f"{API}/orders/{placed['id']}/cancel", headers=shop.headers)

    assert resp.status_code == 200, resp.json
    assert resp.json["status"] == "cancelled"
    payment = client.get(f"{API}/orders/{placed['id']}/payment", headers=shop.headers).json
    assert sum(r["amount"] for r in payment["refunds"]) == placed["total"] == payment["refunded_amount"] == 11000
    assert {r["status"] for r in payment["refunds"]} == {"succeeded"}
    assert all(r["stripe_refund_id"] for r in payment["refunds"])
    assert (stock_of(shop.stands[0].product), stock_of(shop.stands[1].product)) == (10, 10)


def test_cancelled_paid_delivery_order_refunds_the_delivery_fee_too(client, make, open_stand, pay):
    market, shopper = make.market(delivery={"free_over": None, "min_order": 0}), make.user()
    stands = [open_stand(market, "떡", 4000), open_stand(market, "참기름", 9000)]
    placed = place_order(client, make.headers(shopper),
                         order_body(market, [(stands[0].product, 1), (stands[1].product, 1)], "delivery")).json
    pay(placed)

    resp = client.post(f"{API}/orders/{placed['id']}/cancel", headers=make.headers(shopper))

    assert resp.json["status"] == "cancelled"
    payment = client.get(f"{API}/orders/{placed['id']}/payment", headers=make.headers(shopper)).json
    by_part = {r["stall_order_id"]: r["amount"] for r in payment["refunds"]}
    parts = {part_of(placed, s)["id"]: part_of(placed, s)["subtotal"] for s in stands}
    assert by_part == parts | {None: 3000}
    assert sum(by_part.values()) == placed["total"] == 16000


def test_cancel_after_a_stall_accepted_is_409_and_changes_nothing(client, shop, paid_order, ledger):
    placed = paid_order()
    fish = part_of(placed, shop.stands[1])
    assert client.post(f"{API}/stall-orders/{fish['id']}/accept", headers=shop.stands[1].headers).status_code == 200
    before = ledger()

    resp = client.post(f"{API}/orders/{placed['id']}/cancel", headers=shop.headers)

    assert_error(resp, 409)
    assert ledger() == before
    after = client.get(f"{API}/orders/{placed['id']}", headers=shop.headers).json
    assert after["status"] == "preparing"
    assert client.get(f"{API}/orders/{placed['id']}/payment", headers=shop.headers).json["refunds"] == []


def test_cancelling_twice_is_409(client, shop, checkout, ledger):
    placed = checkout([(shop.stands[0].product, 1)])
    client.post(f"{API}/orders/{placed['id']}/cancel", headers=shop.headers)
    before = ledger()

    assert_error(client.post(f"{API}/orders/{placed['id']}/cancel", headers=shop.headers), 409)
    assert ledger() == before and stock_of(shop.stands[0].product) == 10


def test_shopper_may_still_cancel_when_the_only_stall_that_acted_rejected(client, shop, paid_order):
    """A rejection is not a stall starting on the order: the rest can still be called off and refunded."""
    placed = paid_order()
    fish = part_of(placed, shop.stands[1])
    client.post(f"{API}/stall-orders/{fish['id']}/reject", json={"reason": "품절"}, headers=shop.stands[1].headers)

    resp = client.post(f"{API}/orders/{placed['id']}/cancel", headers=shop.headers)

    assert resp.status_code == 200, resp.json
    assert resp.json["status"] == "cancelled"
    payment = client.get(f"{API}/orders/{placed['id']}/payment", headers=shop.headers).json
    assert payment["refunded_amount"] == placed["total"] == 11000
    assert (stock_of(shop.stands[0].product), stock_of(shop.stands[1].product)) == (10, 10)
