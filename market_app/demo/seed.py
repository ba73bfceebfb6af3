"""Builds the demo world through the services the API uses, one function per part, run in order.

Later parts (live sessions, past orders for the dashboards) add a function here that takes the
DemoWorld built so far and append it to SEED_STEPS.
"""

import random
from dataclasses import dataclass, field

import sqlalchemy as sa

from market_app.accounts import services as accounts
from market_app.accounts.models import User
from market_app.accounts.schemas import RegisterSchema
from market_app.catalog import services as catalog
from market_app.catalog.models import Product
from market_app.catalog.schemas import ProductSchema
from market_app.core.db import db
from market_app.demo.data import (
    AISLES,
    DEMO_EMAIL_DOMAIN,
    DEMO_PASSWORD,
    GIVEN_NAMES,
    MARKET_STAFF,
    MARKETS,
    MERCHANTS,
    PHONE_PREFIXES,
    PLATFORM_ADMIN,
    PRODUCT_POOLS,
    RANDOM_SEED,
    SHOPPERS,
    SLOTS_PER_AISLE,
    STALL_HOURS,
    SURNAMES,
    DemoStall,
)
from market_app.demo.delivery import seed_delivery_settings, seed_past_deliveries
from market_app.demo.history import seed_past_orders
from market_app.demo.live import seed_live
from market_app.demo.stalls import MARKET_STALLS
from market_app.markets import services as markets
from market_app.markets.models import Market, Stall
from market_app.markets.schemas import MarketSchema, MemberCreateSchema, StallSchema

DEMO_SLUGS = tuple(market["slug"] for market in MARKETS)

register_schema = RegisterSchema()
market_schema = MarketSchema()
member_schema = MemberCreateSchema()
stall_schema = StallSchema()
product_schema = ProductSchema()


@dataclass
class DemoWorld:
    """What the steps have built so far, for the steps after them."""

    rng: random.Random
    password_hash: str
    users: dict[str, User] = field(default_factory=dict)  # by email
    markets: dict[str, Market] = field(default_factory=dict)  # by slug
    stalls: dict[str, list[Stall]] = field(default_factory=dict)  # by market slug, in MARKET_STALLS order
    products: dict[str, list[Product]] = field(default_factory=dict)  # by market slug


def email(local_part: str) -> str:
    return f"{local_part}@{DEMO_EMAIL_DOMAIN}"


def owner_local_part(slug: str, index: int) -> str:
    """The account of a stall that has no featured merchant: mangwon-owner-03@..."""
    return f"{slug}-owner-{index + 1:02d}"


def demo_loaded() -> bool:
    return db.session.scalar(sa.select(Market.id).where(Market.slug.in_(DEMO_SLUGS)).limit(1)) is not None


def any_market() -> bool:
    return db.session.scalar(sa.select(Market.id).limit(1)) is not None


def _register(world: DemoWorld, local_part: str, name: str, *, platform_admin: bool = False) -> User:
    data = register_schema.load({"email": email(local_part), "password": DEMO_PASSWORD, "name": name})
    user = accounts.register(**data, platform_admin=platform_admin, password_hash=world.password_hash)
    world.users[user.email] = user
    return user


def seed_accounts(world: DemoWorld) -> None:
    """The platform admin, each market's staff, the featured merchants, shoppers and every other stall owner."""
    _register(world, *PLATFORM_ADMIN, platform_admin=True)
    for staff in MARKET_STAFF.values():
        for _role, local_part, name in staff:
            _register(world, local_part, name)
    for local_part, name in (*MERCHANTS.values(), *SHOPPERS):
        _register(world, local_part, name)
    for slug, stall_defs in MARKET_STALLS.items():
        for index, stall_def in enumerate(stall_defs):
            if stall_def.owner is None:
                name = world.rng.choice(SURNAMES) + world.rng.choice(GIVEN_NAMES)
                _register(world, owner_local_part(slug, index), name)


def seed_markets(world: DemoWorld) -> None:
    """Both markets and their association admin and courier."""
    for market_data in MARKETS:
        market = markets.create_market(market_schema.load(market_data))
        db.session.flush()
        for role, local_part, _name in MARKET_STAFF[market.slug]:
            markets.add_member(market, **member_schema.load({"email": email(local_part), "role": role}))
        world.markets[market.slug] = market


def _phone(rng: random.Random, slug: str) -> str:
    if rng.random() < 0.25:
        return f"010-{rng.randint(2000, 9999)}-{rng.randint(1000, 9999)}"
    return f"{PHONE_PREFIXES[slug]}{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"


