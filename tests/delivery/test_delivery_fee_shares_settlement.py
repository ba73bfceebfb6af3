"""Where the stalls pay a free delivery's fee, each stall's settlement shows its share, exact to the won: the
shares are charged when the order reaches the shopper, the payout deducts them, and the stall's dashboard and
the settlement statement say the same (issue 8)."""

import csv
import io

from tests.delivery.conftest import API, prepare_all
from tests.helpers import order_body, payout_period, place_order, seoul_today


def _deliver(client, admin_headers, courier_headers, delivery_id: int) -> None:
    for action in ("claim", "pickup", "deliver"):
        resp = client.post(f"{API}/deliveries/{delivery_id}/{action}", json={}, headers=courier_headers)
        assert resp.status_code == 200, (action, resp.json)


def _run_payouts(client, shop) -> list[dict]:
    resp = client.post(f"{API}/markets/{shop.market.id}/payouts/run", json=payout_period(),
                       headers=shop.admin_headers)
    assert resp.status_code == 201, resp.json
    return resp.json


def test_stalls_pay_their_shares_of_a_free_delivery_once_it_is_delivered(client, make, shop, open_stand, pay,
                                                                         couriers):
    make.delivery_settings(shop.market, zones=[{"up_to_km": 3.0, "fee": 4000}], free_delivery_paid_by="stalls")
    third = open_stand(shop.market, "참기름", 13000, 10)
    shop.stands.append(third)
    veg, fish = shop.stands[0], shop.stands[1]
    lines = [(veg.product, 1), (make.product(veg.stall, name="무", price=4000), 1), (fish.product, 1),
             (make.product(fish.stall, name="오징어", price=6000), 1), (third.product, 1)]
    placed = place_order(client, shop.headers, order_body(shop.market, lines, "delivery")).json
    pay(placed)
    order = client.get(f"{API}/orders/{placed['id']}", headers=shop.headers).json
    prepare_all(client, shop, order)

    # At the desk but not yet with the shopper: nothing is paid out yet.
    assert _run_payouts(client, shop) == []

    _deliver(client, shop.admin_headers, couriers.first_headers, order["delivery_id"])
    payouts = _run_payouts(client, shop)

    shares = {p["stall_id"]: p["lines"][0]["delivery_fee"] for p in payouts}
    # 4,000 won over 7,000 / 11,000 / 13,000: 903, 1,419 and 1,678 (the won left over to the largest remainder).
    assert shares == {veg.stall.id: 903, fish.stall.id: 1419, third.stall.id: 1678}
    assert sum(shares.values()) == 4000
    for payout in payouts:
        [line] = payout["lines"]
        assert line["net"] == line["gross"] - line["refunds"] - line["commission"] - line["delivery_fee"]
        assert (payout["delivery_fees"], payout["net"]) == (line["delivery_fee"], line["net"])
    today = seoul_today().isoformat()
    dashboard = client.get(f"{API}/stalls/{third.stall.id}/dashboard", query_string={"from": today, "to": today},
                           headers=third.headers).json
    third_payout = next(p for p in payouts if p["stall_id"] == third.stall.id)
    assert dashboard["sales"]["delivery_fees"] == 1678
    assert dashboard["sales"]["payout"] == third_payout["net"] == 13000 - 390 - 1678
    statement = client.get(f"{API}/markets/{shop.market.id}/payouts/statement.csv", query_string=payout_period(),
                           headers=shop.admin_headers)
    rows = list(csv.DictReader(io.StringIO(statement.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(int(r["delivery_fee"]) for r in rows if r["sale"] == "TOTAL") == [903, 1419, 1678]
    # Paid once: a second run finds nothing more to pay.
    assert _run_payouts(client, shop) == []


def test_a_free_delivery_the_market_pays_costs_the_stalls_nothing(client, make, shop, pay, couriers):
    placed = place_order(client, shop.headers, order_body(shop.market, [(shop.stands[0].product, 10)], "delivery"))
    pay(placed.json)
    order = client.get(f"{API}/orders/{placed.json['id']}", headers=shop.headers).json
    prepare_all(client, shop, order)
    _deliver(client, shop.admin_headers, couriers.first_headers, order["delivery_id"])

    [payout] = _run_payouts(client, shop)

    assert (payout["gross"], payout["delivery_fees"], payout["net"]) == (30000, 0, 30000 - 900)
