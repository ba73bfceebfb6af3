"""Order helpers: a market with stalls that sell, a shopper, paid orders, and a ledger of what an order writes
(orders, stall orders, items, payments, refunds and every product's stock) to prove a refusal wrote nothing."""

from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from market_app.accounts.models import User
from market_app.catalog.models import Product
from market_app.extensions import db
from market_app.markets.models import Market, Stall
from market_app.orders.models import Order, OrderItem, StallOrder, StallOrderEvent
from market_app.payments.models import Payment, Refund
from tests.conftest import order_body, place_order

API = "/api/v1"


@dataclass
class Stand:
    """A stall, its owner (signed in) and the product it sells in the tests."""

    stall: Stall
    owner: User
    headers: dict
    product: Product


@dataclass
class World:
    market: Market
    shopper: User
    headers: dict
    stands: list[Stand] = field(default_factory=list)


@pytest.fixture
def open_stand(make):
    """A new active stall of market with one product (its owner signed in)."""

    def open_stand(market: Market, name: str = "배추", price: int = 3000, stock: int | None = 10, **product) -> Stand:
        owner = make.user("상인")
        stall = make.stall(market, owner=owner)
        return Stand(stall, owner, make.headers(owner), make.product(stall, name=name, price=price, stock=stock,
                                                                      **product))

    return open_stand


@pytest.fixture
def world(make, open_stand) -> World:
    """망원시장: 채소가게 (배추 3,000원, 10 in stock) and 생선가게 (고등어 5,000원, 10 in stock), and a shopper."""
    market = make.market()
    shopper = make.user()
    world = World(market, shopper, make.headers(shopper))
    world.stands = [open_stand(market, "배추", 3000, 10, unit="1포기"),
                    open_stand(market, "고등어", 5000, 10, unit="1손 (2마리)")]
    return world


@pytest.fixture
def order(client, world):
    """Place an order in world: lines are (product, quantity) pairs; asserts it was created."""

    def order(lines, fulfillment: str = "pickup", headers: dict | None = None, **extra) -> dict:
        resp = place_order(client, headers or world.headers, order_body(world.market, lines, fulfillment, **extra))
        assert resp.status_code == 201, resp.json
        return resp.json

    return order


@pytest.fixture
def paid_order(client, world, order, pay):
    """An order of 2 x 배추 (6,000) and 1 x 고등어 (5,000), paid, as the shopper reads it now."""

    def paid_order(fulfillment: str = "pickup") -> dict:
        placed = order([(world.stands[0].product, 2), (world.stands[1].product, 1)], fulfillment)
        pay(placed)
        resp = client.get(f"{API}/orders/{placed['id']}", headers=world.headers)
        assert resp.json["status"] == "paid", resp.json
        return resp.json

    return paid_order


@pytest.fixture
def ledger():
    """Everything an order can write, read fresh from the database."""

    def ledger() -> dict:
        db.session.expire_all()
        counts = {model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
                  for model in (Order, StallOrder, OrderItem, StallOrderEvent, Payment, Refund)}
        stock = dict(db.session.execute(sa.select(Product.id, Product.stock).order_by(Product.id)).all())
        return counts | {"stock": stock}

    return ledger


def stock_of(product: Product) -> int | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Product.stock).where(Product.id == product.id))


def stall_order_of(order: dict, stand: Stand) -> dict:
    """The part of an order (as the API shows it) that stand prepares."""
    return next(part for part in order["stall_orders"] if part["stall_id"] == stand.stall.id)


def assert_error(resp, status: int) -> dict:
    """The API's one error shape with the expected status; returns its errors (may be empty)."""
    assert resp.status_code == status, (resp.status_code, resp.json)
    body = resp.json
    assert body["code"] == status and isinstance(body["status"], str) and body["message"], body
    return body.get("errors") or {}
