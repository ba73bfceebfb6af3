"""Market, member, stall and map routes."""

from flask.views import MethodView

from market_app.core import cache, uow
from market_app.core.auth import login_required, optional_user, signed_in_user
from market_app.core.blueprint import Blueprint
from market_app.core.pagination import Rows, SelectPage
from market_app.core.schemas import DumpedObject, row_dumper
from market_app.core.versions import MARKET_LIST, market_scope
from market_app.markets import access, services
from market_app.markets.models import Market, Stall, StallStatus
from market_app.markets.schemas import (
    MapStallSchema,
    MarketMapSchema,
    MarketQueryArgsSchema,
    MarketSchema,
    MarketUpdateSchema,
    MemberCreateSchema,
    MemberRemoveArgsSchema,
    MemberSchema,
    MeSchema,
    PayoutAccountSchema,
    StallQueryArgsSchema,
    StallSchema,
    StallStatusChangeSchema,
    StallUpdateSchema,
)

blp = Blueprint("markets", __name__, url_prefix="/api/v1", description="Markets, members, stalls and the map")


market_json = row_dumper(MarketSchema(), computed=("distance_km",))
stall_json = row_dumper(StallSchema(), computed=("open_now", "has_payout_account"), json_text=("hours",))
map_stall_json = row_dumper(MapStallSchema(), computed=("open_now",))
MARKET_COLUMNS, STALL_COLUMNS = market_json.columns(Market.__table__), stall_json.columns(Stall.__table__)
MAP_STALL_COLUMNS = map_stall_json.columns(Stall.__table__)


def _market_scope(view_args: dict) -> str:
    return market_scope(view_args["market_id"])


def _public_stall_list(args) -> bool:
    """Active stalls are the same list for everyone; other statuses are for the market's admins only."""
    return args.get("status", "active") == "active"


@blp.route("/me")
class Me(MethodView):
    decorators = [login_required]

    @blp.response(200, MeSchema)
    @blp.errors(401)
    def get(self):
        """The signed-in user with their market memberships and stalls"""
        user = signed_in_user()
        memberships, stalls = services.roles_of(user)
        return {"id": user.id, "email": user.email, "name": user.name, "created_at": user.created_at,
                "is_platform_admin": user.is_platform_admin, "memberships": memberships, "stalls": stalls}


@blp.route("/markets")
class Markets(MethodView):
    @cache.public(lambda _view_args: MARKET_LIST)
    @blp.public
    @blp.arguments(MarketQueryArgsSchema, location="query")
    @blp.response(200, MarketSchema(many=True))
    @blp.paginate(SelectPage)
    def get(self, args):
        """List markets, by name or region, nearest first when lat/lng are given"""
        stmt, params, facts = services.market_rows(MARKET_COLUMNS, **args)
        return Rows(stmt, lambda rows: market_json.many(rows, facts), params)

    @login_required
    @blp.arguments(MarketSchema)
    @blp.response(201, MarketSchema)
    @blp.errors(401, 403, 409)
    def post(self, data):
        """Create a market (platform admin)"""
        access.require_platform_admin(signed_in_user())
        market = services.create_market(data)
        uow.commit()
        return market


@blp.route("/markets/<int:market_id>")
class MarketById(MethodView):
    @cache.public(_market_scope)
    @blp.public
    @blp.response(200, MarketSchema)
    @blp.errors(404)
    def get(self, market_id):
        """Read a market"""
        return services.get_market(market_id)

    @login_required
    @blp.arguments(MarketUpdateSchema(partial=True))
    @blp.response(200, MarketSchema)
    @blp.errors(401, 403, 404, 409)
    def patch(self, changes, market_id):
        """Edit a market (its admins)"""
        market = services.get_market(market_id)
        access.require_market_admin(signed_in_user(), market)
        services.update_market(market, changes)
        uow.commit()
        return market


