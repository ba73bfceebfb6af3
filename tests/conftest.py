"""Shared fixtures: one app per session on SQLite (default) or PostgreSQL (TEST_DATABASE_URL),
tables emptied after every test, and small factories that build the world a test starts from."""

import itertools
import os
import tempfile

import pytest
import sqlalchemy as sa
from flask_jwt_extended import create_access_token

from market_app import create_app
from market_app.accounts.models import User
from market_app.catalog.models import Product
from market_app.config import TestConfig
from market_app.extensions import db, limiter
from market_app.markets.models import Market, MemberRole, Membership, Stall, StallStatus

ALWAYS_OPEN = {day: "00:00-24:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def _database_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    handle, path = tempfile.mkstemp(prefix="market-test-", suffix=".db")
    os.close(handle)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def app():
    app = create_app(TestConfig)
    app.config["SQLALCHEMY_DATABASE_URI"] = _database_url()
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(app):
    """Every test starts from empty tables and fresh rate-limit counters."""
    with app.app_context():
        yield
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("TRUNCATE " + ", ".join(t.name for t in tables) + " RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())
    limiter.reset()


@pytest.fixture
def client(app):
    return app.test_client()


class Factory:
    """Builds rows directly (fast, no HTTP) so that each test's HTTP calls are the behaviour under test."""

    _seq = itertools.count(1)

    def user(self, name: str = "손님", *, platform_admin: bool = False) -> User:
        n = next(self._seq)
        user = User(email=f"user{n}@example.kr", name=f"{name}{n}", password_hash="!", is_platform_admin=platform_admin)
        db.session.add(user)
        db.session.commit()
        return user

    def headers(self, user: User) -> dict:
        return {"Authorization": f"Bearer {create_access_token(identity=str(user.id))}"}

    def market(self, **overrides) -> Market:
        n = next(self._seq)
        fields = {"name": f"망원시장{n}", "slug": f"mangwon-{n}", "region": "서울 마포구",
                  "address": "서울 마포구 망원동", "lat": 37.5558, "lng": 126.9027, "commission_bps": 300,
                  "delivery_base_fee": 3000, "free_delivery_threshold": 30000, "min_order_amount": 10000}
        market = Market(**(fields | overrides))
        db.session.add(market)
        db.session.commit()
        return market

    def member(self, market: Market, role: str = "admin", user: User | None = None) -> User:
        user = user or self.user("관리자" if role == "admin" else "배달원")
        db.session.add(Membership(user_id=user.id, market_id=market.id, role=MemberRole(role)))
        db.session.commit()
        return user

    def stall(self, market: Market, owner: User | None = None, *, status: str = "active", hours=None,
              **overrides) -> Stall:
        from market_app.markets.services import update_stall

        owner = owner or self.user("상인")
        n = next(self._seq)
        stall = Stall(market_id=market.id, owner_id=owner.id, name=overrides.pop("name", f"가게{n}"),
                      category=overrides.pop("category", "produce"), status=StallStatus(status), **overrides)
        db.session.add(stall)
        db.session.flush()
        update_stall(stall, {"hours": ALWAYS_OPEN if hours is None else hours})
        db.session.commit()
        return stall

    def product(self, stall: Stall, name: str = "배추", price: int = 3000, stock: int | None = 10,
                **overrides) -> Product:
        product = Product(stall_id=stall.id, market_id=stall.market_id, name=name, unit=overrides.pop("unit", "1포기"),
                          price=price, stock=stock, **overrides)
        db.session.add(product)
        db.session.commit()
        return product

    def count(self, model) -> int:
        db.session.expire_all()
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def make(app) -> Factory:
    return Factory()
