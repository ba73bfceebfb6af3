"""Demo delivery: both markets' delivery settings (through the settings service, as an admin's PUT would) and two
weeks of past delivery orders, each delivered on time, late, or failed, so the delivery on-time rate has something
to show. Self-contained and deterministic: its own random generator, times relative to today's local date, its
own payment ids (pi_demo_delivery_...), so it combines with other demo steps that add past orders of their own.
Past orders are written as rows (no Stripe in the past); everything from today on goes through the API."""

import math
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from market_app.core.db import db
from market_app.delivery import settings as delivery_settings
from market_app.delivery.checkout import split_fee
from market_app.delivery.models import Delivery, DeliveryStatus, FeePayer, SlotBooking, SlotLoad
from market_app.delivery.schemas import DeliverySettingsSchema
from market_app.demo.data import DEMO_EMAIL_DOMAIN, MARKET_STAFF, RANDOM_SEED, SHOPPERS
from market_app.markets.models import KM_PER_DEGREE, Market
from market_app.orders.models import Fulfillment, Order, OrderItem, OrderStatus, StallOrder, StallOrderStatus
from market_app.payments.models import Payment, PaymentKind, PaymentStatus

EVERY_DAY = {day: "10:00-19:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
# Rings of 3,000 won to 1.5 km and 4,000 won to 3 km, free from 30,000; hourly slots 10:00-19:00 with room for 8;
# orders close 30 minutes before a slot and an hour after ordering. 망원 pays free deliveries' fees itself, 광장's
# stalls share them.
SETTINGS = {"enabled": True, "zones": [{"up_to_km": 1.5, "fee": 3000}, {"up_to_km": 3.0, "fee": 4000}],
            "free_over": 30000, "min_order": 10000, "slot_minutes": 60, "slot_capacity": 8, "cutoff_minutes": 30,
            "lead_minutes": 60, "days_ahead": 7, "hours": EVERY_DAY, "closed_dates": ["2026-12-25", "2027-01-01"]}
PAID_BY = {"mangwon": "market", "gwangjang": "stalls"}
PAST_DAYS = 14
PAST_ORDERS = 16  # per market
# By order index: most arrive within their slot; every 5th is late, every 7th failed at the door.
LATE_EVERY, FAILED_EVERY = 5, 7
ADDRESSES = ("{} 101동 1203호", "{} 2층", "{} 상가 1층", "{} 빌라 302호")
DELIVERED_NOTE, FAILURE = "문 앞에 두었습니다", "부재중, 연락 안 됨"
settings_schema = DeliverySettingsSchema()


@dataclass(frozen=True)
class PastDelivery:
    index: int
    day_offset: int
    hour: int
    outcome: DeliveryStatus
    late: bool


def seed_delivery_settings(world) -> None:
    for slug, market in world.markets.items():
        data = settings_schema.load(SETTINGS | {"free_delivery_paid_by": PAID_BY[slug]})
        delivery_settings.replace_settings(market, data)
    db.session.flush()


def _plan(index: int) -> PastDelivery:
    failed = index % FAILED_EVERY == FAILED_EVERY - 1
    late = not failed and index % LATE_EVERY == LATE_EVERY - 1
    return PastDelivery(index, 1 + index * PAST_DAYS // PAST_ORDERS, 10 + (index * 5) % 9,
                        DeliveryStatus.FAILED if failed else DeliveryStatus.DELIVERED, late)


def _basket(rng: random.Random, products: list, min_order: int) -> list[tuple]:
    """Two or three products from different stalls at their list prices, enough for the minimum order."""
    by_stall: dict[int, list] = {}
    for product in products:
        if product.available:
            by_stall.setdefault(product.stall_id, []).append(product)
    stalls = rng.sample(sorted(by_stall), rng.choice((2, 3, 3)))
    lines = [[rng.choice(by_stall[stall_id]), rng.choice((1, 1, 2))] for stall_id in stalls]
    while sum(product.price * quantity for product, quantity in lines) < min_order:
        min(lines, key=lambda line: line[0].price)[1] += 1
    return [tuple(line) for line in lines]


def _address(rng: random.Random, market: Market) -> tuple[str, float, float]:
    """Somewhere 0.3-2.8 km from the market (inside its rings), in a random direction."""
    km, bearing = rng.uniform(0.3, 2.8), math.radians(rng.uniform(0, 360))
    lat = market.lat + km * math.cos(bearing) / KM_PER_DEGREE
    lng = market.lng + km * math.sin(bearing) / (KM_PER_DEGREE * math.cos(math.radians(market.lat)))
    return rng.choice(ADDRESSES).format(market.address.split(" (")[0]), round(lat, 6), round(lng, 6)


def _stall_orders(lines: list[tuple], times: dict) -> list[StallOrder]:
    parts: dict[int, StallOrder] = {}
    for product, quantity in lines:
        part = parts.setdefault(product.stall_id, StallOrder(
            stall_id=product.stall_id, status=StallOrderStatus.HANDED_OVER, subtotal=0,
            notified_at=times["paid"], closed_at=times["at_desk"], created_at=times["placed"]))
        part.items.append(OrderItem(product_id=product.id, name=product.name, unit=product.unit,
                                    unit_price=product.price, list_price=product.price, quantity=quantity,
                                    line_total=product.price * quantity))
        part.subtotal += product.price * quantity
    for part in parts.values():
        for status, at in (("pending", "placed"), ("accepted", "accepted"), ("ready", "ready"),
                           ("handed_over", "at_desk")):
            previous = part.events[-1].to_status if part.events else None
            part.add_event(previous, status, None, "received at the desk" if status == "handed_over" else None)
            part.events[-1].created_at = times[at]
    return list(parts.values())


def _timeline(delivery: Delivery, plan: PastDelivery, times: dict, shopper_id: int, courier_id: int) -> None:
    steps = [(None, "requested", shopper_id, None, "paid"), ("requested", "assigned", courier_id, None, "assigned"),
             ("assigned", "picked_up", courier_id, None, "picked_up")]
    if plan.outcome == DeliveryStatus.DELIVERED:
        steps.append(("picked_up", "delivered", courier_id, DELIVERED_NOTE, "done"))
    else:
        steps.append(("picked_up", "failed", courier_id, FAILURE, "done"))
    for from_status, to_status, actor, note, at in steps:
        delivery.add_event(from_status, to_status, actor, note)
        delivery.events[-1].created_at = times[at]


def _times(slot_start: datetime, slot_end: datetime, plan: PastDelivery, rng: random.Random) -> dict:
    done = slot_end + timedelta(minutes=20) if plan.late else slot_start + timedelta(minutes=rng.randint(15, 50))
    return {"placed": slot_start - timedelta(hours=3), "paid": slot_start - timedelta(hours=2, minutes=57),
            "accepted": slot_start - timedelta(hours=2, minutes=40), "ready": slot_start - timedelta(hours=1),
            "at_desk": slot_start - timedelta(minutes=35), "assigned": slot_start - timedelta(minutes=30),
            "picked_up": slot_start - timedelta(minutes=5), "done": done}


def _past_order(world, market: Market, plan: PastDelivery, rng: random.Random, courier_id: int) -> None:
    rules = delivery_settings.rules_for(market)
    local_day = datetime.now(rules.zone_info).date() - timedelta(days=plan.day_offset)
    slot_start = datetime.combine(local_day, time(plan.hour), tzinfo=rules.zone_info)
    slot_end = slot_start + timedelta(minutes=rules.slot_minutes)
    times = _times(slot_start, slot_end, plan, rng)
    lines = _basket(rng, world.products[market.slug], rules.min_order)
    shopper = world.users[f"{SHOPPERS[plan.index % len(SHOPPERS)][0]}@{DEMO_EMAIL_DOMAIN}"]
    address, lat, lng = _address(rng, market)
    parts = _stall_orders(lines, times)
    subtotal = sum(part.subtotal for part in parts)
    price = rules.price(lat, lng, subtotal)
    reference = str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo-delivery/{market.slug}/{plan.index}"))
    order = Order(
        reference=reference, user_id=shopper.id, market_id=market.id, status=OrderStatus.COMPLETED,
        fulfillment=Fulfillment.DELIVERY, subtotal=subtotal, delivery_fee=price.fee, discount=0,
        total=subtotal + price.fee, delivery_address=address, delivery_lat=lat, delivery_lng=lng,
        delivery_slot_start=slot_start, delivery_slot_end=slot_end, delivery_distance_km=price.distance_km,
        delivery_zone_km=price.zone.up_to_km, idempotency_key=f"demo-delivery-{reference}", request_hash="demo",
        expires_at=times["placed"] + timedelta(minutes=30), paid_at=times["paid"], closed_at=times["at_desk"],
        created_at=times["placed"], updated_at=times["done"], stall_orders=parts,
    )
    db.session.add(order)
    db.session.flush()
    paid_by = FeePayer(rules.free_delivery_paid_by) if price.waived_fee else None
    db.session.add_all([
        Payment(kind=PaymentKind.ORDER, market_id=market.id, order_id=order.id, amount=order.total, currency="krw",
                status=PaymentStatus.SUCCEEDED, payment_intent_id=f"pi_demo_delivery_{market.slug}_{plan.index:02d}",
                client_secret="demo", succeeded_at=times["paid"], created_at=times["placed"]),
        SlotBooking(order=order, market_id=market.id, slot_start=slot_start, fee=price.fee,
                    waived_fee=price.waived_fee, waived_paid_by=paid_by, created_at=times["placed"]),
    ])
    if paid_by == FeePayer.STALLS:
        split_fee(order, parts, price.waived_fee)
    failed = plan.outcome == DeliveryStatus.FAILED
    delivery = Delivery(
        order_id=order.id, market_id=market.id, status=plan.outcome, slot_start=slot_start, slot_end=slot_end,
        courier_id=courier_id, address=address, lat=lat, lng=lng, fee=price.fee, distance_km=price.distance_km,
        zone_up_to_km=price.zone.up_to_km, waived_fee=price.waived_fee, waived_paid_by=paid_by,
        ready_at=times["ready"], picked_up_at=times["picked_up"], created_at=times["paid"], updated_at=times["done"],
        delivered_at=None if failed else times["done"], failed_at=times["done"] if failed else None,
        failure_reason=FAILURE if failed else None, note=None if failed else DELIVERED_NOTE,
    )
    _timeline(delivery, plan, times, shopper.id, courier_id)
    db.session.add(delivery)
    db.session.flush()
    order.delivery_id = delivery.id
    _count_place(market.id, slot_start)


def _count_place(market_id: int, slot_start: datetime) -> None:
    load = db.session.scalar(sa.select(SlotLoad).filter_by(market_id=market_id, slot_start=slot_start))
    if load is None:
        db.session.add(SlotLoad(market_id=market_id, slot_start=slot_start, taken=1))
    else:
        load.taken += 1
    db.session.flush()


def seed_past_deliveries(world) -> None:
    rng = random.Random(RANDOM_SEED + 8)  # this step's own sequence: other steps' draws do not move it
    for slug, market in world.markets.items():
        courier_local = next(local for role, local, _ in MARKET_STAFF[slug] if role == "courier")
        courier = world.users[f"{courier_local}@{DEMO_EMAIL_DOMAIN}"]
        for index in range(PAST_ORDERS):
            _past_order(world, market, _plan(index), rng, courier.id)