@blp.route("/markets/<int:market_id>/members")
class Members(MethodView):
    decorators = [login_required]

    @blp.response(200, MemberSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(401, 403, 404)
    def get(self, market_id):
        """List a market's admins and couriers (its admins)"""
        market = services.get_market(market_id)
        access.require_market_admin(signed_in_user(), market)
        return services.members_query(market)

    @blp.arguments(MemberCreateSchema)
    @blp.response(201, MemberSchema)
    @blp.errors(401, 403, 404, 409)
    def post(self, data, market_id):
        """Appoint an existing user by email: couriers by the market's admins, admins by the platform admin"""
        market = services.get_market(market_id)
        access.require_member_manager(signed_in_user(), market, data["role"])
        membership = services.add_member(market, data["email"], data["role"])
        uow.commit()
        return membership


@blp.route("/markets/<int:market_id>/members/<int:user_id>")
class MemberById(MethodView):
    decorators = [login_required]

    @blp.arguments(MemberRemoveArgsSchema, location="query")
    @blp.response(204)
    @blp.errors(401, 403, 404)
    def delete(self, args, market_id, user_id):
        """Remove a user's memberships of the market (?role= one of them): couriers by its admins, admins by the
        platform admin"""
        user, market = signed_in_user(), services.get_market(market_id)
        access.require_market_admin(user, market)
        memberships = services.memberships_of(market, user_id, args.get("role"))
        for membership in memberships:
            access.require_member_manager(user, market, membership.role)
        services.remove_members(memberships)
        uow.commit()


@blp.route("/markets/<int:market_id>/map")
class MarketMap(MethodView):
    @cache.public(_market_scope, vary=services.opening_bucket)
    @blp.public
    @blp.response(200, MarketMapSchema)
    @blp.errors(404)
    def get(self, market_id):
        """The market map: active stalls with aisle code and x/y position"""
        about, rows, facts = services.market_map(market_id, MAP_STALL_COLUMNS)
        return DumpedObject(about, stalls=map_stall_json.many(rows, facts))


@blp.route("/markets/<int:market_id>/stalls")
class MarketStalls(MethodView):
    @cache.public(_market_scope, vary=services.opening_bucket, when=_public_stall_list)
    @blp.public
    @blp.arguments(StallQueryArgsSchema, location="query")
    @blp.response(200, StallSchema(many=True))
    @blp.paginate(SelectPage)
    @blp.errors(403, 404)
    def get(self, args, market_id):
        """List a market's active stalls by category, text and open now (admins may list other statuses)"""
        if args.get("status", StallStatus.ACTIVE) != StallStatus.ACTIVE:
            access.require_market_admin(optional_user(), services.get_market(market_id))
        stmt, params, facts, recheck = services.stall_rows(market_id, STALL_COLUMNS, **args)
        return Rows(stmt, lambda rows: stall_json.many(rows, facts), params,
                    on_empty=lambda: services.listing_market(market_id), recheck=recheck)  # no such market: 404

    @login_required
    @blp.arguments(StallSchema)
    @blp.response(201, StallSchema)
    @blp.errors(401, 404)
    def post(self, data, market_id):
        """Apply for a stall in this market; it stays pending until the association approves it"""
        market = services.get_market(market_id)
        stall = services.apply_for_stall(market, signed_in_user(), data)
        uow.commit()
        return stall


@blp.route("/stalls/<int:stall_id>")
class StallById(MethodView):
    @blp.public
    @blp.response(200, StallSchema)
    @blp.errors(404)
    def get(self, stall_id):
        """Read a stall (pending and suspended stalls only for their owner and the market's admins)"""
        stall = access.require_visible_stall(optional_user(), services.get_stall(stall_id))
        return stall

    @login_required
    @blp.arguments(StallUpdateSchema(partial=True))
    @blp.response(200, StallSchema)
    @blp.errors(401, 403, 404)
    def patch(self, changes, stall_id):
        """Edit a stall (its owner or the market's admins)"""
        user = signed_in_user()
        stall = access.require_visible_stall(user, services.get_stall(stall_id))
        access.require_stall_manager(user, stall)
        services.update_stall(stall, changes)
        uow.commit()
        return stall


def _change_stall_status(stall_id: int, reason: str | None, transition):
    user = signed_in_user()
    stall = access.require_visible_stall(user, services.get_stall(stall_id))
    access.require_market_admin(user, stall.market)
    transition(stall, reason)
    uow.commit()
    return stall


@blp.route("/stalls/<int:stall_id>/approve", methods=["POST"])
@login_required
@blp.arguments(StallStatusChangeSchema, required=False)
@blp.response(200, StallSchema)
@blp.errors(401, 403, 404, 409)
def approve_stall(data, stall_id):
    """Approve (or reinstate) a stall (market admins)"""
    return _change_stall_status(stall_id, data["reason"], services.approve_stall)


@blp.route("/stalls/<int:stall_id>/suspend", methods=["POST"])
@login_required
@blp.arguments(StallStatusChangeSchema, required=False)
@blp.response(200, StallSchema)
@blp.errors(401, 403, 404, 409)
def suspend_stall(data, stall_id):
    """Suspend a stall; it disappears from public lists (market admins)"""
    return _change_stall_status(stall_id, data["reason"], services.suspend_stall)


@blp.route("/stalls/<int:stall_id>/payout-account")
class StallPayoutAccount(MethodView):
    decorators = [login_required]

    @blp.response(200, PayoutAccountSchema)
    @blp.errors(401, 403, 404)
    def get(self, stall_id):
        """Where the stall's payouts go, and who changed it when (its owner, the market's admins)"""
        user = signed_in_user()
        stall = access.require_visible_stall(user, services.get_stall(stall_id))
        access.require_stall_manager(user, stall)
        return services.payout_account(stall)

    @blp.arguments(PayoutAccountSchema)
    @blp.response(200, PayoutAccountSchema)
    @blp.errors(401, 403, 404)
    def put(self, data, stall_id):
        """Set the Stripe connected account the stall is paid to, audited (platform admin only)"""
        user = signed_in_user()
        stall = access.require_visible_stall(user, services.get_stall(stall_id))
        access.require_platform_admin(user)
        account = services.set_payout_account(stall, data["stripe_account_id"], user)
        uow.commit()
        return account
