"""Delivery settings, the quote and slot list (public), and the deliveries: the shopper reads their own, the
market's couriers claim, pick up, deliver or fail them, its admins assign, re-slot or cancel them."""

from flask import jsonify
from flask.views import MethodView

from market_app.core import cache, uow, versions
from market_app.core.auth import login_required, signed_in_user
from market_app.core.blueprint import Blueprint
from market_app.core.db import utcnow
from market_app.core.pagination import SelectPage
from market_app.delivery import access, queries, quote, services
from market_app.delivery import settings as delivery_settings
from market_app.delivery.schemas import (
    AssignSchema,
    DeliverSchema,
    DeliveryCancelSchema,
    DeliveryQueryArgsSchema,
    DeliverySchema,
    DeliverySettingsSchema,
    FailSchema,
    QuoteArgsSchema,
    QuoteSchema,
    ReslotSchema,
    SlotsArgsSchema,
    SlotSchema,
)
from market_app.markets import access as market_access
from market_app.markets.services import get_market

blp = Blueprint("delivery", __name__, url_prefix="/api/v1",
                description="Delivery settings, quotes, slots, and deliveries from the market's desk")
delivery_schema = DeliverySchema()
shopper_delivery_schema = DeliverySchema(exclude=("fee_shares",))


def _delivery_scope(view_args: dict) -> str:
    return versions.delivery_scope(view_args["market_id"])


@blp.route("/markets/<int:market_id>/delivery/settings")
class Settings(MethodView):
    @blp.public
    @blp.response(200, DeliverySettingsSchema)
    @blp.errors(404)
    def get(self, market_id):
        """A market's delivery settings (anyone; a market that never set them does not deliver)"""
        return delivery_settings.settings_of(get_market(market_id))

    @login_required
    @blp.arguments(DeliverySettingsSchema)
    @blp.response(200, DeliverySettingsSchema)
    @blp.errors(401, 403, 404)
    def put(self, data, market_id):
        """Replace a market's delivery settings (its admins)"""
        market = get_market(market_id)
        market_access.require_market_admin(signed_in_user(), market)
        settings = delivery_settings.replace_settings(market, data)
        uow.commit()
        return settings


@blp.route("/markets/<int:market_id>/delivery/quote")
class Quote(MethodView):
    # Quotes and slot lists are asked on every basket change: served from the public cache, which a change of the
    # terms or of a slot's places makes miss at once; open slots move with the time, so answers keep a minute.
    @cache.public(_delivery_scope, vary=cache.this_minute)
    @blp.public
    @blp.arguments(QuoteArgsSchema, location="query")
    @blp.response(200, QuoteSchema)
    @blp.errors(404)
    def get(self, args, market_id):
        """Delivery to a point: distance, ring, fee, what is left to free delivery, and the next open slots"""
        return quote.quote(market_id, args["lat"], args["lng"], args["subtotal"], utcnow())


@blp.route("/markets/<int:market_id>/delivery/slots")
class Slots(MethodView):
    @cache.public(_delivery_scope, vary=cache.this_minute)
    @blp.public
    @blp.arguments(SlotsArgsSchema, location="query")
    @blp.response(200, SlotSchema(many=True))
    @blp.errors(404)
    def get(self, args, market_id):
        """The delivery slots of one local date with their places left (a JSON array)"""
        return quote.day_slots(market_id, args["date"], utcnow())


@blp.route("/markets/<int:market_id>/deliveries")
class MarketDeliveries(MethodView):
    decorators = [login_required]

    @blp.arguments(DeliveryQueryArgsSchema, location="query")
    @blp.response(200, DeliverySchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401, 403, 404)
    def get(self, args, market_id):
        """The market's deliveries by slot, by status, slot date, courier and readiness (its couriers and admins)"""
        market = get_market(market_id)
        access.require_desk_staff(signed_in_user(), market)
        return queries.market_deliveries(market, **args)


