"""What the payout tests share: the weekly run and the sweep as their jobs run them, the payout as its market's
admin reads it, and the ways Stripe refuses transfers."""

import sqlalchemy as sa

from market_app.core import uow
from market_app.core.db import utcnow
from market_app.extensions import db
from market_app.settlement import services, transfers
from market_app.settlement.models import Payout
from tests.helpers import API
from tests.stripe_faults import stripe_error

NET = 6000 - 180  # 2 x 배추 at 3,000, 3 % commission

TRANSFERS = r"/v1/transfers"
RATE_LIMITED = ("POST", TRANSFERS, stripe_error(429, "invalid_request_error", "Too many requests", "rate_limit"))
SERVER_ERROR = ("GET", TRANSFERS, stripe_error(500, "api_error", "Something went wrong on Stripe's end."))
NO_SUCH_DESTINATION = ("POST", TRANSFERS, stripe_error(400, "invalid_request_error", "No such destination",
                                                       "resource_missing", "destination"))
LOOKUP_REFUSED = ("GET", TRANSFERS, stripe_error(400, "invalid_request_error", "Invalid transfer_group",
                                                 "parameter_invalid", "transfer_group"))


def weekly_run(shop) -> int:
    monday = services.last_week(utcnow(), shop.market.timezone)[0]
    with uow.unit_of_work():  # as the job runs it: the transfers are sent after its commit
        return services.run_week_payouts(shop.market.id, monday.isoformat())


def sweep() -> str:
    with uow.unit_of_work():  # as the periodic job runs it
        return transfers.sweep_transfers()


def listed(client, shop) -> dict:
    """The payout as the market's admin reads it."""
    resp = client.get(f"{API}/markets/{shop.market.id}/payouts", headers=shop.admin_headers)
    assert resp.status_code == 200, resp.json
    [payout] = resp.json
    return payout


def transfers_to(stripe_client, account: str) -> list:
    return stripe_client.v1.transfers.list({"destination": account, "limit": 100}).data


def payout_row() -> Payout:
    db.session.expire_all()
    return db.session.scalars(sa.select(Payout)).one()
