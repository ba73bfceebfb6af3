"""Catalog helpers: an open shop (market + active stall + its owner) and row snapshots."""

from dataclasses import dataclass

import pytest

from market_app.accounts.models import User
from market_app.extensions import db
from market_app.markets.models import Market, Stall

PORK = {"name": "돼지고기 앞다리", "unit": "1근 (600g)", "price": 9000, "stock": 20, "category": "meat"}


@dataclass
class Shop:
    market: Market
    stall: Stall
    owner: User
    owner_headers: dict


@pytest.fixture
def shop(make) -> Shop:
    market = make.market()
    owner = make.user("정육점 사장")
    stall = make.stall(market, owner=owner, name="망원 정육점", category="meat")
    return Shop(market, stall, owner, make.headers(owner))


@pytest.fixture
def owner_of():
    def owner_of(stall: Stall) -> User:
        return db.session.get(User, stall.owner_id)

    return owner_of


@pytest.fixture
def product_body() -> dict:
    return dict(PORK)

