"""Payment routes: Stripe's webhook, an order's payment, partial refunds of a stall order."""

from flask import jsonify, request
from flask.views import MethodView
from sqlalchemy.exc import IntegrityError

from market_app.core.auth import login_required, signed_in_user
from market_app.core.blueprint import Blueprint
from market_app.core.db import db
from market_app.core.errors import NotFound
from market_app.orders import access as order_access
from market_app.orders import services as orders
from market_app.payments import services
from market_app.payments.schemas import PaymentSchema, WebhookResultSchema

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
