"""Live prices at checkout: the list price before a session goes live and after it ends, the live price while it is
live, up to the offer's cap (the rest of a line at the list price, as a second line), each live line attributed to
the session; units of an order that expires, is cancelled or rejected go back to the cap, once; and concurrent
orders never take more than the cap at the live price."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from market_app.core import versions
from market_app.core.db import utcnow
from market_app.extensions import db
from market_app.live import clock, pricing
from market_app.live.models import LiveOffer, LiveOfferReservation, LiveSession
from market_app.orders import hooks, reservations
from market_app.orders import services as order_services
from market_app.orders.models import Order, OrderItem
from tests.helpers import assert_error, order_body, part_of, place_order, post_at_once, post_event, stock_of
from tests.live.helpers import API, items_of


def _sold(session: dict) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(LiveOffer.sold).where(LiveOffer.live_session_id == session["id"]))


def test_the_price_is_the_list_price_before_the_live_price_during_and_the_list_price_after(shop, live, checkout):
    stand = shop.stands[0]
    cabbage = stand.product
    session = live.schedule(stand, starts_in=10)

    before = checkout([(cabbage, 1)])
    live.start(session, stand)
    during = checkout([(cabbage, 2)])
    live.end(session, stand)
    after = checkout([(cabbage, 1)])

    assert items_of(before) == [(cabbage.id, 1, 3000, 3000, None)]
    assert items_of(during) == [(cabbage.id, 2, 2500, 5000, session["id"])]
    assert during["stall_orders"][0]["items"][0]["list_price"] == 3000
    assert items_of(after) == [(cabbage.id, 1, 3000, 3000, None)]
    assert live.read(session)["offers"][0]["sold"] == 2


def test_an_order_during_a_flash_sale_gets_its_price_and_is_in_its_stats(client, shop, live, checkout, pay):
    """A flash sale (마감세일) has no stream and nobody presses start: the clock starts it at its time."""
    stand = shop.stands[1]
    mackerel = stand.product
    flash = live.schedule(stand, starts_in=10, minutes=60, kind="flash", stream_url=None, title="마감세일 고등어",
                          offers=[{"product_id": mackerel.id, "live_price": 3500, "quantity_cap": 10}])
    before = checkout([(mackerel, 1)])
    row = db.session.get(LiveSession, flash["id"])
    row.starts_at, row.ends_at = utcnow() - timedelta(minutes=1), utcnow() + timedelta(minutes=59)
    db.session.commit()
    assert clock.sweep()["started"] == 1

    during = checkout([(mackerel, 2), (shop.stands[0].product, 1)])
    pay(during)

    assert items_of(before) == [(mackerel.id, 1, 5000, 5000, None)]
    assert sorted(items_of(during)) == sorted([(mackerel.id, 2, 3500, 7000, flash["id"]),
                                               (shop.stands[0].product.id, 1, 3000, 3000, None)])
    db.session.expire_all()
    assert db.session.scalars(sa.select(OrderItem.live_session_id).where(
        OrderItem.product_id == mackerel.id).order_by(OrderItem.id)).all() == [None, flash["id"]]
    stats = client.get(f"{API}/live-sessions/{flash['id']}/stats", headers=stand.headers).json
    assert (stats["status"], stats["orders"], stats["units"], stats["gross"], stats["savings"]) == \
        ("live", 1, 2, 7000, 3000)
    assert [(o["product_id"], o["sold"], o["orders"], o["gross"]) for o in stats["offers"]] == [
        (mackerel.id, 2, 1, 7000)]


def test_only_offered_products_get_the_live_price(shop, live, checkout):
    veg, fish = shop.stands
    session = live.schedule(veg, starts_in=5)
    live.start(session, veg)

    order = checkout([(veg.product, 1), (fish.product, 1)])

    assert sorted(items_of(order)) == sorted([(veg.product.id, 1, 2500, 2500, session["id"]),
                                              (fish.product.id, 1, 5000, 5000, None)])
    assert order["subtotal"] == 7500 and order["payment"]["amount"] == order["total"]


def test_an_order_for_more_than_the_remaining_cap_gets_the_rest_at_the_list_price_on_a_second_line(
        shop, live, checkout):
    stand = shop.stands[0]
    cabbage = stand.product
    session = live.schedule(stand, starts_in=5)  # 5 units at 2,500
    live.start(session, stand)
    checkout([(cabbage, 3)])

    order = checkout([(cabbage, 4)])

    assert items_of(order) == [(cabbage.id, 2, 2500, 5000, session["id"]), (cabbage.id, 2, 3000, 6000, None)]
    assert order["subtotal"] == 11000
    assert _sold(session) == 5 and stock_of(cabbage) == 3
    assert items_of(checkout([(cabbage, 1)])) == [(cabbage.id, 1, 3000, 3000, None)]  # the cap is spent


def test_a_list_price_lowered_to_the_live_price_takes_nothing_from_the_cap(client, shop, live, checkout):
    """The merchant cuts the list price to the live price mid-broadcast: the whole line is at the list price, one
    line, and the cap's units stay for the broadcast."""
    stand = shop.stands[0]
    cabbage = stand.product
    session = live.schedule(stand, starts_in=5)  # 5 units at 2,500
    live.start(session, stand)
    resp = client.patch(f"{API}/products/{cabbage.id}", json={"price": 2500}, headers=stand.headers)
    assert resp.status_code == 200, resp.json

    order = checkout([(cabbage, 7)])

    assert items_of(order) == [(cabbage.id, 7, 2500, 17500, None)]
    assert _sold(session) == 0
    assert db.session.scalars(sa.select(LiveOfferReservation.id)).all() == []


