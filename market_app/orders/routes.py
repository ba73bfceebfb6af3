"""Cart, order placement, shopper orders, stall order handling and the market's order list."""

from flask import current_app, jsonify
from flask.views import MethodView

from market_app.core import uow
from market_app.core.auth import login_required, signed_in_user
from market_app.core.blueprint import Blueprint
from market_app.core.errors import NotFound
from market_app.core.pagination import SelectPage
from market_app.extensions import limiter
from market_app.markets import access as market_access
from market_app.markets.services import get_market, get_stall
from market_app.orders import access, cart, checkout, queries, services
from market_app.orders.schemas import (
    CartSchema,
    CartUpdateSchema,
    IdempotencyHeaderSchema,
    MarketOrderQueryArgsSchema,
    MerchantStallOrderSchema,
    OrderCreateSchema,
    OrderQueryArgsSchema,
    OrderSchema,
    RejectSchema,
    StallOrderQueryArgsSchema,
)
from market_app.orders.status import StallOrderAction
from market_app.payments import services as payments
from market_app.payments.schemas import PaymentSchema, RefundCreateSchema, RefundSchema

blp = Blueprint("orders", __name__, url_prefix="/api/v1", description="Cart, orders and stall orders")
order_schema = OrderSchema()
admin_order_schema = OrderSchema(exclude=("payment.client_secret",))
payment_schema = PaymentSchema()
admin_payment_schema = PaymentSchema(exclude=("client_secret",))


def _order_limit() -> str:
    return current_app.config["ORDER_RATE_LIMIT"]


@blp.route("/markets/<int:market_id>/cart")
class MarketCart(MethodView):
    decorators = [login_required]

    @blp.response(200, CartSchema)
    @blp.errors(401, 404)
    def get(self, market_id):
        """The shopper's cart in this market, at current prices, flagging what can no longer be bought"""
        return cart.view(signed_in_user(), get_market(market_id))

    @blp.arguments(CartUpdateSchema)
    @blp.response(200, CartSchema)
    @blp.errors(401, 404)
    def put(self, data, market_id):
        """Replace the cart's lines (an empty list empties it)"""
        user, market = signed_in_user(), get_market(market_id)
        cart.replace_items(user, market, data["items"])
        uow.commit()
        return cart.view(user, market)


@blp.route("/orders")
class Orders(MethodView):
    decorators = [login_required]

    @blp.arguments(OrderQueryArgsSchema, location="query")
    @blp.response(200, OrderSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401)
    def get(self, args):
        """The shopper's own orders, newest first"""
        return queries.shopper_orders(signed_in_user(), **args)

    @limiter.limit(_order_limit, scope="orders")
    @blp.arguments(IdempotencyHeaderSchema, location="headers")
    @blp.arguments(OrderCreateSchema)
    @blp.response(201, OrderSchema)
    @blp.alt_response(200, schema=OrderSchema, description="A replay of an Idempotency-Key: the original order")
    @blp.errors(401, 409, 429, 503)
    def post(self, headers, data):
        """Place an order from one market's stalls (or the saved cart); creates its Stripe payment"""
        order, created = checkout.place_order(signed_in_user(), data, headers["idempotency_key"])
        # Dumped before the commit, from what is being written: nothing is read back (a replay loads its order).
        body = order_schema.dump(order if created else queries.load_order(order.id))
        uow.commit()
        return jsonify(body), 201 if created else 200


@blp.route("/orders/<int:order_id>")
class OrderById(MethodView):
    decorators = [login_required]

    @blp.alt_response(200, schema=OrderSchema, success=True,
                      description="The order; payment.client_secret only for the shopper who placed it")
    @blp.errors(401, 404)
    def get(self, order_id):
        """Read an order (the shopper's own, or any order of a market for its admins)"""
        user = signed_in_user()
        order = access.require_order_viewer(user, services.get_order(order_id))
        # Commit either way: an overdue order is expired, or found paid at Stripe (the event is late) and kept.
        services.expire_if_overdue(order)
        uow.commit()
        return jsonify((order_schema if order.user_id == user.id else admin_order_schema).dump(order))


@blp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@login_required
@blp.response(200, OrderSchema)
@blp.errors(401, 403, 404, 409)
def cancel_order(order_id):
    """Cancel the whole order while no stall has accepted it; a paid order is refunded in full"""
    user = signed_in_user()
    order = access.require_order_owner(user, services.get_order(order_id))
    services.cancel_order(order, user)
    uow.commit()
    return order


