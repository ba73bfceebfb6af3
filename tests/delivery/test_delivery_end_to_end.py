"""Done for delivery, through the HTTP API alone on the demo data: a shopper 1 km from 망원시장 orders from three
stalls for a slot, pays (localstripe and Stripe's signed webhook), the stalls prepare, the desk's pick list shows
it and receives the parts, a courier claims, picks up and delivers, and the shopper reads the whole timeline."""

from datetime import datetime

import pytest

from market_app.demo.data import DEMO_PASSWORD
from tests.helpers import API

KM = 1 / 111.195


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


def login(client, email: str) -> dict:
    resp = client.post(f"{API}/auth/login", json={"email": email, "password": DEMO_PASSWORD})
    assert resp.status_code == 200, resp.json
    return {"Authorization": f"Bearer {resp.json['access_token']}"}


def ok(resp, status: int = 200):
    assert resp.status_code == status, resp.json if resp.is_json else resp.status_code
    return resp.json


def test_a_shopper_1_km_away_gets_three_stalls_delivered_in_one_trip(client, demo, pay):
    shopper, merchant = login(client, "shopper1@example.com"), login(client, "merchant-kim@example.com")
    desk, courier = login(client, "mangwon-admin@example.com"), login(client, "mangwon-courier@example.com")
    market = next(m for m in ok(client.get(f"{API}/markets")) if m["slug"] == "mangwon")
    stalls = ok(client.get(f"{API}/me", headers=merchant))["stalls"]
    assert len(stalls) == 3
    picks = []
    for stall in stalls:
        products = ok(client.get(f"{API}/stalls/{stall['id']}/products"))
        picks.append(next(p for p in products if p["available"] and (p["stock"] is None or p["stock"] >= 1)))
    subtotal = sum(p["price"] for p in picks)
    home = (round(market["lat"] + 1.0 * KM, 6), market["lng"])  # 1 km due north

    quote = ok(client.get(f"{API}/markets/{market['id']}/delivery/quote",
                          query_string={"lat": home[0], "lng": home[1], "subtotal": subtotal}))
    assert quote["deliverable"] and quote["zone_up_to_km"] == 1.5
    assert quote["distance_km"] == pytest.approx(1.0, abs=0.002)
    assert quote["fee"] == (0 if subtotal >= 30000 else 3000)
    slot = quote["slots"][0]

    placed = ok(client.post(f"{API}/orders", headers=shopper | {"Idempotency-Key": "e2e-delivery"}, json={
        "market_id": market["id"], "fulfillment": "delivery",
        "items": [{"product_id": p["id"], "quantity": 1} for p in picks],
        "delivery": {"address": "서울 마포구 망원로 100, 3층", "lat": home[0], "lng": home[1],
                     "slot_start": slot["start"]}}), 201)
    assert (placed["delivery_fee"], placed["total"]) == (quote["fee"], subtotal + quote["fee"])
    assert len(placed["stall_orders"]) == 3
    pay(placed)
    order = ok(client.get(f"{API}/orders/{placed['id']}", headers=shopper))
    assert order["status"] == "paid" and order["delivery_id"]
    delivery_id = order["delivery_id"]

    for stall in stalls:  # each stall accepts and packs its part
        parts = ok(client.get(f"{API}/stalls/{stall['id']}/orders", query_string={"status": "pending"},
                              headers=merchant))
        [part] = [p for p in parts if p["order_id"] == order["id"]]
        for action in ("accept", "ready"):
            ok(client.post(f"{API}/stall-orders/{part['id']}/{action}", headers=merchant))

    listing = ok(client.get(f"{API}/markets/{market['id']}/delivery/pick-list",
                            query_string={"slot_start": slot["start"]}, headers=desk))
    assert [d["delivery_id"] for d in listing["deliveries"]] == [delivery_id]
    assert {g["stall_id"] for g in listing["stalls"]} == {s["id"] for s in stalls}
    assert sorted(i["product_id"] for g in listing["stalls"] for p in g["stall_orders"] for i in p["items"]) == sorted(
        p["id"] for p in picks)
    for group in listing["stalls"]:  # the runner brings each part to the desk
        ok(client.post(f"{API}/stall-orders/{group['stall_orders'][0]['stall_order_id']}/receive", json={},
                       headers=desk))
    assert ok(client.get(f"{API}/markets/{market['id']}/delivery/pick-list",
                         query_string={"slot_start": slot["start"]}, headers=desk))["at_desk"] == 3

    waiting = ok(client.get(f"{API}/markets/{market['id']}/deliveries", query_string={"ready": "true"},
                            headers=courier))
    assert delivery_id in [d["id"] for d in waiting]
    for action, body in (("claim", None), ("pickup", None), ("deliver", {"note": "경비실에 맡겼습니다"})):
        ok(client.post(f"{API}/deliveries/{delivery_id}/{action}", json=body or {}, headers=courier))

    seen = ok(client.get(f"{API}/deliveries/{delivery_id}", headers=shopper))
    assert seen["status"] == "delivered" and seen["note"] == "경비실에 맡겼습니다"
    assert [e["status"] for e in seen["events"]] == ["requested", "assigned", "picked_up", "delivered"]
    times = [datetime.fromisoformat(e["at"]) for e in seen["events"]]
    assert times == sorted(times)
    assert (seen["slot_start"], seen["fee"]) == (order["delivery"]["slot_start"], quote["fee"])
    assert ok(client.get(f"{API}/orders/{order['id']}", headers=shopper))["status"] == "completed"
    told = [n["kind"] for n in ok(client.get(f"{API}/me/notifications", headers=shopper))]
    assert {"delivery_ready", "delivery_out", "delivery_delivered"} <= set(told)
