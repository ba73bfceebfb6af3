"""A delivery order in the stalls' settlement, exact to the won (issue 8): where the stalls pay a free delivery's
fee, each stall's share is charged when the order reaches the shopper and the payout deducts it; a short pick at
the desk is a refund of that stall's sale only. The stall's dashboard and the settlement statement say the same."""

import csv
import io

import sqlalchemy as sa

from market_app.extensions import db
from market_app.settlement.models import LedgerEntry, LedgerKind
from tests.delivery.conftest import prepare_all
from tests.helpers import API, order_body, payout_period, place_order, seoul_today


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


def _dashboard_sales(client, stand) -> dict:
    today = seoul_today().isoformat()
    resp = client.get(f"{API}/stalls/{stand.stall.id}/dashboard", query_string={"from": today, "to": today},
                      headers=stand.headers)
    assert resp.status_code == 200, resp.json
    return resp.json["sales"]


def test_a_short_pick_is_refunded_from_that_stalls_sale_in_the_ledger_dashboard_and_payout(
        client, shop, couriers, delivery_order):
    veg, fish = shop.stands
    order = delivery_order()  # 4 x 배추 at 3,000 (12,000) and 1 x 고등어 (5,000); delivery 3,000 won
    prepare_all(client, shop, order)
    listing = client.get(f"{API}/markets/{shop.market.id}/delivery/pick-list",
                         query_string={"slot_start": order["delivery"]["slot_start"]}, headers=shop.admin_headers).json
    [cabbage] = next(g["stall_orders"] for g in listing["stalls"] if g["stall_id"] == veg.stall.id)

    short = client.post(f"{API}/stall-orders/{cabbage['stall_order_id']}/receive", headers=shop.admin_headers,
                        json={"shortfalls": [{"item_id": cabbage["items"][0]["item_id"], "missing": 1}]})
    assert short.status_code == 200 and short.json["short_amount"] == 3000, short.json
    _deliver(client, shop.admin_headers, couriers.first_headers, order["delivery_id"])
    payouts = {p["stall_id"]: p for p in _run_payouts(client, shop)}

    db.session.expire_all()
    refund_rows = db.session.execute(sa.select(LedgerEntry.stall_id, LedgerEntry.refund, LedgerEntry.commission)
                                     .where(LedgerEntry.kind == LedgerKind.REFUND)).all()
    assert refund_rows == [(veg.stall.id, 3000, -90)]  # 3% of 12,000 was 360; of the 9,000 kept, 270
    [line] = payouts[veg.stall.id]["lines"]
    assert (line["gross"], line["refunds"], line["commission"], line["net"]) == (12000, 3000, 270, 8730)
    assert (payouts[veg.stall.id]["refunds"], payouts[veg.stall.id]["net"]) == (3000, 8730)
    assert (payouts[fish.stall.id]["refunds"], payouts[fish.stall.id]["net"]) == (0, 5000 - 150)
    veg_sales = _dashboard_sales(client, veg)
    assert (veg_sales["gross"], veg_sales["refunds"], veg_sales["net"], veg_sales["commission"],
            veg_sales["payout"]) == (12000, 3000, 9000, 270, 8730)
    assert _dashboard_sales(client, fish)["refunds"] == 0
