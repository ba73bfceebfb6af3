"""Settlement and payouts: each stall gets its handed-over sales minus refunds and per-sale commission, once;
connected accounts by Stripe Transfer (our localstripe adds one), the others by a CSV settlement statement."""

import csv
import io
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests

from market_app.markets.models import Market
from market_app.settlement.services import STATEMENT_COLUMNS
from tests.helpers import (
    API,
    Stand,
    assert_error,
    confirm_at_stripe,
    event_result,
    hand_over,
    order_body,
    part_of,
    payout_period,
    place_order,
    post_event,
)

FAR_PAST = {"from": "2020-01-01", "to": "2020-01-31"}


@dataclass
class Bazaar:
    """A market taking 3.33 %: 김씨네 채소 (bank), a stall named like a formula (bank), 바다수산 (Stripe)."""

    market: Market
    admin_headers: dict
    shopper_headers: dict
    veg: Stand
    formula: Stand
    fish: Stand


@pytest.fixture
def bazaar(make, open_stand) -> Bazaar:
    market = make.market(commission_bps=333)
    shopper = make.user()
    return Bazaar(
        market, make.headers(make.member(market, "admin")), make.headers(shopper),
        veg=open_stand(market, "애호박", 3333, name="김씨네 채소"),
        formula=open_stand(market, "떡", 7777, name="=SUM(1+1)"),
        fish=open_stand(market, "갈치", 9999, name="바다수산", stripe_account_id="acct_test123"),
    )


@pytest.fixture
def buy(client, make, bazaar, pay):
    """A paid order of bazaar: lines are (stand, quantity); returns the order as placed."""

    def buy(*lines: tuple[Stand, int]) -> dict:
        resp = place_order(client, bazaar.shopper_headers,
                           order_body(bazaar.market, [(stand.product, quantity) for stand, quantity in lines]))
        assert resp.status_code == 201, resp.json
        pay(resp.json)
        return resp.json

    return buy


def _run(client, bazaar, period: dict | None = None, headers: dict | None = None):
    return client.post(f"{API}/markets/{bazaar.market.id}/payouts/run", json=period or payout_period(),
                       headers=bazaar.admin_headers if headers is None else headers)


def _summary(payout: dict) -> tuple:
    return (payout["gross"], payout["refunds"], payout["commission"], payout["net"], payout["method"],
            payout["status"])


def _sell_everything(client, bazaar, buy) -> dict:
    """Order 1: one of each stall; order 2: two 애호박 with 1,000 won refunded after hand-over; order 3: one 떡,
    only accepted. Returns the stall order ids by name."""
    first = buy((bazaar.veg, 1), (bazaar.formula, 1), (bazaar.fish, 1))
    second = buy((bazaar.veg, 2))
    third = buy((bazaar.formula, 1))
    for stand in (bazaar.veg, bazaar.formula, bazaar.fish):
        hand_over(client, stand, part_of(first, stand)["id"])
    hand_over(client, bazaar.veg, part_of(second, bazaar.veg)["id"])
    refund = client.post(f"{API}/stall-orders/{part_of(second, bazaar.veg)['id']}/refund",
                         json={"amount": 1000, "reason": "한 개 물러짐"}, headers=bazaar.veg.headers)
    assert refund.status_code == 201, refund.json
    hand_over(client, bazaar.formula, part_of(third, bazaar.formula)["id"], actions=("accept",))
    return {"veg1": part_of(first, bazaar.veg)["id"], "veg2": part_of(second, bazaar.veg)["id"],
            "formula1": part_of(first, bazaar.formula)["id"], "fish1": part_of(first, bazaar.fish)["id"],
            "formula3": part_of(third, bazaar.formula)["id"]}


def test_payout_run_settles_each_stall_exactly_once(client, bazaar, buy):
    ids = _sell_everything(client, bazaar, buy)
    outside = _run(client, bazaar, FAR_PAST)
    assert outside.status_code == 201 and outside.json == []

    run = _run(client, bazaar)

    assert run.status_code == 201, run.json
    veg, formula, fish = run.json
    assert [p["stall_id"] for p in run.json] == [bazaar.veg.stall.id, bazaar.formula.stall.id, bazaar.fish.stall.id]
    # By hand at 333 bps, rounded down per sale: 3,333 -> 110; 6,666 - 1,000 = 5,666 -> 188; 7,777 -> 258;
    # 9,999 -> 332 (on 9,999 as a sum, 애호박 would have paid 299, not 298).
    assert _summary(veg) == (9999, 1000, 298, 8701, "bank_transfer", "pending")
    assert [(x["stall_order_id"], x["gross"], x["refunds"], x["commission"], x["net"]) for x in veg["lines"]] == [
        (ids["veg1"], 3333, 0, 110, 3223), (ids["veg2"], 6666, 1000, 188, 5478)]
    assert _summary(formula) == (7777, 0, 258, 7519, "bank_transfer", "pending")
    assert [x["stall_order_id"] for x in formula["lines"]] == [ids["formula1"]]  # the merely accepted one waits
    assert _summary(fish) == (9999, 0, 332, 9667, "stripe_transfer", "paid")  # its transfer went at once
    assert fish["stripe_transfer_id"].startswith("tr_") and (fish["last_error"], fish["attempts"]) == (None, 1)
    assert all(p["commission_bps"] == 333 for p in run.json)

    again = _run(client, bazaar)

    assert again.status_code == 201 and again.json == []  # the paid-out sales are not offered again

    hand_over(client, bazaar.formula, ids["formula3"], actions=("ready", "hand-over"))
    later = _run(client, bazaar)
    assert [(_summary(p), p["stall_id"]) for p in later.json] == [
        ((7777, 0, 258, 7519, "bank_transfer", "pending"), bazaar.formula.stall.id)]
    assert [x["stall_order_id"] for x in later.json[0]["lines"]] == [ids["formula3"]]
    listed = client.get(f"{API}/markets/{bazaar.market.id}/payouts", headers=bazaar.admin_headers)
    assert listed.status_code == 200 and len(listed.json) == 4


