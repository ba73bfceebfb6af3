"""Dashboard routes: the merchant's (one stall or all of the owner's), the market's, the sales reports as CSV
and the stall's daily sheet."""

from flask import Response, stream_with_context

from market_app.core.auth import login_required, signed_in_user
from market_app.core.blueprint import Blueprint
from market_app.dashboards import services
from market_app.dashboards.schemas import (
    DailySheetSchema,
    DaySheetArgsSchema,
    MarketDashboardSchema,
    MerchantArgsSchema,
    MerchantDashboardSchema,
    PeriodArgsSchema,
)
from market_app.markets import access as market_access
from market_app.markets.models import Market, Stall
from market_app.markets.services import get_market, get_stall

blp = Blueprint("dashboards", __name__, url_prefix="/api/v1",
                description="Dashboards, sales reports and the daily sheet (figures by the market's local day)")


def _managed_stall(stall_id: int) -> Stall:
    """The stall's owner or its market's admins; a stall the user may not see is not found."""
    user = signed_in_user()
    stall = market_access.require_visible_stall(user, get_stall(stall_id))
    market_access.require_stall_manager(user, stall)
    return stall


def _administered_market(market_id: int) -> Market:
    market = get_market(market_id)
    market_access.require_market_admin(signed_in_user(), market)
    return market


def _csv(chunks, filename: str) -> Response:
    return Response(stream_with_context(chunks), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}", "Cache-Control": "no-store"})


@blp.route("/stalls/<int:stall_id>/dashboard")
@login_required
@blp.arguments(MerchantArgsSchema, location="query")
@blp.response(200, MerchantDashboardSchema)
@blp.errors(401, 403, 404, 422)
def stall_dashboard(args, stall_id):
    """A stall's figures for a period, each with its change against the period before (owner, market admins)"""
    return services.stall_dashboard(_managed_stall(stall_id), args)


@blp.route("/me/dashboard")
@login_required
@blp.arguments(MerchantArgsSchema, location="query")
@blp.response(200, MerchantDashboardSchema)
@blp.errors(401, 403, 422)
def owner_dashboard(args):
    """The signed-in merchant's figures across all of their stalls, and per stall"""
    return services.owner_dashboard(signed_in_user(), args)


@blp.route("/markets/<int:market_id>/dashboard")
@login_required
@blp.arguments(PeriodArgsSchema, location="query")
@blp.response(200, MarketDashboardSchema)
@blp.errors(401, 403, 404, 422)
def market_dashboard(args, market_id):
    """The market's figures for a period, each with its change against the period before (market admins)"""
    return services.market_dashboard(_administered_market(market_id), args)


@blp.route("/markets/<int:market_id>/reports/sales.csv")
@login_required
@blp.arguments(PeriodArgsSchema, location="query")
@blp.response(200, content_type="text/csv", description="One row per line sold, in-person sale and refund")
@blp.errors(401, 403, 404, 422)
def market_sales_csv(args, market_id):
    """The market's sales report as CSV (UTF-8 with BOM), streamed (market admins)"""
    market = _administered_market(market_id)
    return _csv(*services.sales_csv("market", market.id, market.timezone, args))


@blp.route("/stalls/<int:stall_id>/reports/sales.csv")
@login_required
@blp.arguments(PeriodArgsSchema, location="query")
@blp.response(200, content_type="text/csv", description="One row per line sold, in-person sale and refund")
@blp.errors(401, 403, 404, 422)
def stall_sales_csv(args, stall_id):
    """A stall's sales report as CSV (UTF-8 with BOM), streamed (owner, market admins)"""
    stall = _managed_stall(stall_id)
    return _csv(*services.sales_csv("stall", stall.id, stall.market.timezone, args))


@blp.route("/stalls/<int:stall_id>/daily-sheet")
@login_required
@blp.arguments(DaySheetArgsSchema, location="query")
@blp.response(200, DailySheetSchema)
@blp.errors(401, 403, 404, 422)
def daily_sheet(args, stall_id):
    """The stall's sheet for a day: orders to hand over by slot, yesterday's sales, the expected payout"""
    return services.stall_daily_sheet(_managed_stall(stall_id), args)
