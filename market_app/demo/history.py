"""The demo's past: DEMO_HISTORY_DAYS (90) days of paid orders in both markets up to now, written straight into
orders, payments and the ledger without Stripe, so `make run` opens on full dashboards.

Deterministic (its own random stream from RANDOM_SEED); the dates move with today. Busy weekends and evenings,
regular shoppers coming back, a few partial refunds a day later and a few rejected stall orders, in-person
(quick-pay) sales, weekly
payouts (older weeks paid, the last one pending), and today's orders still to hand over.

Live sales: the live demo step (run before this one) places its broadcasts' orders through checkout at the
offers' live prices; this step adds none of its own (live stats would no longer match the offers), and moves the
ledger rows of those orders to the broadcasts' days (they are placed now and moved back).
Deliveries (on time or late) come with the delivery domain's seed step; these orders only say "delivery".
"""

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from market_app.accounts.models import User
from market_app.catalog.models import Product
from market_app.core.db import db, utcnow
from market_app.core.timeutil import local_date
from market_app.delivery.models import DeliverySettings
from market_app.demo import past_orders
from market_app.demo.data import DEMO_EMAIL_DOMAIN, GIVEN_NAMES, RANDOM_SEED, SURNAMES
from market_app.demo.past_orders import Line
from market_app.markets.models import Market, Stall
from market_app.orders.models import Fulfillment, Order, StallOrderStatus
from market_app.payments.models import Refund, RefundStatus
from market_app.settlement import ledger
from market_app.settlement import services as settlement
from market_app.settlement.models import LedgerEntry, LedgerKind, PayoutMethod, PayoutStatus

CUSTOMERS = 240
REGULARS = 60  # two in three orders come from these
HOUR_WEIGHTS = {9: 2, 10: 4, 11: 7, 12: 9, 13: 7, 14: 4, 15: 4, 16: 5, 17: 8, 18: 10, 19: 9, 20: 6, 21: 2, 22: 2}
TODAY_STATUSES = (StallOrderStatus.PENDING, StallOrderStatus.ACCEPTED, StallOrderStatus.READY)


def _customers(world) -> list[User]:
    rng = random.Random(RANDOM_SEED + 1)
    users = [User(email=f"customer{n:03d}@{DEMO_EMAIL_DOMAIN}", name=rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES),
                  password_hash=world.password_hash) for n in range(1, CUSTOMERS + 1)]
    db.session.add_all(users)
    db.session.flush()
    shoppers = [world.users[email] for email in world.users if email.startswith("shopper")]
    return shoppers + users


def _record_earlier_steps_sales() -> None:
    """Paid orders and refunds that earlier demo steps wrote straight into the tables (past deliveries) join the
    ledger at their own times, as the backfill of migration 0009 would."""
    recorded = sa.select(LedgerEntry.order_id).where(LedgerEntry.order_id.is_not(None))
    for order in db.session.scalars(sa.select(Order).where(Order.paid_at.is_not(None), Order.id.not_in(recorded))
                                    .order_by(Order.paid_at, Order.id)):
        ledger.record_order_sales(order, order.paid_at)
    db.session.flush()
    counted = sa.select(LedgerEntry.refund_id).where(LedgerEntry.refund_id.is_not(None))
    for refund in db.session.scalars(sa.select(Refund).where(Refund.status != RefundStatus.FAILED,
                                                             Refund.id.not_in(counted)).order_by(Refund.id)):
        ledger.record_refund(refund, refund.created_at)


def _redate_moved_sales() -> None:
    """The live demo step places its orders now and moves them back to their broadcast: their sale rows follow
    (the day rollup is rebuilt at the end)."""
    moved = db.session.execute(
        sa.select(LedgerEntry, Order.paid_at, Market.timezone).join(Order, Order.id == LedgerEntry.order_id)
        .join(Market, Market.id == LedgerEntry.market_id)
        .where(LedgerEntry.kind == LedgerKind.SALE, LedgerEntry.occurred_at != Order.paid_at)).all()
    for entry, paid_at, timezone in moved:
        shift = paid_at - entry.occurred_at
        entry.occurred_at, entry.local_date = paid_at, local_date(paid_at, timezone)
        entry.settleable_at = entry.settleable_at + shift if entry.settleable_at else None
        for line in entry.lines:
            line.local_date = entry.local_date


