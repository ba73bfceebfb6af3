"""`flask seed-demo` also writes the past: paid orders, refunds, in-person and live sales, payouts, straight into
orders and the ledger (no Stripe), so the dashboards open full; the ledger agrees with the rows behind it."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from market_app.demo.data import DEMO_PASSWORD
from market_app.extensions import db
from market_app.orders.models import Order, StallOrder
from market_app.payments.models import QuickPayRequest, QuickPayStatus, Refund, RefundStatus
from market_app.settlement.models import LedgerEntry, LedgerKind, Payout, PayoutStatus


@pytest.fixture
def seeded(app):
    saved = app.config["DEMO_HISTORY_DAYS"]
    app.config["DEMO_HISTORY_DAYS"] = 22  # live evenings, and two weekly payouts at least
    try:
        result = app.test_cli_runner().invoke(args=["seed-demo"])
    finally:
        app.config["DEMO_HISTORY_DAYS"] = saved
    assert result.exit_code == 0, result.output
    db.session.expire_all()


def _sum(column, *where) -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(column), 0)).where(*where))


def test_demo_history_ledger_agrees_with_orders_refunds_and_quick_pays(seeded):
    paid = _sum(StallOrder.subtotal, StallOrder.order_id.in_(sa.select(Order.id).where(Order.paid_at.is_not(None))))
    in_person = _sum(QuickPayRequest.amount, QuickPayRequest.status == QuickPayStatus.PAID)
    refunded = _sum(Refund.amount, Refund.status != RefundStatus.FAILED, Refund.stall_order_id.is_not(None))

    assert paid > 0 and in_person > 0 and refunded > 0
    assert _sum(LedgerEntry.gross, LedgerEntry.kind == LedgerKind.SALE) == paid
    assert _sum(LedgerEntry.gross, LedgerEntry.kind == LedgerKind.IN_PERSON_SALE) == in_person
    assert _sum(LedgerEntry.refund) == refunded
    assert _sum(LedgerEntry.live_gross) > 0
    statuses = set(db.session.scalars(sa.select(Payout.status)))
    assert statuses == {PayoutStatus.PAID, PayoutStatus.PENDING}
    # Paid weeks look as the association records them: when, by whom, and the bank transfer's reference.
    paid = db.session.scalars(sa.select(Payout).where(Payout.status == PayoutStatus.PAID)).all()
    assert all(p.paid_at is not None and p.paid_by_id is not None and p.paid_at.date() > p.period_end for p in paid)
    assert all(p.bank_reference for p in paid if p.method == "bank_transfer")


def test_demo_dashboards_are_full_for_the_last_days(client, seeded):
    admin = client.post("/api/v1/auth/login", json={"email": "mangwon-admin@example.com",
                                                     "password": DEMO_PASSWORD}).json["access_token"]
    merchant = client.post("/api/v1/auth/login", json={"email": "merchant-park@example.com",
                                                        "password": DEMO_PASSWORD}).json["access_token"]

    mangwon = next(m["id"] for m in client.get("/api/v1/markets").json if m["slug"] == "mangwon")
    market = client.get(f"/api/v1/markets/{mangwon}/dashboard?from=2000-01-01", headers={
        "Authorization": f"Bearer {admin}"})
    today = datetime.now(ZoneInfo("Asia/Seoul")).date()
    week = {"from": (today - timedelta(days=6)).isoformat(), "to": today.isoformat()}
    recent = client.get(f"/api/v1/markets/{mangwon}/dashboard", query_string=week,
                        headers={"Authorization": f"Bearer {admin}"}).json
    own = client.get("/api/v1/me/dashboard", headers={"Authorization": f"Bearer {merchant}"}).json

    assert market.status_code == 200
    assert recent["gmv"] > 0 and recent["orders"] > 20 and recent["shoppers"] > 10
    assert recent["returning_shoppers"] > 0 and len(recent["top_stalls"]) == 10  # regulars came back
    assert own["sales"]["gross"] > 0 and len(own["stall_ids"]) == 3
