"""The payments issue's done-when, over HTTP only: a basket from three stalls is paid, one stall rejects and its
part is refunded exactly, the other two hand over, and the association's payout run settles them to the won."""

import uuid

from tests.helpers import API, charge_at_stripe, payout_period

PASSWORD = "시장-비밀번호-1234"


def _sign_up(client, name: str) -> dict:
    email = f"{uuid.uuid4().hex[:10]}@example.kr"
    assert client.post(f"{API}/auth/register", json={"email": email, "password": PASSWORD, "name": name}
                       ).status_code == 201
    token = client.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD}).json["access_token"]
    return {"email": email, "headers": {"Authorization": f"Bearer {token}"}}


def _ok(resp, status: int = 200) -> dict:
    assert resp.status_code == status, (resp.status_code, resp.json)
    return resp.json


def test_three_stall_order_is_paid_part_refunded_and_the_rest_settled_exactly(client, make, pay, stripe_client):
    operator = make.headers(make.user("운영자", platform_admin=True))
    market = _ok(client.post(f"{API}/markets", headers=operator, json={
        "name": "통인시장", "slug": f"tongin-{uuid.uuid4().hex[:6]}", "region": "서울 종로구",
        "address": "서울 종로구 자하문로15길 18", "lat": 37.5811, "lng": 126.9700, "commission_bps": 250}), 201)
    association = _sign_up(client, "통인시장 상인회")
    _ok(client.post(f"{API}/markets/{market['id']}/members", headers=operator,
                    json={"email": association["email"], "role": "admin"}), 201)
    stalls = []
    for name, category, product, price in [("할머니 떡집", "rice_cakes", "인절미", 4500),
                                           ("통인 반찬", "side_dishes", "멸치볶음", 6300),
                                           ("정육점", "meat", "돼지고기 앞다리 1근", 12900)]:
        merchant = _sign_up(client, f"{name} 사장님")
        stall = _ok(client.post(f"{API}/markets/{market['id']}/stalls", headers=merchant["headers"],
                                json={"name": name, "category": category}), 201)
        _ok(client.post(f"{API}/stalls/{stall['id']}/approve", headers=association["headers"], json={}))
        item = _ok(client.post(f"{API}/stalls/{stall['id']}/products", headers=merchant["headers"],
                               json={"name": product, "unit": "1팩", "price": price, "stock": 20}), 201)
        stalls.append({"stall": stall, "product": item, "headers": merchant["headers"]})
    rice_cakes, side_dishes, butcher = stalls
    shopper = _sign_up(client, "장보는 손님")

    order = _ok(client.post(f"{API}/orders", headers=shopper["headers"] | {"Idempotency-Key": uuid.uuid4().hex},
                            json={"market_id": market["id"], "fulfillment": "pickup",
                                  "items": [{"product_id": rice_cakes["product"]["id"], "quantity": 3},
                                            {"product_id": side_dishes["product"]["id"], "quantity": 2},
                                            {"product_id": butcher["product"]["id"], "quantity": 1}]}), 201)
    assert (order["subtotal"], order["total"]) == (13500 + 12600 + 12900, 39000)
    pay(order)
    assert _ok(client.get(f"{API}/orders/{order['id']}", headers=shopper["headers"]))["status"] == "paid"

    def part(stand) -> dict:
        return next(p for p in order["stall_orders"] if p["stall_id"] == stand["stall"]["id"])

    _ok(client.post(f"{API}/stall-orders/{part(side_dishes)['id']}/reject", headers=side_dishes["headers"],
                    json={"reason": "오늘 멸치가 안 들어왔어요"}))
    payment = _ok(client.get(f"{API}/orders/{order['id']}/payment", headers=shopper["headers"]))
    assert [(r["stall_order_id"], r["amount"], r["status"]) for r in payment["refunds"]] == [
        (part(side_dishes)["id"], 12600, "succeeded")]
    assert charge_at_stripe(stripe_client, payment["payment_intent_id"]).amount_refunded == 12600

    for stand in (rice_cakes, butcher):
        for action in ("accept", "ready", "hand-over"):
            _ok(client.post(f"{API}/stall-orders/{part(stand)['id']}/{action}", headers=stand["headers"]))
    assert _ok(client.get(f"{API}/orders/{order['id']}", headers=shopper["headers"]))["status"] == "completed"

    payouts = _ok(client.post(f"{API}/markets/{market['id']}/payouts/run", headers=association["headers"],
                              json=payout_period()), 201)

    # 2.5 %, rounded down: 13,500 -> 337 (337.5); 12,900 -> 322 (322.5). The rejected stall gets nothing.
    assert [(p["stall_id"], p["gross"], p["refunds"], p["commission"], p["net"], p["method"]) for p in payouts] == [
        (rice_cakes["stall"]["id"], 13500, 0, 337, 13163, "bank_transfer"),
        (butcher["stall"]["id"], 12900, 0, 322, 12578, "bank_transfer")]
    for stand, net in ((rice_cakes, 13163), (butcher, 12578)):
        own = _ok(client.get(f"{API}/stalls/{stand['stall']['id']}/payouts", headers=stand["headers"]))
        assert [p["net"] for p in own] == [net]
    assert _ok(client.get(f"{API}/stalls/{side_dishes['stall']['id']}/payouts", headers=side_dishes["headers"])) == []
    # Every won of the payment is accounted for: refunded, paid out to the stalls, or kept as commission.
    assert 12600 + 13163 + 12578 + 337 + 322 == order["total"]