def test_the_cart_shows_the_same_split(client, shop, live):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=5)
    live.start(session, stand)
    url = f"{API}/markets/{shop.market.id}/cart"
    client.put(url, json={"items": [{"product_id": stand.product.id, "quantity": 7}]}, headers=shop.headers)

    cart = client.get(url, headers=shop.headers).json

    assert [(i["quantity"], i["unit_price"], i["live_session_id"], i["problem"]) for i in cart["items"]] == [
        (5, 2500, session["id"], None), (2, 3000, None, None)]
    assert cart["subtotal"] == 18500


def test_a_per_shopper_limit_gives_the_live_price_to_that_many_units_per_shopper(make, shop, live, checkout):
    stand = shop.stands[0]
    cabbage = stand.product
    session = live.schedule(stand, starts_in=5, offers=[
        {"product_id": cabbage.id, "live_price": 2500, "quantity_cap": 5, "per_shopper_limit": 2}])
    live.start(session, stand)
    neighbour = make.headers(make.user("이웃"))

    first = checkout([(cabbage, 1)])
    second = checkout([(cabbage, 2)])
    other = checkout([(cabbage, 2)], headers=neighbour)

    assert items_of(first) == [(cabbage.id, 1, 2500, 2500, session["id"])]
    assert items_of(second) == [(cabbage.id, 1, 2500, 2500, session["id"]), (cabbage.id, 1, 3000, 3000, None)]
    assert items_of(other) == [(cabbage.id, 2, 2500, 5000, session["id"])]


def test_units_of_an_expired_order_go_back_to_the_cap_once(app, shop, live, checkout):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=5)
    live.start(session, stand)
    order = checkout([(stand.product, 4)])
    assert _sold(session) == 4
    db.session.get(Order, order["id"]).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    order_services.expire_overdue_orders()
    expired = db.session.get(Order, order["id"])
    reservations.release_order(expired)  # a second release (a retried job) gives back nothing more
    db.session.commit()

    assert _sold(session) == 0 and stock_of(stand.product) == 10
    assert db.session.get(Order, order["id"]).status == "expired"
    reservation = db.session.scalar(sa.select(LiveOfferReservation))
    assert reservation.quantity == 4 and reservation.released_at is not None


