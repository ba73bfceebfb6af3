"""The real app plus four benchmark-only routes (never part of the product): the per-request overhead of each layer
a route can add, measured by bench/run.sh against the bare Flask route. Each returns the same small JSON object.

/bench/plain        the app's own request hooks only (no token, no rate limit, no schema)
/bench/token        + a bearer token: JWT decoded and its user loaded (one SELECT)
/bench/limited      + a rate limit checked and counted (flask-limiter, in memory per worker unless Redis is set)
/bench/dumped       + a marshmallow schema dump of 20 stall rows (the StallSchema of the stall list)
"""

from datetime import UTC, datetime

from flask import Blueprint

from market_app import create_app
from market_app.core.auth import login_required, signed_in_user
from market_app.extensions import limiter
from market_app.markets.models import StallStatus
from market_app.markets.schemas import StallSchema

STALL = {"id": 1, "market_id": 1, "owner_id": 1, "name": "망원청과", "category": "fruit",
         "description": "매일 새벽 가락시장에서 들여온 제철 과일.", "phone": "02-3380-2712", "aisle": "C-07",
         "hours": {"mon": "09:00-21:00", "sun": None}, "map_x": 10, "map_y": 20, "has_payout_account": False,
         "status": StallStatus.ACTIVE, "status_reason": None, "open_now": True,
         "created_at": datetime(2026, 11, 25, tzinfo=UTC)}
STALLS = [dict(STALL, id=n) for n in range(1, 21)]
stalls_schema = StallSchema(many=True)
bench = Blueprint("bench", __name__)


@bench.get("/bench/plain")
def plain():
    return {"ok": True}


@bench.get("/bench/token")
@login_required
def token():
    return {"ok": True, "user": signed_in_user().id}


@bench.get("/bench/limited")
@login_required
@limiter.limit("1000000 per minute")
def limited():
    return {"ok": True, "user": signed_in_user().id}


@bench.get("/bench/dumped")
@login_required
@limiter.limit("1000000 per minute")
def dumped():
    return {"ok": True, "user": signed_in_user().id, "stalls": stalls_schema.dump(STALLS)}


app = create_app()
app.register_blueprint(bench)
