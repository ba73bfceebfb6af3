"""The merchant dashboard (one stall, and all of an owner's stalls) on the hand-computed books."""

from tests.dashboards.conftest import PERIOD
from tests.helpers import API, assert_error


def _stall(client, books, stall, query=PERIOD, headers=None):
    return client.get(f"{API}/stalls/{stall.id}/dashboard", query_string=query,
                      headers=books.kim if headers is None else headers)


def test_stall_sales_commission_and_payout_by_hand(client, books):
    resp = _stall(client, books, books.a)

    assert resp.status_code == 200, resp.json
    d = resp.json
    assert (d["stall_id"], d["stall_ids"], d["from"], d["to"]) == (books.a.id, [books.a.id], "2026-03-01", "2026-03-07")
    # O2/A 7,666 + O3/A 4,233 + in person 12,345; refunds R3 333 (03-02, of O1) and R1 1,000 (03-04)
    assert d["sales"] == {"gross": 24244, "refunds": 1333, "net": 22911, "commission": 255 + 140 + 411 - 11 - 34,
                          "delivery_fees": 0, "payout": 22911 - 761}
    assert d["orders"] == {"count": 2, "by_status": {"accepted": 1, "handed_over": 1}}
    assert d["in_person"] == {"count": 1, "gross": 12345}
    assert [(x["date"], x["orders"], x["gross"], x["refunds"], x["net"]) for x in d["by_day"] if x["gross"] or
            x["refunds"]] == [("2026-03-01", 1, 7666, 0, 7666), ("2026-03-02", 0, 12345, 333, 12012),
                              ("2026-03-03", 1, 4233, 0, 4233), ("2026-03-04", 0, 0, 1000, -1000)]
    assert d["top_products"] == [
        {"product_id": books.products["애호박"].id, "name": "애호박", "quantity": 3, "gross": 9999},
        {"product_id": books.products["감자"].id, "name": "감자", "quantity": 2, "gross": 1900},  # 1,000 + 900 live
    ]
    assert d["live_sessions"] == [{"id": 7, "title": "감자 캐는 날", "orders": 1, "gross": 900}]


def test_payouts_pending_and_paid_of_the_period_sales(client, books):
    d = _stall(client, books, books.a).json

    # Q1 is in a paid payout: 12,345 - 411. Pending: O2/A 7,666 - 1,000 - 221 and O3/A 4,233 - 140.
    assert d["payouts"] == {"paid": 11934, "pending": 6445 + 4093}


def test_low_stock_below_the_threshold_given(client, books):
    assert _stall(client, books, books.a).json["low_stock"] == [
        {"product_id": books.products["감자"].id, "stall_id": books.a.id, "name": "감자", "stock": 2}]
    assert _stall(client, books, books.a, PERIOD | {"low_stock_below": 2}).json["low_stock"] == []
    wide = _stall(client, books, books.a, PERIOD | {"low_stock_below": 11}).json
    assert [p["name"] for p in wide["low_stock"]] == ["감자", "애호박"] and wide["low_stock_below"] == 11
    assert_error(_stall(client, books, books.a, PERIOD | {"low_stock_below": 0}), 422, "low_stock_below",
                 location="query")


def test_stall_changes_against_the_week_before(client, books):
    changes = _stall(client, books, books.a).json["changes"]

    assert changes["sales"]["gross"] == {"previous": 3333, "change": 24244 - 3333, "percent": 627.4}
    assert changes["sales"]["commission"] == {"previous": 110, "change": 651, "percent": 591.8}
    assert changes["orders"]["count"] == {"previous": 1, "change": 1, "percent": 100.0}
    assert changes["in_person"]["count"] == {"previous": 0, "change": 1, "percent": None}


def test_market_admin_reads_any_stall_of_the_market(client, books):
    own = _stall(client, books, books.c, headers=books.lee).json
    admin = _stall(client, books, books.c, headers=books.admin).json

    assert own == admin and own["sales"]["gross"] == 7777 and own["sales"]["commission"] == 258


def test_owner_dashboard_adds_up_all_of_their_stalls(client, books):
    resp = client.get(f"{API}/me/dashboard", query_string=PERIOD, headers=books.kim)

    assert resp.status_code == 200, resp.json
    d = resp.json
    assert d["stall_id"] is None and d["stall_ids"] == [books.a.id, books.b.id]
    assert d["sales"]["gross"] == 24244 + 29997 and d["sales"]["refunds"] == 1333 + 9999
    assert d["orders"]["count"] == 4
    assert [(s["name"], s["gross"], s["net"]) for s in d["stalls"]] == [("김씨네 채소", 24244, 22911),
                                                                         ("바다수산", 29997, 19998)]
    assert [s["id"] for s in d["live_sessions"]] == [8, 7]  # 19,998 at session 8 before 900 at session 7
    assert_error(client.get(f"{API}/me/dashboard", headers=books.shopper), 403)


def test_bad_merchant_periods_are_refused(client, books):
    backwards = {"from": "2026-03-07", "to": "2026-03-01"}
    assert_error(_stall(client, books, books.a, backwards), 422, "to", location="query")
    assert_error(client.get(f"{API}/me/dashboard", query_string={"from": "2026-03-07", "to": "2026-03-01"},
                            headers=books.kim), 422, "to", location="query")
    assert_error(_stall(client, books, books.a, {"to": "9999-12-31"}), 422, "to", location="query")
