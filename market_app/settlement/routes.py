"""Payout routes: run the payouts of a period, list them, and the settlement statement as CSV."""

import sqlalchemy as sa
from flask import Response
from flask.views import MethodView

from market_app.core import uow
from market_app.core.auth import login_required, signed_in_user
from market_app.core.blueprint import Blueprint
from market_app.core.db import db
from market_app.core.pagination import SelectPage
from market_app.core.schemas import DateRangeSchema
from market_app.markets import access as market_access
from market_app.markets.services import get_market, get_stall
from market_app.settlement import services, settling
from market_app.settlement.models import Payout
from market_app.settlement.schemas import BankTransferSchema, PayoutSchema, PeriodSchema

blp = Blueprint("settlement", __name__, url_prefix="/api/v1", description="Payouts and settlement statements")


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
    payouts = services.run_payouts(market, period["from_"], period["to"], user)
    uow.commit()  # then the transfers are sent
    return payouts


@blp.route("/payouts/<int:payout_id>/bank-transfer", methods=["POST"])
@login_required
@blp.arguments(BankTransferSchema)
@blp.response(200, PayoutSchema)
@blp.errors(401, 403, 404, 409, 503)
def record_bank_transfer(args, payout_id):
    """Record that the association paid this payout by bank (market admins): one owed by bank transfer, or a Stripe
    transfer that failed for good"""
    user = signed_in_user()
    payout = settling.administered_payout(payout_id, user)
    settling.record_bank_transfer(payout, user, args["reference"])
    uow.commit()
    return payout


@blp.route("/payouts/<int:payout_id>/resend", methods=["POST"])
@login_required
@blp.response(200, PayoutSchema)
@blp.errors(401, 403, 404, 409)
def resend_payout(payout_id):
    """Send a Stripe transfer that failed for good again, once its cause is fixed (market admins); pending until
    Stripe confirms it"""
    payout = settling.administered_payout(payout_id, signed_in_user())
    settling.resend(payout)
    uow.commit()  # then the transfer is sent
    return payout


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
        return services.payouts_query(market, args.get("from_"), args.get("to"))


@blp.route("/markets/<int:market_id>/payouts/statement.csv")
@login_required
@blp.arguments(DateRangeSchema, location="query")
@blp.response(200, content_type="text/csv", description="One row per sale and a TOTAL row per payout")
@blp.errors(401, 403, 404)
def payout_statement(args, market_id):
    """Settlement statement of the market's payouts as CSV (for bank transfers and the books)"""
    market = get_market(market_id)
    market_access.require_market_admin(signed_in_user(), market)
    payouts = db.session.scalars(services.payouts_query(market, args.get("from_"), args.get("to"))).all()
    return Response(services.statement_csv(payouts), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=payouts-{market.slug}.csv"})
