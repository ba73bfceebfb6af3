"""Entry points of the dashboards, one per view: resolve the period in the market's time zone, then read the
figures on the reporting session (a read replica when configured)."""

from collections.abc import Iterator

import sqlalchemy as sa

from market_app.accounts.models import User
from market_app.core.db import db
from market_app.core.errors import Forbidden
from market_app.dashboards import daily_sheet, merchant, reporting, reports
from market_app.dashboards import market as market_figures
from market_app.dashboards.periods import local_today, resolve
from market_app.markets.models import Market, Stall


def _timezone(stall: Stall) -> str:
    return db.session.scalar(sa.select(Market.timezone).where(Market.id == stall.market_id))


def stall_dashboard(stall: Stall, args: dict) -> dict:
    timezone = _timezone(stall)
    return merchant.merchant_dashboard(reporting.session(), [stall], resolve(args, timezone), args["low_stock_below"],
                                       single=True, timezone=timezone)


def owner_stalls(user: User) -> list[Stall]:
    stalls = db.session.scalars(sa.select(Stall).where(Stall.owner_id == user.id).order_by(Stall.id)).all()
    if not stalls:
        raise Forbidden("Only a stall's owner has a merchant dashboard.")
    return list(stalls)


def owner_dashboard(user: User, args: dict) -> dict:
    """Every stall of the owner together (each stall's days are its own market's local days)."""
    stalls = owner_stalls(user)
    timezone = _timezone(stalls[0])
    return merchant.merchant_dashboard(reporting.session(), stalls, resolve(args, timezone), args["low_stock_below"],
                                       single=False, timezone=timezone)


def market_dashboard(market: Market, args: dict) -> dict:
    return market_figures.market_dashboard(reporting.session(), market, resolve(args, market.timezone))


def sales_csv(scope: str, scope_id: int, timezone: str, args: dict) -> tuple[Iterator[str], str]:
    """The report's chunks and its file name; scope is "market" or "stall"."""
    period = resolve(args, timezone)
    name = f"sales-{scope}-{scope_id}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return reports.sales_csv(reporting.session(), scope, scope_id, period), name


def stall_daily_sheet(stall: Stall, args: dict) -> dict:
    return daily_sheet.daily_sheet(stall, args.get("date") or local_today(_timezone(stall)))
