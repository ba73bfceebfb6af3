"""Order helpers (the shop, checkout and paid_order fixtures are shared, in tests/conftest.py): a ledger of what an
order writes (orders, stall orders, items, payments, refunds and every product's stock) to prove a refusal wrote
nothing, and ways to read stock and an order's stall parts."""

import pytest
import sqlalchemy as sa

from market_app.catalog.models import Product
from market_app.extensions import db
from market_app.orders.models import Order, OrderItem, StallOrder, StallOrderEvent
from market_app.payments.models import Payment, Refund
from tests.conftest import Stand

API = "/api/v1"


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
