"""Every payout route refused to every role that may not use it (nothing written), allowed to those who may, and
a meta-test that no settlement route is missing from the matrix.

The world (tests.helpers.role_world): the merchant's active stall has a payout owed by bank transfer and one whose
Stripe transfer failed for good, with a connected account again, so either can be settled."""

import uuid
from datetime import date

import pytest

from market_app.extensions import db
from market_app.settlement.models import Payout, PayoutMethod, PayoutStatus
from tests.helpers import RoleWorld, assert_error, every_row, role_world

STRANGERS = {"anonymous": 401, "shopper": 403, "other_merchant": 403, "other_market_admin": 403, "courier": 403}
ADMINS_ONLY = STRANGERS | {"merchant": 403}
# A payout is not found by those who do not see it; its stall's owner sees it, and may not settle it.
SETTLE = {role: 404 for role in STRANGERS} | {"anonymous": 401, "merchant": 403}
ADMINS = ("market_admin", "platform_admin")
PERIOD = {"from": "2026-11-02", "to": "2026-11-08"}

# name: (method, url, body, {role: expected status}, roles allowed, their status)
MATRIX = {
    "stall payouts": ("GET", "/stalls/{stall}/payouts", None, STRANGERS, ("merchant", *ADMINS), 200),
    "run payouts": ("POST", "/markets/{market}/payouts/run", PERIOD, ADMINS_ONLY, ADMINS, 201),
    "market payouts": ("GET", "/markets/{market}/payouts", None, ADMINS_ONLY, ADMINS, 200),
    "statement csv": ("GET", "/markets/{market}/payouts/statement.csv", None, ADMINS_ONLY, ADMINS, 200),
    "record bank transfer": ("POST", "/payouts/{bank_payout}/bank-transfer", {"reference": "신한 110-1"}, SETTLE,
                             ADMINS, 200),
    "resend transfer": ("POST", "/payouts/{failed_payout}/resend", {}, SETTLE, ADMINS, 200),
}
CASES = [pytest.param(name, role, status, id=f"{name}-{role}")
         for name, (_m, _u, _b, refusals, _allowed, _ok) in MATRIX.items() for role, status in refusals.items()]
ALLOWED = [pytest.param(name, role, id=f"{name}-{role}")
           for name, (_m, _u, _b, _refusals, allowed, _ok) in MATRIX.items() for role in allowed]


def _payout(world: RoleWorld, method: PayoutMethod, status: PayoutStatus) -> int:
    payout = Payout(market_id=world.market.id, stall_id=world.stall.id, period_start=date(2026, 11, 2),
                    period_end=date(2026, 11, 8), gross=10000, refunds=0, commission=300, delivery_fees=0, net=9700,
                    commission_bps=300, method=method, status=status, transfer_group=f"roles-{uuid.uuid4().hex}")
    db.session.add(payout)
    db.session.commit()
    return payout.id


@pytest.fixture
def world(make) -> RoleWorld:
    world = role_world(make)
    world.stall.stripe_account_id = f"acct_{uuid.uuid4().hex[:16]}"
    world.ids |= {"bank_payout": _payout(world, PayoutMethod.BANK_TRANSFER, PayoutStatus.PENDING),
                  "failed_payout": _payout(world, PayoutMethod.STRIPE_TRANSFER, PayoutStatus.FAILED)}
    return world


def _call(client, world: RoleWorld, name: str, role: str):
    method, url, body, *_ = MATRIX[name]
    return client.open("/api/v1" + url.format(**world.ids), method=method, json=body, headers=world.headers[role])


@pytest.mark.parametrize(("name", "role", "status"), CASES)
def test_refused_settlement_route_for_role_changes_nothing(client, world, name, role, status):
    before = every_row()

    resp = _call(client, world, name, role)

    assert_error(resp, status)
    assert every_row() == before


@pytest.mark.parametrize(("name", "role"), ALLOWED)
def test_allowed_role_gets_the_settlement_route(client, world, name, role):
    resp = _call(client, world, name, role)

    assert resp.status_code == MATRIX[name][5], resp.data[:300]


def test_every_settlement_route_is_in_the_matrix(app):
    routes = {(method, rule.rule.removeprefix("/api/v1")) for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("settlement.") for method in rule.methods - {"HEAD", "OPTIONS"}}
    covered = {(method, url.replace("{stall}", "<int:stall_id>").replace("{market}", "<int:market_id>")
                .replace("{bank_payout}", "<int:payout_id>").replace("{failed_payout}", "<int:payout_id>"))
               for method, url, *_ in MATRIX.values()}

    assert routes and routes == covered
