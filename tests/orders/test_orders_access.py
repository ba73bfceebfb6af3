"""Who sees and moves which orders: a merchant only their stall's paid parts, a shopper none of the stalls' moves,
the market's admins every order of their market (without the payment's client secret), nobody else."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from market_app.extensions import db
from market_app.orders.models import Order
from tests.helpers import API, assert_error, part_of

ACTIONS = [("accept", None), ("ready", None), ("hand-over", None), ("reject", {"reason": "남의 주문"})]


def test_merchant_cannot_list_another_stalls_orders(client, shop, paid_order):
    paid_order()
    veg, fish = shop.stands

    assert_error(client.get(f"{API}/stalls/{fish.stall.id}/orders", headers=veg.headers), 403)
    assert [p["stall_id"] for p in client.get(f"{API}/stalls/{veg.stall.id}/orders", headers=veg.headers).json] == [
        veg.stall.id]


@pytest.mark.parametrize(("action", "body"), ACTIONS, ids=[a for a, _ in ACTIONS])
def test_merchant_cannot_act_on_another_stalls_order(client, shop, paid_order, ledger, action, body):
    placed = paid_order()
    veg, fish = shop.stands
    before = ledger()

    resp = client.post(f"{API}/stall-orders/{part_of(placed, fish)['id']}/{action}", json=body,
                       headers=veg.headers)

    assert_error(resp, 404)
    assert ledger() == before


def test_unpaid_stall_orders_are_invisible_to_the_merchant(client, shop, checkout, ledger):
    placed = checkout([(shop.stands[0].product, 1), (shop.stands[1].product, 1)])
    veg = shop.stands[0]
    before = ledger()

    assert client.get(f"{API}/stalls/{veg.stall.id}/orders", headers=veg.headers).json == []
    for action, body in ACTIONS:
        resp = client.post(f"{API}/stall-orders/{part_of(placed, veg)['id']}/{action}", json=body,
                           headers=veg.headers)
        assert_error(resp, 404)
    assert ledger() == before


@pytest.mark.parametrize(("action", "body"), ACTIONS, ids=[a for a, _ in ACTIONS])
def test_shopper_cannot_move_the_stall_orders_of_their_own_order(client, shop, paid_order, ledger, action, body):
    placed = paid_order()
    before = ledger()

    resp = client.post(f"{API}/stall-orders/{placed['stall_orders'][0]['id']}/{action}", json=body,
                       headers=shop.headers)

    assert_error(resp, 404)
    assert ledger() == before


def test_shopper_cannot_list_a_stalls_orders(client, shop, paid_order):
    paid_order()

    assert_error(client.get(f"{API}/stalls/{shop.stands[0].stall.id}/orders", headers=shop.headers), 403)


def test_stall_orders_need_a_signed_in_user(client, shop, paid_order):
    placed = paid_order()

    assert_error(client.get(f"{API}/stalls/{shop.stands[0].stall.id}/orders"), 401)
    assert_error(client.post(f"{API}/stall-orders/{placed['stall_orders'][0]['id']}/accept"), 401)
    assert_error(client.get(f"{API}/orders/{placed['id']}"), 401)
    assert_error(client.get(f"{API}/orders"), 401)


def test_market_admin_reads_an_order_without_its_client_secret_but_cannot_move_or_cancel_it(
        client, make, shop, paid_order, ledger):
    placed = paid_order()
    admin = make.headers(make.member(shop.market, "admin"))
    before = ledger()

    order = client.get(f"{API}/orders/{placed['id']}", headers=admin)
    payment = client.get(f"{API}/orders/{placed['id']}/payment", headers=admin)

    assert order.status_code == 200 and order.json["id"] == placed["id"] and order.json["total"] == 11000
    assert "client_secret" not in order.json["payment"]
    assert order.json["payment"]["payment_intent_id"] == placed["payment"]["payment_intent_id"]
    assert payment.status_code == 200 and "client_secret" not in payment.json
    assert "client_secret" in client.get(f"{API}/orders/{placed['id']}", headers=shop.headers).json["payment"]
    assert_error(client.post(f"{API}/stall-orders/{placed['stall_orders'][0]['id']}/accept", headers=admin), 403)
    assert_error(client.post(f"{API}/orders/{placed['id']}/cancel", headers=admin), 403)
    assert ledger() == before


def test_market_admin_lists_every_order_of_the_market_by_status_and_stall(client, make, shop, checkout, pay):
    admin = make.headers(make.member(shop.market, "admin"))
    veg, fish = shop.stands
    neighbour = make.headers(make.user("이웃"))
    unpaid = checkout([(veg.product, 1)])
    mixed = checkout([(veg.product, 1), (fish.product, 1)], headers=neighbour)
    pay(mixed)
    fish_only = checkout([(fish.product, 2)])

    def ids(**query) -> list[int]:
        resp = client.get(f"{API}/markets/{shop.market.id}/orders", query_string=query, headers=admin)
        assert resp.status_code == 200, resp.json
        assert all("client_secret" not in o["payment"] for o in resp.json)
        return [o["id"] for o in resp.json]

    assert ids() == [fish_only["id"], mixed["id"], unpaid["id"]]
    assert ids(status="paid") == [mixed["id"]]
    assert ids(status="pending_payment") == [fish_only["id"], unpaid["id"]]
    assert ids(stall_id=veg.stall.id) == [mixed["id"], unpaid["id"]]
    assert ids(stall_id=fish.stall.id, status="pending_payment") == [fish_only["id"]]


def test_market_orders_filter_by_the_markets_local_day(client, make, shop, checkout):
    admin = make.headers(make.member(shop.market, "admin"))
    late_evening, after_midnight, today = (checkout([(shop.stands[0].product, 1)]) for _ in range(3))
    # 14:30 UTC is 23:30 in Seoul on March 1st; 15:30 UTC is already 00:30 on March 2nd.
    for placed, at in ((late_evening, datetime(2024, 3, 1, 14, 30, tzinfo=UTC)),
                       (after_midnight, datetime(2024, 3, 1, 15, 30, tzinfo=UTC))):
        db.session.execute(sa.update(Order).where(Order.id == placed["id"]).values(created_at=at))
    db.session.commit()

    def ids(**query) -> list[int]:
        return [o["id"] for o in client.get(f"{API}/markets/{shop.market.id}/orders", query_string=query,
                                            headers=admin).json]

    assert ids(**{"from": "2024-03-01", "to": "2024-03-01"}) == [late_evening["id"]]
    assert ids(**{"from": "2024-03-02", "to": "2024-03-02"}) == [after_midnight["id"]]
    assert ids(**{"from": "2024-03-01", "to": "2024-03-02"}) == [after_midnight["id"], late_evening["id"]]
    assert ids(to="2024-03-01") == [late_evening["id"]]
    assert ids(**{"from": "2024-03-02"}) == [today["id"], after_midnight["id"]]


@pytest.mark.parametrize(("query", "field"), [
    ({"from": "2024-03-05", "to": "2024-03-01"}, "to"),
    ({"from": "2024-13-01"}, "from"),
    ({"status": "shipped"}, "status"),
    ({"stall_id": "abc"}, "stall_id"),
], ids=["from-after-to", "bad-date", "bad-status", "bad-stall"])
def test_market_orders_query_is_validated_naming_the_field(client, make, shop, query, field):
    admin = make.headers(make.member(shop.market, "admin"))

    resp = client.get(f"{API}/markets/{shop.market.id}/orders", query_string=query, headers=admin)

    assert field in assert_error(resp, 422)["query"]


def test_admin_of_another_market_a_merchant_and_a_shopper_cannot_list_the_markets_orders(
        client, make, shop, paid_order):
    paid_order()
    other_admin = make.headers(make.member(make.market(), "admin"))

    for headers in (other_admin, shop.stands[0].headers, shop.headers):
        assert_error(client.get(f"{API}/markets/{shop.market.id}/orders", headers=headers), 403)


def test_admin_of_another_market_cannot_read_or_move_its_orders(client, make, shop, paid_order, ledger):
    placed = paid_order()
    other_admin = make.headers(make.member(make.market(), "admin"))
    before = ledger()

    assert_error(client.get(f"{API}/orders/{placed['id']}", headers=other_admin), 404)
    assert_error(client.get(f"{API}/orders/{placed['id']}/payment", headers=other_admin), 404)
    assert_error(client.post(f"{API}/stall-orders/{placed['stall_orders'][0]['id']}/accept", headers=other_admin), 404)
    assert_error(client.get(f"{API}/stalls/{shop.stands[0].stall.id}/orders", headers=other_admin), 403)
    assert ledger() == before
