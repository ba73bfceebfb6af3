"""make cluster-check, the app side: `prepare` readies the seeded demo database for the load (every stall open,
a few scarce products, shoppers and merchants with tokens) and writes what locust needs; `logins` sends 20 logins
for one account spread over both app servers; `verify` checks the invariants after the load and prints them.

Runs with the app's environment (DATABASE_URL, SECRET_KEY, STRIPE_*) set by bench/cluster_check.sh."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import sqlalchemy as sa
import stripe
from flask_jwt_extended import create_access_token

from market_app import create_app
from market_app.accounts.models import User
from market_app.catalog.models import Product
from market_app.extensions import db
from market_app.markets.models import Market, Stall
from market_app.markets.services import update_stall
from market_app.orders.models import Order, OrderItem, OrderStatus, StallOrder, StallOrderStatus
from market_app.payments import gateway
from market_app.payments.models import Payment, PaymentStatus, Refund, RefundStatus

ALWAYS_OPEN = {day: "00:00-24:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
SHOPPERS = 150
SCARCE_STOCK = 12  # a few products run out under the load: overselling would show
CLOSED_ORDER = (OrderStatus.CANCELLED, OrderStatus.EXPIRED)
CLOSED_PART = (StallOrderStatus.REJECTED, StallOrderStatus.CANCELLED)
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def prepare(out: Path) -> None:
    for stall in db.session.scalars(sa.select(Stall)):
        update_stall(stall, {"hours": ALWAYS_OPEN})
    shoppers = [User(email=f"load-shopper-{n}@example.com", name=f"부하손님{n}", password_hash="!")
                for n in range(SHOPPERS)]
    db.session.add_all(shoppers)
    markets = []
    for market in db.session.scalars(sa.select(Market).order_by(Market.id)):
        products = db.session.scalars(
            sa.select(Product).join(Stall).where(Product.market_id == market.id, Product.available.is_(True),
                                                 Product.deleted_at.is_(None), Stall.status == "active")
            .order_by(Product.id)).all()
        for product in products[:6]:
            product.stock = SCARCE_STOCK
        markets.append({"id": market.id, "products": [p.id for p in products], "scarce": [p.id for p in products[:6]],
                        "stalls": sorted({p.stall_id for p in products})})
    db.session.commit()
    owners: dict[int, list[int]] = {}
    for stall in db.session.scalars(sa.select(Stall).where(Stall.status == "active").order_by(Stall.id)):
        owners.setdefault(stall.owner_id, []).append(stall.id)
    stock = dict(db.session.execute(sa.select(Product.id, Product.stock).where(Product.stock.is_not(None))).all())
    data = {
        "markets": markets,
        "shoppers": [create_access_token(identity=str(user.id)) for user in shoppers],
        "merchants": [{"token": create_access_token(identity=str(owner)), "stalls": stalls}
                      for owner, stalls in sorted(owners.items())],
        "stock_before": {str(k): v for k, v in stock.items()},
    }
    out.write_text(json.dumps(data))
    print(f"prepared: {len(shoppers)} shoppers, {len(owners)} merchants, {sum(len(m['products']) for m in markets)} "
          f"products ({SCARCE_STOCK} in stock for 6 per market)")


def logins(urls: list[str], count: int) -> None:
    """count logins of one account from one address, alternating between the app servers (no proxy between)."""
    body = json.dumps({"email": "shopper1@example.com", "password": "demo1234!"}).encode()
    statuses = []
    for n in range(count):
        request = urllib.request.Request(f"{urls[n % len(urls)]}/api/v1/auth/login", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with _direct.open(request, timeout=10) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    print(json.dumps(dict(Counter(statuses))))


def _stripe_all(listing) -> list:
    """Every object of a localstripe list (it pages with starting_after like Stripe)."""
    items, params = [], {"limit": 100}
    while True:
        page = listing(params)
        items += page.data
        if not page.has_more or not page.data:
            return items
        params = {"limit": 100, "starting_after": page.data[-1].id}


class Report:
    def __init__(self) -> None:
        self.failed = []

    def check(self, name: str, ok: bool, detail: str) -> None:
        print(f"[{'PASS' if ok else 'FAIL'}] {name}: {detail}")
        if not ok:
            self.failed.append(name)


def verify(data_path: Path, results_path: Path, login_statuses: dict, login_limit: int, app) -> int:
    data = json.loads(data_path.read_text())
    results = json.loads(results_path.read_text())
    report = Report()

    # 1. Stock: never below zero, and what left tracked stock is exactly what open orders hold.
    stock_now = dict(db.session.execute(sa.select(Product.id, Product.stock).where(Product.stock.is_not(None))).all())
    negative = [pid for pid, stock in stock_now.items() if stock < 0]
    held = dict(db.session.execute(sa.select(OrderItem.product_id, sa.func.sum(OrderItem.reserved_quantity))
                                   .group_by(OrderItem.product_id)).all())
    drift = {pid: (before, stock_now[int(pid)], held.get(int(pid), 0)) for pid, before in data["stock_before"].items()
             if before - stock_now[int(pid)] != held.get(int(pid), 0)}
    items = db.session.execute(
        sa.select(OrderItem.quantity, OrderItem.reserved_quantity, Order.status, StallOrder.status, Product.stock)
        .join(StallOrder, StallOrder.id == OrderItem.stall_order_id).join(Order, Order.id == StallOrder.order_id)
        .join(Product, Product.id == OrderItem.product_id)).all()
    wrong_holds = [row for row in items if row.stock is not None and row.reserved_quantity != (
        0 if row[2] in CLOSED_ORDER or row[3] in CLOSED_PART else row.quantity)]
    sold_out = sum(1 for pid in data["stock_before"] if stock_now[int(pid)] == 0)
    report.check("no oversold stock", not negative and not drift and not wrong_holds,
                 f"{len(stock_now)} tracked products, {sold_out} sold out, none below zero ({len(negative)}), "
                 f"stock taken == units held by open orders ({len(drift)} differ), {len(items)} order lines "
                 f"hold exactly their quantity while open and nothing once closed ({len(wrong_holds)} wrong)")

    # 2. Paid orders: every intent that succeeded at Stripe is one succeeded payment here, and the reverse.
    client = gateway.make_client(app.config["STRIPE_API_KEY"], app.config["STRIPE_API_BASE"], 30)
    intents = _stripe_all(client.v1.payment_intents.list)
    succeeded_at_stripe = Counter(i.id for i in intents if i.status == "succeeded")
    payments = db.session.execute(sa.select(Payment.payment_intent_id, Payment.status, Payment.order_id)).all()
    recorded = Counter(p.payment_intent_id for p in payments if p.status == PaymentStatus.SUCCEEDED)
    per_intent = Counter(p.payment_intent_id for p in payments)
    paid_orders = db.session.scalar(sa.select(sa.func.count()).select_from(Order).where(Order.paid_at.is_not(None)))
    report.check("every paid order recorded once",
                 recorded == succeeded_at_stripe and max(per_intent.values(), default=1) == 1
                 and paid_orders == sum(1 for p in payments if p.status == PaymentStatus.SUCCEEDED and p.order_id),
                 f"{len(succeeded_at_stripe)} intents succeeded at Stripe, {sum(recorded.values())} payments "
                 f"succeeded here ({len(set(succeeded_at_stripe) ^ set(recorded))} differ), {paid_orders} orders paid, "
                 f"{len(intents)} intents in all")

    # 3. Refunds: each refund row sent to Stripe at most once, and each Stripe refund is a row of ours.
    stripe_refunds = _stripe_all(client.v1.refunds.list)
    by_row = Counter((r.metadata.to_dict() if r.metadata else {}).get("refund_id") for r in stripe_refunds)
    rows = db.session.execute(sa.select(Refund.id, Refund.status, Refund.stripe_refund_id, Refund.amount)).all()
    sent_rows = {str(r.id) for r in rows if r.status == RefundStatus.SUCCEEDED}
    twice = [rid for rid, n in by_row.items() if n > 1]
    strangers = set(by_row) - {str(r.id) for r in rows}
    pending = sum(1 for r in rows if r.status == RefundStatus.PENDING)
    report.check("no refund sent twice", not twice and not strangers and set(by_row) >= sent_rows,
                 f"{len(rows)} refunds recorded ({len(sent_rows)} sent, {pending} pending), {len(stripe_refunds)} "
                 f"refunds at Stripe, {len(twice)} sent twice, {len(strangers)} unknown to us")

    # 4. Rate limits: the limit holds across both app servers (one shared counter in Redis).
    allowed = sum(n for status, n in login_statuses.items() if status != "429")
    report.check("rate limits counted across both servers", allowed == login_limit,
                 f"20 logins for one account and address, alternating servers: {login_statuses} "
                 f"(limit {login_limit} per minute)")

    # 5. Idempotent retries: every order key the load tried ended in one order, none lost to the restart.
    keys = results["orders"]
    orders_by_key = dict(db.session.execute(sa.select(Order.idempotency_key, Order.id)).all())
    lost = [k for k, v in keys.items() if v["outcome"] == "lost"]
    mismatched = [k for k, v in keys.items() if v["outcome"] == "created" and orders_by_key.get(k) != v["order_id"]]
    per_key = Counter(db.session.scalars(sa.select(Order.idempotency_key)))
    retried = sum(1 for v in keys.values() if v["attempts"] > 1)
    outcomes = Counter(v["outcome"] for v in keys.values())
    one_each = max(per_key.values(), default=1) == 1
    report.check("no request lost to the restart", not lost and not mismatched and one_each,
                 f"{len(keys)} order keys: {dict(outcomes)}; {retried} needed a retry; {len(lost)} lost, "
                 f"{len(mismatched)} answered with another order than the database holds")
    return 1 if report.failed else 0


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("prepare").add_argument("out", type=Path)
    login = sub.add_parser("logins")
    login.add_argument("--count", type=int, default=20)
    login.add_argument("urls", nargs="+")
    check = sub.add_parser("verify")
    check.add_argument("data", type=Path)
    check.add_argument("results", type=Path)
    check.add_argument("logins", type=json.loads)
    check.add_argument("login_limit", type=int)
    args = parser.parse_args()
    if args.command == "logins":
        logins(args.urls, args.count)
        return 0
    app = create_app()
    with app.app_context():
        if args.command == "prepare":
            prepare(args.out)
            return 0
        stripe.api_key = app.config["STRIPE_API_KEY"]
        return verify(args.data, args.results, args.logins, args.login_limit, app)


if __name__ == "__main__":
    sys.exit(main())
