"""The market's delivery desk: a slot's pick list (JSON, and CSV for printing), receiving a stall's part (with any
short pick refunded), and pickup orders collected at the desk."""

from flask import Response
from flask.views import MethodView

from market_app.core import uow
from market_app.core.auth import login_required, signed_in_user
from market_app.core.blueprint import Blueprint
from market_app.core.pagination import SelectPage
from market_app.delivery import access, desk, queries, services
from market_app.delivery import settings as delivery_settings
from market_app.delivery.schemas import (
    DeskStallOrderSchema,
    PickListArgsSchema,
    PickListSchema,
    PickupQueryArgsSchema,
    PickupSchema,
    ReceiveSchema,
)
from market_app.markets.services import get_market

blp = Blueprint("desk", __name__, url_prefix="/api/v1",
                description="The market's delivery desk: pick lists, receiving stalls' parts, desk pickups")


def _pick_list(market_id: int, slot_start):
    market = get_market(market_id)
    access.require_desk_staff(signed_in_user(), market)
    return desk.pick_list(market, delivery_settings.rules_for(market), slot_start)


@blp.route("/markets/<int:market_id>/delivery/pick-list")
class PickList(MethodView):
    decorators = [login_required]

    @blp.arguments(PickListArgsSchema, location="query")
    @blp.response(200, PickListSchema)
    @blp.errors(401, 403, 404)
    def get(self, args, market_id):
        """A slot's pick list by stall: the stall orders and items to bring, and which are at the desk already"""
        return _pick_list(market_id, args["slot_start"])


@blp.route("/markets/<int:market_id>/delivery/pick-list.csv")
class PickListCsv(MethodView):
    decorators = [login_required]

    @blp.arguments(PickListArgsSchema, location="query")
    @blp.response(200, content_type="text/csv", description="One row per item to bring, UTF-8 with BOM")
    @blp.errors(401, 403, 404)
    def get(self, args, market_id):
        """A slot's pick list as CSV for printing (the desk)"""
        listing = _pick_list(market_id, args["slot_start"])
        name = f"pick-list-{market_id}-{args['slot_start'].strftime('%Y%m%dT%H%M')}.csv"
        return Response(desk.pick_list_csv(listing), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blp.route("/stall-orders/<int:stall_order_id>/receive", methods=["POST"])
@login_required
@blp.arguments(ReceiveSchema)
@blp.response(200, DeskStallOrderSchema)
@blp.errors(401, 403, 404, 409)
def receive(data, stall_order_id):
    """The desk received a stall's part (its hand-over), with any units short: those are refunded exactly"""
    user = signed_in_user()
    stall_order = desk.receive(access.stall_order_for_desk(user, stall_order_id), user, data["shortfalls"])
    uow.commit()
    return desk.desk_view(stall_order)


@blp.route("/markets/<int:market_id>/pickups")
class MarketPickups(MethodView):
    decorators = [login_required]

    @blp.arguments(PickupQueryArgsSchema, location="query")
    @blp.response(200, PickupSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401, 403, 404)
    def get(self, args, market_id):
        """Pickup orders at the market's desk, newest first, by status (the desk)"""
        market = get_market(market_id)
        access.require_desk_staff(signed_in_user(), market)
        return queries.market_pickups(market, **args)


@blp.route("/pickups/<int:pickup_id>")
class PickupById(MethodView):
    decorators = [login_required]

    @blp.response(200, PickupSchema)
    @blp.errors(401, 404)
    def get(self, pickup_id):
        """A pickup order's ticket at the desk and its timeline (the shopper's own; the desk)"""
        return access.visible_pickup(signed_in_user(), pickup_id)


@blp.route("/pickups/<int:pickup_id>/collect", methods=["POST"])
@login_required
@blp.response(200, PickupSchema)
@blp.errors(401, 403, 404, 409)
def collect(pickup_id):
    """The shopper collected the bag at the desk (the desk); 409 until every part is at the desk"""
    user = signed_in_user()
    pickup = services.collect(access.pickup_for_desk(user, pickup_id), user)
    uow.commit()
    return pickup
