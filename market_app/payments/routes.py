"""Payment routes: Stripe's webhook and quick pay at the stall."""

from flask import current_app, request

from market_app.core import uow
from market_app.core.auth import login_required, signed_in_user
from market_app.core.blueprint import Blueprint
from market_app.core.db import db
from market_app.core.errors import Conflict
from market_app.extensions import limiter
from market_app.markets import access as market_access
from market_app.markets.models import Stall, StallStatus
from market_app.markets.services import get_stall
from market_app.payments import quickpay, services
from market_app.payments.schemas import QuickPayCreateSchema, QuickPaySchema, WebhookResultSchema

blp = Blueprint("payments", __name__, url_prefix="/api/v1", description="Stripe webhooks and quick pay")


@blp.route("/payments/stripe/webhook", methods=["POST"])
@blp.public
@blp.doc(parameters=[{"in": "header", "name": "Stripe-Signature", "required": True,
                      "schema": {"type": "string", "maxLength": 1024}}])
@blp.response(200, WebhookResultSchema)
@blp.errors(400, 503)
def stripe_webhook():
    """Stripe's signed events: verified, stored and answered at once, each processed once by a job"""
    payload = request.get_data()
    event = services.verify_event(payload, request.headers.get("Stripe-Signature"))
    result = services.receive_event(event, payload)
    uow.commit()  # then its job is queued
    return {"received": True, "event_id": event.id, "result": result}


def _quick_pay_view(pay_request) -> dict:
    url = quickpay.pay_url(pay_request)
    return {"id": pay_request.id, "token": pay_request.token, "stall_id": pay_request.stall_id,
            "stall_name": db.session.get(Stall, pay_request.stall_id).name, "amount": pay_request.amount,
            "memo": pay_request.memo, "status": pay_request.status.value, "pay_url": url,
            "qr_png": quickpay.qr_png_data_uri(url), "client_secret": pay_request.payment.client_secret,
            "payment_intent_id": pay_request.payment.payment_intent_id, "paid_at": pay_request.paid_at}


def _quick_pay_limit() -> str:
    return current_app.config["QUICK_PAY_RATE_LIMIT"]


def _signed_in_merchant() -> str:
    return f"user:{signed_in_user().id}"


@blp.route("/stalls/<int:stall_id>/quick-pay", methods=["POST"])
@login_required
@limiter.limit(_quick_pay_limit, key_func=_signed_in_merchant, scope="quick-pay")
@blp.arguments(QuickPayCreateSchema)
@blp.response(201, QuickPaySchema)
@blp.errors(401, 403, 404, 409, 422, 429, 503)
def create_quick_pay(data, stall_id):
    """Ask for an in-person payment: returns a pay URL and its QR code for the shopper to scan"""
    user = signed_in_user()
    stall = market_access.require_visible_stall(user, get_stall(stall_id))
    market_access.require_stall_owner(user, stall)
    if stall.status != StallStatus.ACTIVE:
        raise Conflict("Only an active stall can take payments.")
    pay_request = quickpay.create_request(stall, user, data["amount"], data["memo"])
    uow.commit()
    return _quick_pay_view(pay_request)


@blp.route("/quick-pay/<string:token>")
@blp.public
@blp.response(200, QuickPaySchema)
@blp.errors(404)
def read_quick_pay(token):
    """The payment request behind a QR code (public: the token is the secret)"""
    return _quick_pay_view(quickpay.get_by_token(token))
