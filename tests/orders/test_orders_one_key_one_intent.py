"""One Idempotency-Key, one PaymentIntent (issue 7, item 8): the key is taken before Stripe is called, so
twenty taps at once open exactly one payment; a refused attempt leaves the key free for the retry."""

import uuid

import pytest

from market_app.orders.models import IdempotencyClaim, Order
from market_app.payments.models import Payment
from tests.helpers import assert_error, order_body, place_order, post_at_once, stock_of


def _intent_ids(stripe_client) -> set[str]:
    return {intent.id for intent in stripe_client.v1.payment_intents.list({"limit": 100}).auto_paging_iter()}


@pytest.mark.committing  # twenty threads with their own sessions and connections post with one key at once
def test_twenty_taps_at_once_with_one_key_open_one_payment_intent(app, make, shop, stripe_client):
    pears = make.product(shop.stands[0].stall, name="신고배", price=4000, stock=50)
    body = order_body(shop.market, [(pears, 2)])
    before = _intent_ids(stripe_client)

    results = post_at_once(app, [(shop.headers | {"Idempotency-Key": "one-tap"}, body)] * 20)

    assert sorted(status for status, _ in results) == [200] * 19 + [201], results
    [order_id] = {reply["id"] for _, reply in results}
    opened = _intent_ids(stripe_client) - before
    assert opened == {results[0][1]["payment"]["payment_intent_id"]}
    assert make.count(Order) == 1 and make.count(Payment) == 1 and make.count(IdempotencyClaim) == 1
    assert stock_of(pears) == 48


def test_a_refused_attempt_does_not_hold_the_key(client, make, shop, stripe_client):
    pears = make.product(shop.stands[0].stall, name="신고배", price=4000, stock=1)
    key = uuid.uuid4().hex
    body = order_body(shop.market, [(pears, 2)])

    assert_error(place_order(client, shop.headers, body, key), 409)  # only one left
    assert make.count(IdempotencyClaim) == 0
    client.patch(f"/api/v1/products/{pears.id}", json={"stock": 5}, headers=shop.stands[0].headers)

    assert place_order(client, shop.headers, body, key).status_code == 201
