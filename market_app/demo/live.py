"""Demo live commerce, through the same services as the API: past broadcasts with their sales (orders placed and
paid through checkout while the session was live, then moved back to the session's real time), a broadcast that
goes live by itself a few minutes after `make run` starts, upcoming broadcasts with subscribers and followers, and
a closing-time flash sale (마감세일) in each market. Self-contained and the same on every run (its own random seed);
only the times are relative to now."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from market_app.accounts.models import User
from market_app.catalog.models import Product
from market_app.core.db import db, utcnow
from market_app.demo.data import DEMO_EMAIL_DOMAIN, MERCHANTS, RANDOM_SEED, SHOPPERS
from market_app.demo.offline_payments import mark_paid, offline_payments
from market_app.live import audience, reminders, services
from market_app.live.models import LiveKind, LiveOfferReservation, LiveSession, LiveSubscription, LiveViewer
from market_app.live.schemas import LiveSessionCreateSchema
from market_app.markets.models import Market, Stall
from market_app.notifications.models import Notification
from market_app.orders import checkout
from market_app.orders import services as orders
from market_app.orders.models import Order, OrderItem
from market_app.orders.schemas import OrderCreateSchema
from market_app.orders.status import StallOrderAction
from market_app.payments.models import Payment

if TYPE_CHECKING:
    from market_app.demo.seed import DemoWorld

STREAM = "https://live.example.com/demo/{slug}"
session_schema = LiveSessionCreateSchema()
order_schema = OrderCreateSchema()


@dataclass(frozen=True)
class Plan:
    stall: str
    title: str
    minutes: int
    description: str = ""
    kind: LiveKind = LiveKind.LIVE


# (days ago, local start time, plan, orders, viewers)
PAST = (
    (3, time(19, 0), Plan("삼대정육점", "삼겹살·목살 반값 라이브", 60, "오늘 들어온 국내산 한돈을 라이브 특가로!"),
     7, 64),
    (6, time(20, 0), Plan("한우명가", "한우 구이용 특가 라이브", 60, "1++ 등심과 채끝, 방송 중에만 이 가격."), 5, 41),
    (2, time(18, 30), Plan("광장녹두빈대떡", "맷돌 녹두빈대떡 라이브", 45, "부치는 모습 그대로 보여 드려요."), 6, 52),
)
SOON = Plan("망원고로케", "갓 튀긴 고로케 라이브", 60, "매시간 튀기는 고로케, 방송 보면서 주문하세요.")
UPCOMING = (
    (1, time(18, 0), Plan("한우명가", "주말 한우 선물세트 라이브", 90, "명절 선물세트 미리 보기와 라이브 특가.")),
    (1, time(12, 0), Plan("원조마약김밥", "점심 꼬마김밥 라이브", 30)),
    (3, time(15, 0), Plan("광장한복", "돌한복 입어 보기 라이브", 60, "돌잔치 한복 세트를 직접 입혀 보여 드려요.")),
)
FLASH = (
    (time(19, 30), Plan("망원닭집", "마감세일: 옛날통닭·생닭", 60, "문 닫기 전 한 시간, 오늘 들어온 닭을 싸게.",
                        LiveKind.FLASH)),
    (time(21, 30), Plan("광장모둠전", "마감세일: 모둠전", 60, "오늘 부친 전, 마감 전에 떨이로 드려요.",
                        LiveKind.FLASH)),
)


def _user(local_part: str) -> User:
    return db.session.scalar(sa.select(User).filter_by(email=f"{local_part}@{DEMO_EMAIL_DOMAIN}"))


def _stall(world: DemoWorld, name: str) -> Stall:
    return next(stall for stalls in world.stalls.values() for stall in stalls if stall.name == name)


def _offers(stall: Stall, rng: random.Random) -> list[dict]:
    """Two products that cannot run out during the demo orders, at about 80 % of their price."""
    products = db.session.scalars(sa.select(Product).where(Product.stall_id == stall.id).order_by(Product.id)).all()
    plenty = [p for p in products if p.stock is None or p.stock >= 30][:2] or products[:1]
    offers = []
    for product in plenty:
        step = 500 if product.price >= 5000 else 100
        live_price = max(step, (product.price * 8 // 10) // step * step)
        if live_price < product.price:
            offers.append({"product_id": product.id, "live_price": live_price, "quantity_cap": rng.choice((15, 20, 30)),
                           "per_shopper_limit": None})
    return offers


def _schedule(stall: Stall, plan: Plan, starts_at: datetime, offers: list[dict], *, auto_start: bool = False,
              now: datetime | None = None) -> LiveSession:
    owner = db.session.get(User, stall.owner_id)
    data = session_schema.load({
        "kind": plan.kind.value, "title": plan.title, "description": plan.description,
        "starts_at": starts_at.isoformat(), "ends_at": (starts_at + timedelta(minutes=plan.minutes)).isoformat(),
        "stream_url": None if plan.kind == LiveKind.FLASH else STREAM.format(slug=stall.id),
        "auto_start": auto_start, "offers": offers})
    return services.create_session(stall, owner, data, now=now)


def _local(market: Market, day_offset: int, at: time, now: datetime) -> datetime:
    zone = ZoneInfo(market.timezone)
    day = now.astimezone(zone).date() + timedelta(days=day_offset)
    return datetime.combine(day, at, tzinfo=zone)


def _shift(row, delta: timedelta, *columns: str) -> None:
    for column in columns:
        if getattr(row, column) is not None:
            setattr(row, column, getattr(row, column) + delta)


def _move_order_back(order: Order, delta: timedelta) -> None:
    _shift(order, delta, "created_at", "updated_at", "expires_at", "paid_at", "closed_at")
    for stall_order in order.stall_orders:
        _shift(stall_order, delta, "created_at", "updated_at", "notified_at", "closed_at")
        for event in stall_order.events:
            _shift(event, delta, "created_at")
    payment = db.session.scalar(sa.select(Payment).filter_by(order_id=order.id))
    _shift(payment, delta, "created_at", "updated_at", "succeeded_at")
    stall_order_ids = [stall_order.id for stall_order in order.stall_orders]
    for note in db.session.scalars(sa.select(Notification).where(
            Notification.key.in_([f"order_paid:{i}" for i in stall_order_ids]))):
        _shift(note, delta, "created_at")
        note.read_at = note.created_at
    for reservation in db.session.scalars(sa.select(LiveOfferReservation).join(LiveOfferReservation.order_item)
                                          .where(OrderItem.stall_order_id.in_(stall_order_ids))):
        _shift(reservation, delta, "created_at")


def _place_paid_order(shopper: User, market: Market, lines: list[tuple[Product, int]], key: str) -> Order:
    data = order_schema.load({"market_id": market.id, "fulfillment": "pickup",
                              "items": [{"product_id": p.id, "quantity": q} for p, q in lines]})
    placed, _ = checkout.place_order(shopper, data, key)
    order = db.session.get(Order, placed.id)  # the rows were written with Core: load them to move them on
    mark_paid(db.session.scalar(sa.select(Payment).filter_by(order_id=order.id)))
    for stall_order in order.stall_orders:
        owner = db.session.get(User, stall_order.stall.owner_id)
        for action in (StallOrderAction.ACCEPT, StallOrderAction.READY, StallOrderAction.HAND_OVER):
            orders.transition(stall_order, action, owner)
    return order


def _past_session(world: DemoWorld, rng: random.Random, shoppers: list[User], days_ago: int, at: time, plan: Plan,
                  order_count: int, viewers: int, now: datetime) -> LiveSession:
    """Run the session now (scheduled, live, orders, viewers, ended), then move it all back to its real time."""
    stall = _stall(world, plan.stall)
    market = stall.market
    session = _schedule(stall, plan, now + timedelta(minutes=1), _offers(stall, rng), now=now)
    for shopper in shoppers[: rng.randint(2, len(shoppers))]:
        audience.subscribe(session, shopper, now)
    owner = db.session.get(User, stall.owner_id)
    services.start(session, owner, now=now)
    offered = [offer.product for offer in session.offers]
    extras = db.session.scalars(sa.select(Product).where(Product.stall_id == stall.id, Product.stock.is_(None),
                                                         Product.id.not_in([p.id for p in offered]))).all()
    placed = []
    for n in range(order_count):
        lines = [(rng.choice(offered), rng.randint(1, 3))]
        if extras and rng.random() < 0.4:
            lines.append((rng.choice(extras), 1))
        placed.append(_place_paid_order(shoppers[n % len(shoppers)], market, lines, f"demo-live-{session.id}-{n}"))
    # The audience arrives at once (one insert), and the last viewer's heartbeat counts them all into the peak.
    db.session.execute(sa.insert(LiveViewer), [
        {"live_session_id": session.id, "viewer_key": f"anon:demo-{session.id}-{n:03d}", "first_seen_at": now,
         "last_seen_at": now} for n in range(viewers - 1)])
    audience.heartbeat(session, f"anon:demo-{session.id}-last", now)
    services.end(session, owner, f"https://live.example.com/demo/replay/{session.id}", now=now)
    db.session.flush()

    starts_at = _local(market, -days_ago, at, now)
    delta = starts_at - session.starts_at
    for n, order in enumerate(placed):  # spread over the broadcast
        _move_order_back(order, delta + timedelta(minutes=3 + n * (plan.minutes - 5) // max(1, order_count)))
    _shift(session, delta, "starts_at", "ends_at", "created_at", "reminded_for")
    session.created_at -= timedelta(days=2)
    session.started_at, session.ended_at = session.starts_at, session.ends_at
    session.updated_at = session.ended_at
    for event, when in zip(session.events, (session.created_at, session.started_at, session.ended_at), strict=True):
        event.created_at = when
    for subscription in db.session.scalars(sa.select(LiveSubscription).filter_by(live_session_id=session.id)):
        subscription.created_at = session.created_at + timedelta(hours=rng.randint(1, 40))
    for viewer in db.session.scalars(sa.select(LiveViewer).filter_by(live_session_id=session.id)):
        viewer.first_seen_at = viewer.last_seen_at = session.starts_at + timedelta(minutes=rng.randint(1, 20))
    for note in db.session.scalars(sa.select(Notification).where(  # subscribers were reminded: back then, and read
            Notification.key.startswith(f"live_reminder:{session.id}:"))):
        note.key, note.created_at = reminders.reminder_key(session), session.starts_at - timedelta(minutes=10)
        note.read_at = note.created_at
    return session


def seed_live(world: DemoWorld) -> None:
    """Past broadcasts with sales, one going live in three minutes, upcoming ones, and tonight's flash sales."""
    rng = random.Random(RANDOM_SEED + 9)
    now = utcnow().replace(second=0, microsecond=0)
    shoppers = [_user(local_part) for local_part, _name in SHOPPERS]
    shoppers += [_user(MERCHANTS[key][0]) for key in ("lee", "choi")]  # merchants shop at each other's stalls too
    with offline_payments():
        for days_ago, at, plan, order_count, viewers in PAST:
            _past_session(world, rng, shoppers, days_ago, at, plan, order_count, viewers, now)

    soon_stall = _stall(world, SOON.stall)
    upcoming = [_schedule(soon_stall, SOON, now + timedelta(minutes=3), _offers(soon_stall, rng), auto_start=True,
                          now=now)]
    for days, at, plan in UPCOMING:
        stall = _stall(world, plan.stall)
        upcoming.append(_schedule(stall, plan, _local(stall.market, days, at, now), _offers(stall, rng), now=now))
    for at, plan in FLASH:
        stall = _stall(world, plan.stall)
        tonight = _local(stall.market, 0, at, now)
        starts_at = tonight if tonight - now >= timedelta(minutes=30) else tonight + timedelta(days=1)
        upcoming.append(_schedule(stall, plan, starts_at, _offers(stall, rng), now=now))
    for session in upcoming:
        for shopper in shoppers[:3]:
            if rng.random() < 0.7:
                audience.subscribe(session, shopper, now)
    audience.follow(_stall(world, "삼대정육점"), shoppers[0], now)
    audience.follow(_stall(world, "망원고로케"), shoppers[1], now)
    db.session.flush()
