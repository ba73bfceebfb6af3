"""The ledger follows the real flow: a paid order's stall orders are sales, refunds are rows on their own day,
a quick pay is an in-person sale, hand-over makes a sale payable; the commission rate is the one of the sale,
and the dashboards' figures agree with what payouts pay."""

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa

from market_app.core.money import commission_on
from market_app.extensions import db
from market_app.payments.models import Refund, RefundStatus
from market_app.settlement import ledger
from market_app.settlement.models import LedgerDay, LedgerEntry, LedgerKind
from tests.helpers import API, confirm_at_stripe, event_result, hand_over, part_of, payout_period, post_event
from tests.localstripe_plugin import sign_event


def _rows() -> list[tuple]:
    db.session.expire_all()
    return db.session.execute(
        sa.select(LedgerEntry.kind, LedgerEntry.stall_id, LedgerEntry.gross, LedgerEntry.refund,
                  LedgerEntry.commission, LedgerEntry.commission_bps, LedgerEntry.order_count)
        .order_by(LedgerEntry.id)).all()


def test_a_paid_order_becomes_one_sale_per_stall_with_its_lines(client, shop, paid_order):
    order = paid_order("delivery")
    veg, fish = shop.stands

    rows = _rows()

    assert rows == [(LedgerKind.SALE, veg.stall.id, 6000, 0, 180, 300, 1),
                    (LedgerKind.SALE, fish.stall.id, 5000, 0, 150, 300, 0)]  # the order counts once
    sale = db.session.scalars(sa.select(LedgerEntry).order_by(LedgerEntry.id)).first()
    assert (sale.order_id, sale.fulfillment, sale.category, sale.settleable_at) == (order["id"], "delivery",
                                                                                    "produce", None)
    assert [(line.name, line.quantity, line.gross, line.commission) for line in sale.lines] == [("배추", 2, 6000, 180)]


def test_refunds_are_rows_of_their_own_with_the_commission_they_give_back(client, shop, paid_order):
    order = paid_order()
    veg, fish = shop.stands
    veg_part = part_of(order, veg)["id"]

    partial = client.post(f"{API}/stall-orders/{veg_part}/refund", json={"amount": 1001, "reason": "시든 잎"},
                          headers=veg.headers)
    reject = client.post(f"{API}/stall-orders/{part_of(order, fish)['id']}/reject", json={"reason": "품절"},
                         headers=fish.headers)

    assert partial.status_code == 201 and reject.status_code == 200
    # veg: 6,000 -> 180; after 1,001 back: commission_on(4,999) = 149, so the refund gives back 31
    assert _rows()[2:] == [(LedgerKind.REFUND, veg.stall.id, 0, 1001, -31, 300, 0),
                           (LedgerKind.REFUND, fish.stall.id, 0, 5000, -150, 300, 0)]
    assert 180 - 31 == commission_on(6000 - 1001, 300)


def test_a_refund_stripe_refuses_for_good_is_given_back_to_the_stall(client, shop, paid_order):
    order = paid_order()
    veg = shop.stands[0]
    client.post(f"{API}/stall-orders/{part_of(order, veg)['id']}/refund", json={"amount": 1001, "reason": "x"},
                headers=veg.headers)
    refund = db.session.scalars(sa.select(Refund)).one()
    refund.status = RefundStatus.FAILED
    ledger.record_refund_failed(refund, refund.created_at)
    db.session.commit()

    rows = [row for row in _rows() if row.stall_id == veg.stall.id]
    assert [(r.refund, r.commission) for r in rows] == [(0, 180), (1001, -31), (-1001, 31)]
    assert sum(r.commission for r in rows) == commission_on(6000, 300)


def test_a_quick_pay_is_an_in_person_sale_payable_at_once(app, client, shop, stripe_client):
    veg = shop.stands[0]
    request = client.post(f"{API}/stalls/{veg.stall.id}/quick-pay", json={"amount": 3333, "memo": "배추 한 망"},
                          headers=veg.headers).json
    intent = confirm_at_stripe(stripe_client, request["payment_intent_id"], "pm_card_visa")

    assert event_result(post_event(client, app, "payment_intent.succeeded", intent)) == "processed"

    [entry] = db.session.scalars(sa.select(LedgerEntry)).all()
    assert (entry.kind, entry.gross, entry.commission, entry.quick_pay_id, entry.order_count) == (
        LedgerKind.IN_PERSON_SALE, 3333, 99, request["id"], 0)
    assert entry.settleable_at is not None and entry.fulfillment is None


def test_commission_is_the_rate_at_the_sale_not_at_the_payout_run(client, shop, paid_order):
    """Issue 7, finding 5: raising the rate to 30 % before a run applied 30 % to sales made at 3 %."""
    order = paid_order()
    veg = shop.stands[0]
    hand_over(client, veg, part_of(order, veg)["id"])
    raised = client.patch(f"{API}/markets/{shop.market.id}", json={"commission_bps": 3000},
                          headers=shop.admin_headers)
    assert raised.status_code == 200, raised.json

    [payout] = client.post(f"{API}/markets/{shop.market.id}/payouts/run", json=payout_period(),
                           headers=shop.admin_headers).json

    assert (payout["gross"], payout["commission"], payout["net"]) == (6000, 180, 5820)
    assert [line["commission_bps"] for line in payout["lines"]] == [300]