@blp.route("/deliveries/<int:delivery_id>")
class DeliveryById(MethodView):
    decorators = [login_required]

    @blp.alt_response(200, schema=DeliverySchema, success=True,
                      description="The delivery with its timeline; fee_shares only for the market's desk")
    @blp.errors(401, 404)
    def get(self, delivery_id):
        """A delivery and its timeline (the shopper's own; the market's couriers and admins)"""
        user = signed_in_user()
        delivery = access.visible_delivery(user, delivery_id)
        own = delivery.order.user_id == user.id and not access.is_desk_staff(user, delivery.market_id)
        return jsonify((shopper_delivery_schema if own else delivery_schema).dump(delivery))


@blp.route("/deliveries/<int:delivery_id>/claim", methods=["POST"])
@login_required
@blp.response(200, DeliverySchema)
@blp.errors(401, 403, 404, 409)
def claim(delivery_id):
    """Take a requested delivery (a courier of its market); of two claims at once one wins, the other is 409"""
    user = signed_in_user()
    delivery = services.claim(access.delivery_for_courier(user, delivery_id), user)
    uow.commit()
    return delivery


@blp.route("/deliveries/<int:delivery_id>/assign", methods=["POST"])
@login_required
@blp.arguments(AssignSchema)
@blp.response(200, DeliverySchema)
@blp.errors(401, 403, 404, 409)
def assign(data, delivery_id):
    """Assign or reassign a delivery to one of the market's couriers (market admins)"""
    user = signed_in_user()
    delivery = services.assign(access.delivery_for_admin(user, delivery_id), data["courier_id"], user)
    uow.commit()
    return delivery


@blp.route("/deliveries/<int:delivery_id>/pickup", methods=["POST"])
@login_required
@blp.response(200, DeliverySchema)
@blp.errors(401, 403, 404, 409)
def pickup(delivery_id):
    """The assigned courier takes the bag from the desk; 409 until every remaining stall order is ready"""
    user = signed_in_user()
    delivery = services.pick_up(access.delivery_for_its_courier(user, delivery_id), user)
    uow.commit()
    return delivery


@blp.route("/deliveries/<int:delivery_id>/deliver", methods=["POST"])
@login_required
@blp.arguments(DeliverSchema)
@blp.response(200, DeliverySchema)
@blp.errors(401, 403, 404, 409)
def deliver(data, delivery_id):
    """The assigned courier delivered it, with an optional note"""
    user = signed_in_user()
    delivery = services.deliver(access.delivery_for_its_courier(user, delivery_id), user, data["note"])
    uow.commit()
    return delivery


@blp.route("/deliveries/<int:delivery_id>/fail", methods=["POST"])
@login_required
@blp.arguments(FailSchema)
@blp.response(200, DeliverySchema)
@blp.errors(401, 403, 404, 409)
def fail(data, delivery_id):
    """The assigned courier could not deliver it (with a reason); the market's admins re-slot or cancel it"""
    user = signed_in_user()
    delivery = services.fail(access.delivery_for_its_courier(user, delivery_id), user, data["reason"])
    uow.commit()
    return delivery


@blp.route("/deliveries/<int:delivery_id>/reslot", methods=["POST"])
@login_required
@blp.arguments(ReslotSchema)
@blp.response(200, DeliverySchema)
@blp.errors(401, 403, 404, 409)
def reslot(data, delivery_id):
    """Move a delivery (a failed one too) to another open slot (market admins); a courier claims it again"""
    user = signed_in_user()
    delivery = services.reslot(access.delivery_for_admin(user, delivery_id), data["slot_start"], user)
    uow.commit()
    return delivery


@blp.route("/deliveries/<int:delivery_id>/cancel", methods=["POST"])
@login_required
@blp.arguments(DeliveryCancelSchema)
@blp.response(200, DeliverySchema)
@blp.errors(401, 403, 404, 409)
def cancel(data, delivery_id):
    """Cancel a delivery not out with a courier (market admins): the shopper gets goods and fee back, exactly"""
    user = signed_in_user()
    delivery = services.cancel(access.delivery_for_admin(user, delivery_id), user, data["reason"])
    uow.commit()
    return delivery
