"""Delivery helpers: a ledger of everything delivery and orders write (to prove a refusal wrote nothing), a
delivery order placed and paid in the shop with its couriers, and ways to read slot loads and local times."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from market_app.catalog.models import Product
from market_app.delivery.models import (
    Delivery,
    DeliveryEvent,
    DeliverySettings,
    FeeShare,
    Pickup,
    PickupEvent,
    ShortPick,
    SlotBooking,
    SlotLoad,
)
from market_app.extensions import db
from market_app.notifications.models import Notification
from market_app.orders.models import Order, OrderItem, StallOrder, StallOrderEvent
from market_app.payments.models import Payment, Refund
from tests.helpers import API, Shop, next_slot_start, order_body, place_order, rows_of

SEOUL = ZoneInfo("Asia/Seoul")
LEDGER_MODELS = (Order, StallOrder, OrderItem, StallOrderEvent, Payment, Refund, DeliverySettings, SlotBooking,
                 FeeShare, Delivery, DeliveryEvent, Pickup, PickupEvent, ShortPick, Notification)


@pytest.fixture
def ledger():
    """Every row delivery and orders can write (whole rows, so a changed status shows), and the slot loads."""

    def ledger() -> dict:
        loads = db.session.execute(sa.select(SlotLoad.slot_start, SlotLoad.taken).order_by(SlotLoad.id)).all()
        stock = dict(db.session.execute(sa.select(Product.id, Product.stock).order_by(Product.id)).all())
        return rows_of(*LEDGER_MODELS) | {"loads": loads, "stock": stock}

    return ledger


def taken(market, slot_start: str | datetime) -> int:
    """How many places of the slot are taken, read fresh."""
    db.session.expire_all()
    start = datetime.fromisoformat(slot_start) if isinstance(slot_start, str) else slot_start
    return db.session.scalar(sa.select(SlotLoad.taken).filter_by(market_id=market.id, slot_start=start)) or 0


def seoul(text: str) -> datetime:
    """'2026-11-26 10:00' in Seoul as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=SEOUL)


@dataclass
class Couriers:
    first: object
    second: object
    first_headers: dict
    second_headers: dict


@pytest.fixture
def couriers(make, shop) -> Couriers:
    first, second = make.member(shop.market, "courier"), make.member(shop.market, "courier")
    return Couriers(first, second, make.headers(first), make.headers(second))


def delivery_body(shop: Shop, lines, slot_start: str | None = None, lat: float = 37.556, lng: float = 126.905,
                  **extra) -> dict:
    body = order_body(shop.market, lines, "delivery", **extra)
    body["delivery"].update(lat=lat, lng=lng, slot_start=slot_start or next_slot_start())
    return body


@pytest.fixture
def delivery_order(client, shop, pay):
    """A delivery order of 4 x 배추 (12,000) and 1 x 고등어 (5,000) placed and paid; returns the order as the
    shopper reads it (with its delivery_id)."""

    def delivery_order(lines=None, slot_start: str | None = None, headers: dict | None = None) -> dict:
        lines = lines or [(shop.stands[0].product, 4), (shop.stands[1].product, 1)]
        resp = place_order(client, headers or shop.headers, delivery_body(shop, lines, slot_start))
        assert resp.status_code == 201, resp.json
        pay(resp.json)
        order = client.get(f"{API}/orders/{resp.json['id']}", headers=headers or shop.headers).json
        assert order["status"] == "paid" and order["delivery_id"], order
        return order

    return delivery_order


def prepare_all(client, shop: Shop, order: dict, actions=("accept", "ready")) -> None:
    """Every stall of the order takes its part through these moves."""
    for part in order["stall_orders"]:
        stand = next(s for s in shop.stands if s.stall.id == part["stall_id"])
        for action in actions:
            resp = client.post(f"{API}/stall-orders/{part['id']}/{action}", headers=stand.headers)
            assert resp.status_code == 200, (action, resp.json)


