from tests.helpers import order_body, place_order


def test_order_from_three_stalls_is_paid_and_split(client, make, pay):
    market = make.market()
    shopper = make.user()
    stalls = [make.stall(market) for _ in range(3)]
    products = [make.product(stall, name=f"상품{i}", price=1000 * (i + 1)) for i, stall in enumerate(stalls)]
    response = place_order(client, make.headers(shopper), order_body(market, [(p, 2) for p in products]))
    assert response.status_code == 201, response.json
    order = response.json
    assert order["subtotal"] == 12000 and order["status"] == "pending_payment"
    pay(order)
    after = client.get(f"/api/v1/orders/{order['id']}", headers=make.headers(shopper)).json
    assert after["status"] == "paid", after
