"""The sales report as CSV, parsed back: one row per line sold, in-person sale and refund, adding up to the
dashboard of the same period; and the stall's daily sheet."""

import csv
import io

from market_app.dashboards.reports import COLUMNS
from market_app.demo import past_orders
from market_app.demo.past_orders import Line
from market_app.extensions import db
from market_app.orders.models import Fulfillment, StallOrderStatus
from tests.dashboards.conftest import PERIOD, seoul
from tests.helpers import API, assert_error


def _csv(resp) -> list[dict]:
    assert resp.status_code == 200, resp.data[:300]
    assert resp.mimetype == "text/csv" and "attachment" in resp.headers["Content-Disposition"]
    assert resp.data.startswith(b"\xef\xbb\xbf")  # the BOM Korean Excel needs
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == COLUMNS
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]]


def test_market_report_rows_add_up_to_the_dashboard(client, books):
    resp = client.get(f"{API}/markets/{books.market.id}/reports/sales.csv", query_string=PERIOD,
                      headers=books.admin, buffered=False)

    assert resp.is_streamed  # a generator over the cursor, not one string
    rows = _csv(resp)
    assert [(r["date"], r["kind"], r["product"], r["quantity"], r["gross"], r["refund"], r["commission"])
            for r in rows] == [
        ("2026-03-01", "sale", "애호박", "2", "6666", "0", "222"),  # 255 shared out over 6,666 and 1,000
        ("2026-03-01", "sale", "감자", "1", "1000", "0", "33"),
        ("2026-03-01", "sale", "갈치", "1", "9999", "0", "332"),
        ("2026-03-02", "in_person_sale", "", "", "12345", "0", "411"),
        ("2026-03-02", "refund", "", "", "0", "333", "-11"),
        ("2026-03-03", "sale", "감자", "1", "900", "0", "30"),  # 140: 29.77 and 110.23, the 1 left to .77
        ("2026-03-03", "sale", "애호박", "1", "3333", "0", "110"),
        ("2026-03-03", "sale", "떡", "1", "7777", "0", "258"),
        ("2026-03-04", "refund", "", "", "0", "1000", "-34"),
        ("2026-03-05", "sale", "갈치", "2", "19998", "0", "665"),
        ("2026-03-06", "refund", "", "", "0", "9999", "-333"),
    ]
    dashboard = client.get(f"{API}/markets/{books.market.id}/dashboard", query_string=PERIOD,
                           headers=books.admin).json
    assert sum(int(r["gross"]) for r in rows) == dashboard["gmv"]
    assert sum(int(r["refund"]) for r in rows) == dashboard["refunds"]
    assert sum(int(r["commission"]) for r in rows) == dashboard["commission"]
    first = rows[0]
    assert (first["order_id"], first["stall"], first["category"], first["unit_price"], first["fulfillment"]) == (
        str(books.orders["O2"].id), "김씨네 채소", "produce", "3333", "delivery")
    assert rows[5]["live_session_id"] == "7" and rows[3]["quick_pay_id"] == str(books.quick_pay.id)


def test_report_neutralises_formulas_in_text_and_keeps_negative_numbers(client, books):
    rows = _csv(client.get(f"{API}/markets/{books.market.id}/reports/sales.csv", query_string=PERIOD,
                           headers=books.admin))

    assert {r["stall"] for r in rows} == {"김씨네 채소", "바다수산", "'=떡집"}
    assert [r["commission"] for r in rows if r["kind"] == "refund"] == ["-11", "-34", "-333"]  # numbers stay numbers


def test_stall_report_has_only_that_stall(client, books):
    rows = _csv(client.get(f"{API}/stalls/{books.b.id}/reports/sales.csv", query_string=PERIOD, headers=books.kim))

    assert {r["stall_id"] for r in rows} == {str(books.b.id)}
    assert [(r["kind"], r["gross"], r["refund"]) for r in rows] == [
        ("sale", "9999", "0"), ("sale", "19998", "0"), ("refund", "0", "9999")]


def test_report_refuses_a_period_the_wrong_way_round(client, books):
    assert_error(client.get(f"{API}/markets/{books.market.id}/reports/sales.csv",
                            query_string={"from": "2026-03-07", "to": "2026-03-01"}, headers=books.admin),
                 422, "to", location="query")


def test_daily_sheet_lists_what_to_hand_over_and_yesterday(client, books):
    resp = client.get(f"{API}/stalls/{books.a.id}/daily-sheet", query_string={"date": "2026-03-03"},
                      headers=books.kim)

    assert resp.status_code == 200, resp.json
    sheet = resp.json
    assert (sheet["stall_name"], sheet["date"]) == ("김씨네 채소", "2026-03-03")
    [slot] = sheet["to_hand_over"]  # O3/A, accepted, pickup
    assert slot["slot_start"] is None and slot["label"].startswith("매장 수령")
    assert [(o["order_id"], o["status"], o["subtotal"], [(i["name"], i["quantity"]) for i in o["items"]])
            for o in slot["orders"]] == [(books.orders["O3"].id, "accepted", 4233, [("감자", 1), ("애호박", 1)])]
    assert sheet["yesterday"] == {"date": "2026-03-02", "sales": 1, "gross": 12345, "refunds": 333,
                                  "net": 12012, "commission": 400, "delivery_fees": 0, "payout": 11612}
    # O1/A was handed over and no payout holds it yet (Q1 was paid): 3,333-333-99. O2/A is at the desk too, but O2
    # is a delivery order not yet delivered: its sale is paid out once the shopper has it.
    assert sheet["expected_payout"] == {"amount": 2901, "sales": 1}
    assert_error(client.get(f"{API}/stalls/{books.a.id}/daily-sheet", query_string={"date": "2026-02-30"},
                            headers=books.kim), 422, "date", location="query")


def test_daily_sheet_groups_deliveries_by_their_slot(client, books):
    slot = seoul("2026-03-03 17:00")
    delivery = past_orders.paid_order(books.market, books.users["lee"].id, [Line(books.products["애호박"], 2)],
                                      seoul("2026-03-03 09:10"), fulfillment=Fulfillment.DELIVERY, slot_start=slot,
                                      statuses={books.a.id: StallOrderStatus.READY})
    tomorrow = past_orders.paid_order(books.market, books.users["lee"].id, [Line(books.products["감자"], 1)],
                                      seoul("2026-03-03 09:20"), fulfillment=Fulfillment.DELIVERY,
                                      slot_start=seoul("2026-03-04 11:00"),
                                      statuses={books.a.id: StallOrderStatus.PENDING})
    db.session.commit()

    sheet = client.get(f"{API}/stalls/{books.a.id}/daily-sheet", query_string={"date": "2026-03-03"},
                       headers=books.kim).json

    assert [(s["label"], [o["order_id"] for o in s["orders"]]) for s in sheet["to_hand_over"]] == [
        ("배달 03/03 17:00", [delivery.id]), ("매장 수령 (시간 약속 없음)", [books.orders["O3"].id])]
    assert tomorrow.id not in [o["order_id"] for s in sheet["to_hand_over"] for o in s["orders"]]