@blp.route("/stalls/<int:stall_id>/orders")
class StallOrders(MethodView):
    decorators = [login_required]

    @blp.arguments(StallOrderQueryArgsSchema, location="query")
    @blp.response(200, MerchantStallOrderSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401, 403, 404)
    def get(self, args, stall_id):
        """A stall's paid orders, newest first, by status (its owner and the market's admins)"""
        user = signed_in_user()
        stall = market_access.require_visible_stall(user, get_stall(stall_id))
        market_access.require_stall_manager(user, stall)
        return queries.stall_orders(stall, **args)


@blp.route("/markets/<int:market_id>/orders")
class MarketOrders(MethodView):
    decorators = [login_required]

    @blp.arguments(MarketOrderQueryArgsSchema, location="query")
    @blp.response(200, OrderSchema(many=True, exclude=("payment.client_secret",)))
    @blp.paginate(SelectPage)
    @blp.errors(401, 403, 404)
    def get(self, args, market_id):
        """Every order of the market, by status, stall and local date range (the market's admins)"""
        market = get_market(market_id)
        market_access.require_market_admin(signed_in_user(), market)
        return queries.market_orders(market, **args)


def _act(stall_order_id: int, action: StallOrderAction, reason: str | None = None):
    user = signed_in_user()
    stall_order = access.require_stall_order_merchant(user, services.get_stall_order(stall_order_id))
    services.transition(stall_order, action, user, reason)
    uow.commit()
    return stall_order


@blp.route("/stall-orders/<int:stall_order_id>/accept", methods=["POST"])
@login_required
@blp.response(200, MerchantStallOrderSchema)
@blp.errors(401, 403, 404, 409)
def accept(stall_order_id):
    """Accept the stall's part of a paid order"""
    return _act(stall_order_id, StallOrderAction.ACCEPT)


@blp.route("/stall-orders/<int:stall_order_id>/reject", methods=["POST"])
@login_required
@blp.arguments(RejectSchema)
@blp.response(200, MerchantStallOrderSchema)
@blp.errors(401, 403, 404, 409)
def reject(data, stall_order_id):
    """Reject the stall's part with a reason: its stock is released and its part refunded exactly"""
    return _act(stall_order_id, StallOrderAction.REJECT, data["reason"])


@blp.route("/stall-orders/<int:stall_order_id>/ready", methods=["POST"])
@login_required
@blp.response(200, MerchantStallOrderSchema)
@blp.errors(401, 403, 404, 409)
def ready(stall_order_id):
    """Mark the stall's part packed and ready at the stall"""
    return _act(stall_order_id, StallOrderAction.READY)


@blp.route("/stall-orders/<int:stall_order_id>/hand-over", methods=["POST"])
@login_required
@blp.response(200, MerchantStallOrderSchema)
@blp.errors(401, 403, 404, 409)
def hand_over(stall_order_id):
    """Hand the stall's part to the shopper or the delivery desk"""
    return _act(stall_order_id, StallOrderAction.HAND_OVER)


@blp.route("/stall-orders/<int:stall_order_id>/refund", methods=["POST"])
@login_required
@blp.arguments(RefundCreateSchema)
@blp.response(201, RefundSchema)
@blp.errors(401, 403, 404, 409)
def refund_stall_order(data, stall_order_id):
    """Refund part of a paid stall order (its stall's owner or the market's admins), never beyond what was paid"""
    user = signed_in_user()
    stall_order = access.require_stall_order_refunder(user, services.get_stall_order(stall_order_id))
    refund = services.refund_part(stall_order, data["amount"], data["reason"], user)
    uow.commit()
    return refund


@blp.route("/orders/<int:order_id>/payment")
class OrderPayment(MethodView):
    decorators = [login_required]

    @blp.alt_response(200, schema=PaymentSchema, success=True,
                      description="The payment; client_secret only for the shopper who placed the order")
    @blp.errors(401, 404)
    def get(self, order_id):
        """The order's payment: status, amount, refunds"""
        user = signed_in_user()
        order = access.require_order_viewer(user, services.get_order(order_id))
        payment = payments.payment_for_order(order.id)
        if payment is None:
            raise NotFound("This order has no payment.")
        return jsonify((payment_schema if order.user_id == user.id else admin_payment_schema).dump(payment))
