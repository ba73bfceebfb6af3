"""Payment routes: Stripe's webhook, an order's payment, partial refunds of a stall order."""

import sqlalchemy as sa
from flask import Response, jsonify, request
from flask.views import MethodView
from sqlalchemy.exc import IntegrityError

from market_app.core.auth import login_required, signed_in_user
from market_app.core.blueprint import Blueprint
from market_app.core.db import db
from market_app.core.errors import Conflict, NotFound
from market_app.core.pagination import SelectPage
from market_app.core.schemas import DateRangeSchema
from market_app.markets import access as market_access
from market_app.markets.models import Stall, StallStatus
from market_app.markets.services import get_market, get_stall
from market_app.orders import access as order_access
from market_app.orders import services as orders
from market_app.payments import quickpay, services, settlement
from market_app.payments.models import Payout
from market_app.payments.schemas import (
    PaymentSchema,
    PayoutSchema,
    PeriodSchema,
    QuickPayCreateSchema,
    QuickPaySchema,
    RefundCreateSchema,
    RefundSchema,
    WebhookResultSchema,
)

payment_schema = PaymentSchema()
admin_payment_schema = PaymentSchema(exclude=("client_secret",))
blp = Blueprint("payments", __name__, url_prefix="/api/v1", description="Payments, refunds, quick pay, payouts")


@blp.route("/payments/stripe/webhook", methods=["POST"])
@blp.doc(security=[], parameters=[{"in": "header", "name": "Stripe-Signature", "required": True,
                                   "schema": {"type": "string"}}])
@blp.response(200, WebhookResultSchema)
@blp.errors(400, 503)
def stripe_webhook():
    """Stripe's signed events: verified, each processed once, never moving a payment backwards"""
    event = services.verify_event(request.get_data(), request.headers.get("Stripe-Signature"))
    try:
        result = services.handle_event(event)
        services.commit_and_send_refunds()
    except IntegrityError:
        # The same event delivered twice at once: the other delivery recorded it first.
        db.session.rollback()
        result = "duplicate"
    return {"received": True, "result": result}


@blp.route("/orders/<int:order_id>/payment")
class OrderPayment(MethodView):
    decorators = [login_required]

    @blp.alt_response(200, schema=PaymentSchema, success=True,
                      description="The payment; client_secret only for the shopper who placed the order")
    @blp.errors(401, 404)
    def get(self, order_id):
        """The order's payment: status, amount, refunds"""
        user = signed_in_user()
        order = order_access.require_order_viewer(user, orders.get_order(order_id))
        payment = services.payment_for_order(order.id)
        if payment is None:
            raise NotFound("This order has no payment.")
        return jsonify((payment_schema if order.user_id == user.id else admin_payment_schema).dump(payment))


@blp.route("/stall-orders/<int:stall_order_id>/refund", methods=["POST"])
@login_required
@blp.arguments(RefundCreateSchema)
@blp.response(201, RefundSchema)
@blp.errors(401, 403, 404, 409)
def refund_stall_order(data, stall_order_id):
    """Refund part of a paid stall order (its stall's owner or the market's admins), never beyond what was paid"""
    user = signed_in_user()
    stall_order = order_access.require_stall_order_refunder(user, orders.get_stall_order(stall_order_id))
    refund = orders.refund_part(stall_order, data["amount"], data["reason"], user)
    services.commit_and_send_refunds()
    return refund


def _quick_pay_view(request) -> dict:
    url = quickpay.pay_url(request)
    return {"id": request.id, "token": request.token, "stall_id": request.stall_id,
            "stall_name": db.session.get(Stall, request.stall_id).name, "amount": request.amount,
            "memo": request.memo, "status": request.status.value, "pay_url": url,
            "qr_png": quickpay.qr_png_data_uri(url), "client_secret": request.payment.client_secret,
            "payment_intent_id": request.payment.payment_intent_id, "paid_at": request.paid_at}


@blp.route("/stalls/<int:stall_id>/quick-pay", methods=["POST"])
@login_required
@blp.arguments(QuickPayCreateSchema)
@blp.response(201, QuickPaySchema)
@blp.errors(401, 403, 404, 503)
def create_quick_pay(data, stall_id):
    """Ask for an in-person payment: returns a pay URL and its QR code for the shopper to scan"""
    user = signed_in_user()
    stall = market_access.require_visible_stall(user, get_stall(stall_id))
    market_access.require_stall_owner(user, stall)
    if stall.status != StallStatus.ACTIVE:
        raise Conflict("Only an active stall can take payments.")
    request = quickpay.create_request(stall, user, data["amount"], data["memo"])
    db.session.commit()
    return _quick_pay_view(request)


@blp.route("/quick-pay/<string:token>")
@blp.doc(security=[])
@blp.response(200, QuickPaySchema)
@blp.errors(404)
def read_quick_pay(token):
    """The payment request behind a QR code (public: the token is the secret)"""
    return _quick_pay_view(quickpay.get_by_token(token))


@blp.route("/stalls/<int:stall_id>/payouts")
class StallPayouts(MethodView):
    decorators = [login_required]

    @blp.response(200, PayoutSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401, 403, 404)
    def get(self, stall_id):
        """A stall's payouts, newest first (its owner and the market's admins)"""
        user = signed_in_user()
        stall = market_access.require_visible_stall(user, get_stall(stall_id))
        market_access.require_stall_manager(user, stall)
        return sa.select(Payout).filter_by(stall_id=stall.id).order_by(Payout.id.desc())


@blp.route("/markets/<int:market_id>/payouts/run", methods=["POST"])
@login_required
@blp.arguments(PeriodSchema)
@blp.response(201, PayoutSchema(many=True))
@blp.errors(401, 403, 404, 409)
def run_payouts(period, market_id):
    """Pay each stall its unsettled sales of the period minus commission (market admins); a sale is paid once"""
    user = signed_in_user()
    market = get_market(market_id)
    market_access.require_market_admin(user, market)
    payouts = settlement.run_payouts(market, period["from_"], period["to"], user)
    db.session.commit()
    settlement.send_transfers(payouts)
    return payouts


@blp.route("/markets/<int:market_id>/payouts")
class MarketPayouts(MethodView):
    decorators = [login_required]

    @blp.arguments(DateRangeSchema, location="query")
    @blp.response(200, PayoutSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401, 403, 404)
    def get(self, args, market_id):
        """The market's payouts, newest first, by period (market admins)"""
        market = get_market(market_id)
        market_access.require_market_admin(signed_in_user(), market)
        return settlement.payouts_query(market, args.get("from_"), args.get("to"))


@blp.route("/markets/<int:market_id>/payouts/statement.csv")
@login_required
@blp.arguments(DateRangeSchema, location="query")
@blp.response(200, content_type="text/csv", description="One row per sale and a TOTAL row per payout")
@blp.errors(401, 403, 404)
def payout_statement(args, market_id):
    """Settlement statement of the market's payouts as CSV (for bank transfers and the books)"""
    market = get_market(market_id)
    market_access.require_market_admin(signed_in_user(), market)
    payouts = db.session.scalars(settlement.payouts_query(market, args.get("from_"), args.get("to"))).all()
    return Response(settlement.statement_csv(payouts), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=payouts-{market.slug}.csv"})
