"""Quick pay at the stall: the owner asks for an amount, the shopper scans the QR code and pays by Stripe."""

import base64
import io

import pytest
import zxingcpp
from PIL import Image

from market_app.payments.models import Payment, QuickPayRequest
from tests.helpers import API, assert_error, confirm_at_stripe, event_result, post_event

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _create(client, stand, headers=None, **body):
    return client.post(f"{API}/stalls/{stand.stall.id}/quick-pay",
                       json={"amount": 12000, "memo": "사과 한 봉지"} | body,
                       headers=stand.headers if headers is None else headers)


def _qr_text(png: bytes) -> str:
    """What the QR code says, read back by a real decoder (zxing-cpp)."""
    image = Image.open(io.BytesIO(png)).convert("L")
    return next(result.text for result in zxingcpp.read_barcodes(image))


def test_owner_creates_a_quick_pay_request_with_a_scannable_qr_code(app, client, shop):
    stand = shop.stands[0]

    resp = _create(client, stand)

    assert resp.status_code == 201, resp.json
    request = resp.json
    assert (request["stall_id"], request["amount"], request["memo"], request["status"]) == (
        stand.stall.id, 12000, "사과 한 봉지", "open")
    assert request["pay_url"] == f"{app.config['PUBLIC_BASE_URL'].rstrip('/')}/pay/{request['token']}"
    assert request["client_secret"].startswith(request["payment_intent_id"] + "_secret_")
    prefix, encoded = request["qr_png"].split(",", 1)
    assert prefix == "data:image/png;base64"
    png = base64.b64decode(encoded)
    assert png.startswith(PNG_SIGNATURE)
    assert _qr_text(png) == request["pay_url"]


def test_anyone_with_the_token_reads_the_request_and_paying_marks_it_paid(app, client, shop, stripe_client):
    request = _create(client, shop.stands[0]).json
    public = client.get(f"{API}/quick-pay/{request['token']}")
    assert public.status_code == 200
    assert (public.json["status"], public.json["amount"], public.json["stall_name"]) == (
        "open", 12000, shop.stands[0].stall.name)
    assert public.json["paid_at"] is None

    intent = confirm_at_stripe(stripe_client, request["payment_intent_id"], "pm_card_visa")
    resp = post_event(client, app, "payment_intent.succeeded", intent)

    assert event_result(resp) == "processed"
    paid = client.get(f"{API}/quick-pay/{request['token']}").json
    assert paid["status"] == "paid" and paid["paid_at"] is not None
    assert_error(client.get(f"{API}/quick-pay/not-a-real-token"), 404)


def test_quick_pay_below_stripes_minimum_is_refused(client, make, shop):
    resp = _create(client, shop.stands[0], amount=50)

    assert_error(resp, 422, "amount")
    assert make.count(QuickPayRequest) == make.count(Payment) == 0


@pytest.mark.parametrize(("who", "status"), [("other_merchant", 403), ("shopper", 403), ("anonymous", 401)])
def test_only_the_stall_owner_asks_for_a_quick_pay(client, make, shop, who, status):
    headers = {"other_merchant": shop.stands[1].headers, "shopper": shop.headers, "anonymous": {}}[who]

    resp = _create(client, shop.stands[0], headers=headers)

    assert_error(resp, status)
    assert make.count(QuickPayRequest) == make.count(Payment) == 0


def test_a_stall_not_yet_approved_cannot_take_quick_payments(client, make, shop, open_stand):
    waiting = open_stand(shop.market, status="pending")

    assert_error(_create(client, waiting), 409)
    assert make.count(QuickPayRequest) == 0