def test_units_of_a_cancelled_order_go_back_to_the_cap(client, shop, live, checkout):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=5)
    live.start(session, stand)
    order = checkout([(stand.product, 3)])

    resp = client.post(f"{API}/orders/{order['id']}/cancel", headers=shop.headers)

    assert resp.status_code == 200 and resp.json["status"] == "cancelled"
    assert _sold(session) == 0
    assert items_of(checkout([(stand.product, 5)])) == [(stand.product.id, 5, 2500, 12500, session["id"])]


def test_units_of_a_rejected_stall_order_go_back_to_the_cap_and_the_other_stall_keeps_its_own(
        client, shop, live, checkout, pay):
    veg, fish = shop.stands
    veg_session = live.schedule(veg, starts_in=5)
    fish_session = live.schedule(fish, starts_in=5, offers=[
        {"product_id": fish.product.id, "live_price": 4000, "quantity_cap": 3}])
    live.start(veg_session, veg)
    live.start(fish_session, fish)
    order = checkout([(veg.product, 2), (fish.product, 1)])
    pay(order)

    part = part_of(order, veg)
    resp = client.post(f"{API}/stall-orders/{part['id']}/reject", json={"reason": "배추가 시들었어요"},
                       headers=veg.headers)

    assert resp.status_code == 200, resp.json
    assert (_sold(veg_session), _sold(fish_session)) == (0, 1)


def test_the_order_response_keeps_the_live_price_after_the_session_ends(client, shop, live, checkout):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=5)
    live.start(session, stand)
    order = checkout([(stand.product, 2)])
    live.end(session, stand)

    again = client.get(f"{API}/orders/{order['id']}", headers=shop.headers).json

    assert items_of(again) == [(stand.product.id, 2, 2500, 5000, session["id"])]


def test_a_session_left_live_past_its_end_and_grace_no_longer_prices(app, shop, live, checkout):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=5, minutes=30)
    live.start(session, stand)
    row = db.session.get(LiveSession, session["id"])
    row.ends_at = utcnow() - timedelta(minutes=app.config["LIVE_AUTO_END_GRACE_MINUTES"] + 1)
    row.starts_at = row.ends_at - timedelta(minutes=30)
    db.session.commit()

    assert items_of(checkout([(stand.product, 1)])) == [(stand.product.id, 1, 3000, 3000, None)]


def test_when_the_cap_runs_out_between_pricing_and_reserving_the_order_is_409_and_nothing_written(
        client, shop, live, ledger, snapshot):
    """The price is fixed before the payment is opened; if another order takes the last units in between, the
    conditional UPDATE refuses this one. The shopper orders again and gets what is left, then the list price."""
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=5)
    live.start(session, stand)
    real = pricing.live_prices

    def stale_prices(products, now, shopper_id):  # as if priced a moment before another order took 4 units
        prices = real(products, now, shopper_id)
        versions.touch(versions.live_scope(shop.market.id))  # every write of what the schedule shows says so
        db.session.execute(sa.update(LiveOffer).values(sold=4))
        return prices

    overrides = hooks.for_app(client.application).price_overrides
    overrides[overrides.index(real)] = stale_prices
    try:
        versions.touch(versions.live_scope(shop.market.id))
        db.session.execute(sa.update(LiveOffer).values(sold=0))
        before = ledger(), snapshot(LiveOffer, LiveOfferReservation)
        resp = place_order(client, shop.headers, order_body(shop.market, [(stand.product, 3)]))
    finally:
        overrides[overrides.index(stale_prices)] = real

    assert "quantity" in assert_error(resp, 409)["json"]["items"]["0"]
    assert (ledger(), snapshot(LiveOffer, LiveOfferReservation)) == before
    retry = place_order(client, shop.headers, order_body(shop.market, [(stand.product, 3)]))
    assert retry.status_code == 201
    assert items_of(retry.json)[0][1:3] == (3, 2500)  # the stale 'sold=4' was rolled back with the refused order