class _MarketHistory:
    def __init__(self, world, market: Market, stalls: list[Stall], customers: list[User], rng: random.Random):
        self.world, self.market, self.rng, self.customers = world, market, rng, customers
        self.zone = ZoneInfo(market.timezone)
        self.stalls = stalls
        products = db.session.scalars(sa.select(Product).where(Product.market_id == market.id)
                                      .order_by(Product.id)).all()
        self.products = {stall.id: [p for p in products if p.stall_id == stall.id and p.price > 0] for stall in stalls}
        # A few stalls sell much more than the rest, as in a real market.
        self.weights = [1 / (rank + 2) for rank in range(len(stalls))]
        rng.shuffle(self.weights)
        self.sessions: dict[int, list] = {}
        settings = db.session.scalar(sa.select(DeliverySettings).filter_by(market_id=market.id))
        zones = settings.zones if settings is not None else []
        self.delivery_terms = ((settings.min_order, settings.free_over, zones[0]["fee"]) if zones
                               else (0, None, 3000))

    def moment(self, day: date) -> datetime:
        hours = [h for h in HOUR_WEIGHTS if h < 22 or self.market.slug == "gwangjang"]
        hour = self.rng.choices(hours, [HOUR_WEIGHTS[h] for h in hours])[0]
        local = datetime.combine(day, time(hour, self.rng.randrange(60), self.rng.randrange(60)), self.zone)
        return local.astimezone(ZoneInfo("UTC"))

    def _live_at(self, stall: Stall, moment: datetime):
        for session in self.sessions.get(stall.id, ()):
            if session.starts_at <= moment < session.ends_at:
                return session
        return None

    def _lines(self, moment: datetime) -> list[Line]:
        count = self.rng.choices((1, 2, 3), (6, 3, 1))[0]
        picked: list[Stall] = []
        on_air = [s for sessions in self.sessions.values() for s in sessions if s.starts_at <= moment < s.ends_at]
        if on_air and self.rng.random() < 0.6:  # viewers of a live session buy from its stall
            live_stall_id = self.rng.choice(on_air).stall_id
            picked.append(next(stall for stall in self.stalls if stall.id == live_stall_id))
        while len(picked) < count:
            stall = self.rng.choices(self.stalls, self.weights)[0]
            if stall not in picked and self.products[stall.id]:
                picked.append(stall)
        lines = []
        for stall in picked:
            live = self._live_at(stall, moment)
            for product in self.rng.sample(self.products[stall.id], min(len(self.products[stall.id]),
                                                                         self.rng.choice((1, 1, 2, 3)))):
                quantity = self.rng.choices((1, 2, 3), (7, 2, 1))[0]
                if live is not None:
                    price = max(100, product.price * 9 // 10 // 100 * 100)
                    lines.append(Line(product, quantity, price, live.id))
                else:
                    lines.append(Line(product, quantity))
        return lines

    def _shopper(self) -> User:
        pool = self.customers[:REGULARS] if self.rng.random() < 0.66 else self.customers
        return self.rng.choice(pool)

    def order(self, moment: datetime, now: datetime) -> None:
        today = moment > now - timedelta(hours=18)  # the last day's orders are still being prepared
        lines = self._lines(moment)
        subtotal = sum((line.unit_price or line.product.price) * line.quantity for line in lines)
        min_order, free_over, base_fee = self.delivery_terms
        delivery = self.rng.random() < 0.35 and subtotal >= min_order
        fee = base_fee if delivery and not (free_over and subtotal >= free_over) else 0
        stall_ids = sorted({line.product.stall_id for line in lines})
        statuses = {}
        for stall_id in stall_ids:
            if today:
                statuses[stall_id] = self.rng.choice(TODAY_STATUSES)
            elif self.rng.random() < 0.03:
                statuses[stall_id] = StallOrderStatus.REJECTED
        order = past_orders.paid_order(
            self.market, self._shopper().id, lines, moment, statuses=statuses, delivery_fee=fee,
            fulfillment=Fulfillment.DELIVERY if delivery else Fulfillment.PICKUP)
        for stall_order in order.stall_orders:
            if stall_order.status == StallOrderStatus.REJECTED:
                past_orders.refund(order, stall_order, stall_order.subtotal, moment + timedelta(minutes=20), "품절")
            elif not today and self.rng.random() < 0.05:
                amount = max(500, stall_order.subtotal * self.rng.choice((1, 2, 3)) // 10 // 100 * 100)
                at = min(now - timedelta(minutes=5), moment + timedelta(days=self.rng.choice((0, 1, 1, 2, 3))))
                past_orders.refund(order, stall_order, min(amount, stall_order.subtotal), at, "일부 상품 누락")

    def quick_pays(self, day: date, now: datetime) -> None:
        for _ in range(self.rng.randint(1, 4)):
            moment = self.moment(day)
            stall = self.rng.choices(self.stalls, self.weights)[0]
            if moment < now:
                past_orders.quick_pay(stall, stall.owner_id, self.rng.randrange(3000, 40001, 500), moment, "현장 결제")


def _orders_on(rng: random.Random, day: date) -> int:
    factor = {5: 1.5, 6: 1.4, 0: 0.7}.get(day.weekday(), 1.0)
    return round(rng.randint(9, 17) * factor)


def _weekly_payouts(world, market: Market, today: date) -> None:
    """Payouts of every week (Monday to Sunday) that ended a week or more ago: the older ones paid."""
    admin = next(user for email, user in world.users.items() if email.startswith(f"{market.slug}-admin"))
    end = today - timedelta(days=today.weekday() + 8)  # the Sunday before last
    start = end - timedelta(days=6)
    weeks = []
    while end >= today - timedelta(days=current_app.config["DEMO_HISTORY_DAYS"]):
        weeks.append((start, end))
        start, end = start - timedelta(days=7), end - timedelta(days=7)
    for first, last in reversed(weeks):
        # The association pays the older weeks by bank on the Tuesday after, and records each transfer.
        paid_at = datetime.combine(last + timedelta(days=2), time(10), ZoneInfo(market.timezone)).astimezone(UTC)
        for payout in settlement.build_payouts(market, first, last, admin):
            if (first, last) == weeks[0]:
                continue  # last week's: still owed (pending)
            payout.status, payout.paid_at, payout.paid_by_id = PayoutStatus.PAID, paid_at, admin.id
            if payout.method == PayoutMethod.BANK_TRANSFER:
                payout.bank_reference = f"{market.name} 정산 {first:%m.%d}-{last:%m.%d} #{payout.stall_id}"


def seed_past_orders(world) -> None:
    """DEMO_HISTORY_DAYS days of sales in each demo market, up to now (see the module's docstring)."""
    days = current_app.config["DEMO_HISTORY_DAYS"]
    rng = random.Random(RANDOM_SEED + 90)
    customers = _customers(world)
    now = utcnow()
    _record_earlier_steps_sales()
    _redate_moved_sales()
    for slug, market in world.markets.items():
        today = now.astimezone(ZoneInfo(market.timezone)).date()
        history = _MarketHistory(world, market, world.stalls[slug], customers, rng)
        for offset in range(days, -1, -1):
            day = today - timedelta(days=offset)
            moments = sorted(history.moment(day) for _ in range(_orders_on(rng, day)))
            for moment in moments:
                if moment < now:
                    history.order(moment, now)
            history.quick_pays(day, now)
        _weekly_payouts(world, market, today)
    ledger.rebuild_days()