def test_a_quick_pay_keeps_its_commission_rate_when_the_market_raises_it_before_the_run(app, client, shop,
                                                                                       stripe_client):
    """The in-person side of the test above: a quick pay paid at 3 % is paid out at 3 %, not at the 30 % of the run."""
    veg = shop.stands[0]
    request = client.post(f"{API}/stalls/{veg.stall.id}/quick-pay", json={"amount": 12000, "memo": "김장 배추"},
                          headers=veg.headers).json
    intent = confirm_at_stripe(stripe_client, request["payment_intent_id"], "pm_card_visa")
    assert event_result(post_event(client, app, "payment_intent.succeeded", intent)) == "processed"
    raised = client.patch(f"{API}/markets/{shop.market.id}", json={"commission_bps": 3000},
                          headers=shop.admin_headers)
    assert raised.status_code == 200 and raised.json["commission_bps"] == 3000, raised.json

    run = client.post(f"{API}/markets/{shop.market.id}/payouts/run", json=payout_period(), headers=shop.admin_headers)

    assert run.status_code == 201, run.json
    [payout] = run.json
    assert (payout["stall_id"], payout["gross"], payout["commission"], payout["net"]) == (
        veg.stall.id, 12000, 360, 11640)
    assert [(line["quick_pay_id"], line["commission"], line["commission_bps"]) for line in payout["lines"]] == [
        (request["id"], 360, 300)]


def test_dashboard_net_after_commission_is_what_the_payout_pays(client, shop, checkout, pay):
    """Sales, a partial refund on the same period, a quick pay: the stall's dashboard payout equals the payout's
    net, and the market's commission equals the payouts' commission."""
    veg, fish = shop.stands
    first = checkout([(veg.product, 3), (fish.product, 1)])
    pay(first)
    second = checkout([(veg.product, 1)])
    pay(second)
    for order in (first, second):
        hand_over(client, veg, part_of(order, veg)["id"])
    hand_over(client, fish, part_of(first, fish)["id"])
    client.post(f"{API}/stall-orders/{part_of(first, veg)['id']}/refund", json={"amount": 2999, "reason": "x"},
                headers=veg.headers)
    period = payout_period()

    payouts = client.post(f"{API}/markets/{shop.market.id}/payouts/run", json=period,
                          headers=shop.admin_headers).json
    stall_view = client.get(f"{API}/stalls/{veg.stall.id}/dashboard", query_string=period,
                            headers=veg.headers).json
    market_view = client.get(f"{API}/markets/{shop.market.id}/dashboard", query_string=period,
                             headers=shop.admin_headers).json

    by_stall = {p["stall_id"]: p for p in payouts}
    assert stall_view["sales"]["payout"] == by_stall[veg.stall.id]["net"] == 12000 - 2999 - commission_on(9001, 300)
    assert stall_view["payouts"] == {"pending": by_stall[veg.stall.id]["net"], "paid": 0}  # a bank transfer
    assert market_view["commission"] == sum(p["commission"] for p in payouts)
    assert market_view["net"] - market_view["commission"] == sum(p["net"] for p in payouts)


@pytest.mark.committing
def test_sales_paid_at_once_both_land_in_the_day_rollup(app, client, shop, checkout, stripe_client, live_server):
    """Two webhooks for the same stall on the same day in two transactions at once: the day's upsert makes the
    second wait for the first, so ledger_days keeps both sales."""
    veg = shop.stands[0]
    orders = [checkout([(veg.product, n)]) for n in (1, 2)]
    intents = [confirm_at_stripe(stripe_client, o["payment"]["payment_intent_id"], "pm_card_visa") for o in orders]
    start = threading.Barrier(len(intents))

    def deliver(intent: dict) -> int:
        event = {"id": f"evt_{uuid.uuid4().hex}", "object": "event", "type": "payment_intent.succeeded",
                 "created": int(time.time()), "data": {"object": intent}}
        payload = json.dumps(event).encode()
        headers = {"Stripe-Signature": sign_event(payload, app.config["STRIPE_WEBHOOK_SECRET"]),
                   "Content-Type": "application/json"}
        with requests.Session() as http:
            http.trust_env = False
            start.wait()
            return http.post(f"{live_server}{API}/payments/stripe/webhook", data=payload, headers=headers,
                             timeout=30).status_code

    with ThreadPoolExecutor(len(intents)) as pool:
        assert list(pool.map(deliver, intents)) == [200, 200]

    db.session.expire_all()
    days = db.session.execute(sa.select(LedgerDay.stall_orders, LedgerDay.online_gross, LedgerDay.commission)
                              .where(LedgerDay.stall_id == veg.stall.id)).all()
    assert [tuple(day) for day in days] == [(2, 9000, 90 + 180)]