@pytest.mark.committing
def test_concurrent_orders_never_take_more_than_the_cap_at_the_live_price(app, make, shop, live):
    """12 shoppers each order 2 of an offer capped at 5, all at once: never more than 5 units at the live price; each
    order either got its units (live price and list price adding up exactly) or was refused with nothing written."""
    stand = shop.stands[0]
    cabbage = make.product(stand.stall, name="절임배추", price=4000, stock=None)
    session = live.schedule(stand, starts_in=5, offers=[
        {"product_id": cabbage.id, "live_price": 3000, "quantity_cap": 5}])
    live.start(session, stand)
    shoppers = [make.headers(make.user(f"손님{i}")) | {"Idempotency-Key": f"kimjang-{i}"} for i in range(12)]

    results = post_at_once(app, [(headers, order_body(shop.market, [(cabbage, 2)]))
                                 for headers in shoppers])

    placed = [body for status, body in results if status == 201]
    refused = [body for status, body in results if status != 201]
    assert all(body["code"] == 409 and "quantity" in body["errors"]["json"]["items"]["0"] for body in refused), refused
    live_units = sum(q for order in placed for (_, q, price, _, sid) in items_of(order) if sid == session["id"])
    assert live_units <= 5 and live_units == _sold(session)
    for order in placed:
        assert sum(q for (_, q, *_rest) in items_of(order)) == 2
        assert order["subtotal"] == sum(line_total for (_, _, _, line_total, _) in items_of(order))
    db.session.expire_all()
    attributed = db.session.scalar(sa.select(sa.func.sum(OrderItem.quantity))
                                   .where(OrderItem.live_session_id == session["id"]))
    assert attributed == live_units == db.session.scalar(sa.select(sa.func.sum(LiveOfferReservation.quantity)))
    assert make.count(Order) == len(placed)


def _expire(client, shop, order: dict) -> None:
    db.session.execute(sa.update(Order).where(Order.id == order["id"]).values(expires_at=utcnow() - timedelta(1)))
    db.session.commit()
    assert client.get(f"{API}/orders/{order['id']}", headers=shop.headers).json["status"] == "expired"


def test_an_expired_live_order_paid_after_all_takes_its_units_back_from_the_cap(app, client, shop, live, checkout):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=5)
    live.start(session, stand)
    order = checkout([(stand.product, 4)])
    _expire(client, shop, order)
    assert _sold(session) == 0

    intent = {"id": order["payment"]["payment_intent_id"], "object": "payment_intent", "status": "succeeded",
              "amount": order["total"], "currency": "krw"}
    assert post_event(client, app, "payment_intent.succeeded", intent).status_code == 200

    again = client.get(f"{API}/orders/{order['id']}", headers=shop.headers).json
    assert again["status"] == "paid" and items_of(again)[0][1:3] == (4, 2500)
    assert _sold(session) == 4


def test_an_expired_live_order_paid_after_the_cap_was_sold_to_others_is_refunded(make, client, app, shop, live,
                                                                                checkout):
    stand = shop.stands[0]
    session = live.schedule(stand, starts_in=5)
    live.start(session, stand)
    order = checkout([(stand.product, 4)])
    _expire(client, shop, order)
    checkout([(stand.product, 3)], headers=make.headers(make.user("다른 손님")))

    intent = {"id": order["payment"]["payment_intent_id"], "object": "payment_intent", "status": "succeeded",
              "amount": order["total"], "currency": "krw"}
    assert post_event(client, app, "payment_intent.succeeded", intent).status_code == 200

    again = client.get(f"{API}/orders/{order['id']}", headers=shop.headers).json
    assert again["status"] == "expired" and again["payment"]["refunded_amount"] == order["total"]
    assert _sold(session) == 3