def _stall_fields(world: DemoWorld, market: Market, stall_def: DemoStall, slot: tuple[int, int]) -> dict:
    aisle_index, number = slot
    return {
        "name": stall_def.name, "category": stall_def.category, "description": stall_def.description,
        "phone": _phone(world.rng, market.slug), "hours": STALL_HOURS[stall_def.hours],
        "aisle": f"{AISLES[aisle_index]}-{number:02d}",
        "x": round((number - 0.5) * market.map_width / SLOTS_PER_AISLE),
        "y": round((aisle_index + 0.5) * market.map_height / len(AISLES)),
    }


def seed_stalls(world: DemoWorld) -> None:
    """Every stall applies like a merchant would, then the association approves it."""
    all_slots = [(aisle, number) for aisle in range(len(AISLES)) for number in range(1, SLOTS_PER_AISLE + 1)]
    for slug, stall_defs in MARKET_STALLS.items():
        market = world.markets[slug]
        slots = world.rng.sample(all_slots, len(stall_defs))
        world.stalls[slug] = []
        for index, (stall_def, slot) in enumerate(zip(stall_defs, slots, strict=True)):
            owner = MERCHANTS[stall_def.owner][0] if stall_def.owner else owner_local_part(slug, index)
            data = stall_schema.load(_stall_fields(world, market, stall_def, slot))
            stall = markets.apply_for_stall(market, world.users[email(owner)], data)
            markets.approve_stall(stall, "demo data")
            world.stalls[slug].append(stall)
    db.session.flush()


def _price(rng: random.Random, price: int) -> int:
    """Neighbouring stalls differ a little; prices stay round (100 won, 500 won from 5,000 up)."""
    step = 500 if price >= 5000 else 100
    return max(step, round(price * rng.choice((0.9, 1.0, 1.0, 1.1)) / step) * step)


def _stock(rng: random.Random) -> int | None:
    """Half the products are not stock-tracked; a few are nearly sold out."""
    roll = rng.random()
    if roll < 0.5:
        return None
    return rng.randint(8, 60) if roll < 0.96 else rng.randint(1, 3)


def _items(rng: random.Random, stall_def: DemoStall) -> list[tuple]:
    if stall_def.menu:
        return list(stall_def.menu)
    pool = PRODUCT_POOLS[stall_def.category]
    picked = rng.sample(pool, rng.randint(5, min(10, len(pool))))
    return [(name, unit, _price(rng, price), *rest) for name, unit, price, *rest in picked]


def seed_products(world: DemoWorld) -> None:
    for slug, stall_defs in MARKET_STALLS.items():
        world.products[slug] = []
        for stall_def, stall in zip(stall_defs, world.stalls[slug], strict=True):
            for name, unit, price, *description in _items(world.rng, stall_def):
                data = product_schema.load({
                    "name": name, "unit": unit, "price": price, "stock": _stock(world.rng),
                    "category": stall_def.category, "description": description[0] if description else "",
                })
                world.products[slug].append(catalog.create_product(stall, data))
    db.session.flush()


SEED_STEPS = (seed_accounts, seed_markets, seed_stalls, seed_products, seed_delivery_settings, seed_past_deliveries,
              seed_live, seed_past_orders)


def seed_demo() -> DemoWorld:
    """Run every step in one transaction; the caller commits. Same seed, same data, every time."""
    world = DemoWorld(rng=random.Random(RANDOM_SEED), password_hash=accounts.hash_password(DEMO_PASSWORD))
    for step in SEED_STEPS:
        step(world)
    return world


def demo_logins() -> list[tuple[str, str]]:
    """(email, who) for the accounts worth trying; every demo account has DEMO_PASSWORD."""
    names = {market["slug"]: market["name"] for market in MARKETS}
    rows = [(email(PLATFORM_ADMIN[0]), "platform admin")]
    for slug, staff in MARKET_STAFF.items():
        for role, local_part, _name in staff:
            rows.append((email(local_part), f"{names[slug]} {'association admin' if role == 'admin' else role}"))
    for key, (local_part, name) in MERCHANTS.items():
        owned = [s.name for stall_defs in MARKET_STALLS.values() for s in stall_defs if s.owner == key]
        rows.append((email(local_part), f"merchant {name}: {', '.join(owned)}"))
    rows += [(email(local_part), f"shopper {name}") for local_part, name in SHOPPERS]
    first = MARKET_STALLS["mangwon"][0]
    rows.append((email(owner_local_part("mangwon", 0)),
                 f"owner of {first.name}; every other stall's owner is <market>-owner-<NN>"))
    return rows