def test_settlement_statement_is_excel_ready_csv(client, bazaar, buy):
    _sell_everything(client, bazaar, buy)
    assert _run(client, bazaar).status_code == 201

    resp = client.get(f"{API}/markets/{bazaar.market.id}/payouts/statement.csv", headers=bazaar.admin_headers)

    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8 Korean
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == STATEMENT_COLUMNS
    col = {name: i for i, name in enumerate(STATEMENT_COLUMNS)}
    by_stall: dict[str, list[list[str]]] = {}
    for row in rows[1:]:
        by_stall.setdefault(row[col["stall_name"]], []).append(row)
    assert set(by_stall) == {"김씨네 채소", "'=SUM(1+1)", "바다수산"}  # the formula is neutralized
    veg = by_stall["김씨네 채소"]
    assert [r[col["sale"]] for r in veg][-1] == "TOTAL" and len(veg) == 3
    assert [[r[col[k]] for k in ("gross", "refunds", "commission", "net")] for r in veg] == [
        ["3333", "0", "110", "3223"], ["6666", "1000", "188", "5478"], ["9999", "1000", "298", "8701"]]
    assert {r[col["method"]] for r in veg} == {"bank_transfer"}
    formula_total = by_stall["'=SUM(1+1)"][-1]
    assert (formula_total[col["sale"]], formula_total[col["net"]]) == ("TOTAL", "7519")
    assert len(rows) == 1 + 3 + 2 + 2


def test_stall_payouts_are_shown_to_their_owner_and_admins_only(client, make, bazaar, buy):
    _sell_everything(client, bazaar, buy)
    assert _run(client, bazaar).status_code == 201
    url = f"{API}/stalls/{bazaar.veg.stall.id}/payouts"

    own = client.get(url, headers=bazaar.veg.headers)
    admin = client.get(url, headers=bazaar.admin_headers)

    assert own.status_code == admin.status_code == 200
    assert [(p["stall_id"], p["net"]) for p in own.json] == [(bazaar.veg.stall.id, 8701)] and admin.json == own.json
    assert_error(client.get(url, headers=bazaar.formula.headers), 403)
    assert_error(client.get(url, headers=bazaar.shopper_headers), 403)
    assert_error(client.get(url), 401)


@pytest.mark.parametrize("who", ["shopper", "merchant", "other_market_admin"])
def test_only_the_market_admins_run_payouts(client, make, bazaar, buy, ledger, who):
    buy((bazaar.veg, 1))
    headers = {"shopper": lambda: bazaar.shopper_headers, "merchant": lambda: bazaar.veg.headers,
               "other_market_admin": lambda: make.headers(make.member(make.market(), "admin"))}[who]()
    before = ledger()

    assert_error(_run(client, bazaar, headers=headers), 403)

    assert ledger() == before


def test_payout_run_refuses_a_period_that_ends_before_it_starts(client, bazaar, ledger):
    before = ledger()

    resp = _run(client, bazaar, {"from": "2025-05-10", "to": "2025-05-09"})

    assert_error(resp, 422, "to")
    assert_error(_run(client, bazaar, {"from": "2025-05-10"}), 422, "to")
    assert_error(_run(client, bazaar, headers={}), 401)
    assert ledger() == before


def test_quick_pay_sales_are_paid_out_with_the_online_ones(client, app, bazaar, buy, stripe_client):
    order = buy((bazaar.veg, 1))
    hand_over(client, bazaar.veg, part_of(order, bazaar.veg)["id"])
    request = client.post(f"{API}/stalls/{bazaar.veg.stall.id}/quick-pay", json={"amount": 5000, "memo": "호박 세 개"},
                          headers=bazaar.veg.headers).json
    intent = confirm_at_stripe(stripe_client, request["payment_intent_id"], "pm_card_visa")
    assert event_result(post_event(client, app, "payment_intent.succeeded", intent)) == "processed"

    run = _run(client, bazaar)

    [payout] = run.json
    assert _summary(payout) == (8333, 0, 110 + 166, 8057, "bank_transfer", "pending")
    assert [(x["stall_order_id"], x["quick_pay_id"], x["commission"]) for x in payout["lines"]] == [
        (part_of(order, bazaar.veg)["id"], None, 110), (None, request["id"], 166)]
    assert _run(client, bazaar).json == []


@pytest.mark.committing  # two payout runs race through live_server, each on its own connection
def test_two_payout_runs_at_once_pay_each_sale_once(client, bazaar, buy, live_server):
    ids = _sell_everything(client, bazaar, buy)
    url = f"{live_server}{API}/markets/{bazaar.market.id}/payouts/run"
    start = threading.Barrier(2)

    def run(_n: int) -> tuple[int, list]:
        with requests.Session() as http:
            http.trust_env = False
            start.wait()
            resp = http.post(url, json=payout_period(), headers=bazaar.admin_headers, timeout=30)
            return resp.status_code, resp.json() if resp.status_code == 201 else []

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run, range(2)))

    assert sorted(status for status, _ in results) in ([201, 201], [201, 409])
    lines = [line["stall_order_id"] for _, payouts in results for payout in payouts for line in payout["lines"]]
    assert sorted(lines) == sorted([ids["veg1"], ids["veg2"], ids["formula1"], ids["fish1"]])
    listed = client.get(f"{API}/markets/{bazaar.market.id}/payouts", headers=bazaar.admin_headers).json
    assert sorted(p["net"] for p in listed) == [7519, 8701, 9667]
