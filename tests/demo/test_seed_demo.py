"""`flask seed-demo`: two real-feeling markets load through the API's own rules, once, the same every time."""

import json

import pytest
import sqlalchemy as sa

from market_app.accounts.models import User
from market_app.catalog.models import Product
from market_app.demo.data import DEMO_PASSWORD
from market_app.extensions import db
from market_app.markets.models import STALL_CATEGORIES, Market, Stall


@pytest.fixture
def seed(app):
    """Runs `flask seed-demo [args]` against the test database and returns what it printed."""
    runner = app.test_cli_runner()

    def seed(*args: str) -> str:
        result = runner.invoke(args=["seed-demo", *args])
        assert result.exit_code == 0, result.output
        return result.output

    return seed


def _demo_markets(client) -> dict[str, dict]:
    return {m["slug"]: m for m in client.get("/api/v1/markets").json}


def _login(client, email: str) -> dict:
    resp = client.post("/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD})
    assert resp.status_code == 200, resp.json
    return {"Authorization": f"Bearer {resp.json['access_token']}"}


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_seed_demo_loads_both_markets_with_25_or_more_active_stalls(client, seed):
    output = seed()

    assert "Demo logins" in output and DEMO_PASSWORD in output
    markets = _demo_markets(client)
    regions = {m["name"]: m["region"] for m in markets.values()}
    assert regions == {"망원시장": "서울 마포구", "광장시장": "서울 종로구"}
    for market in markets.values():
        resp = client.get(f"/api/v1/markets/{market['id']}/stalls?page_size=100")
        stalls = resp.json
        assert len(stalls) >= 25
        assert json.loads(resp.headers["X-Pagination"])["total"] == len(stalls)
        assert all(s["status"] == "active" and s["aisle"] and s["phone"] and s["hours"] for s in stalls)
        assert all(0 <= s["x"] <= market["map_width"] and 0 <= s["y"] <= market["map_height"] for s in stalls)
        assert len({s["aisle"] for s in stalls}) == len(stalls), "two stalls on one spot of the map"
        assert {s["category"] for s in stalls} <= set(STALL_CATEGORIES)
        assert len({s["category"] for s in stalls}) >= 12


def test_every_demo_stall_sells_five_to_ten_products_priced_in_whole_won(client, seed):
    seed()

    for market in _demo_markets(client).values():
        for stall in client.get(f"/api/v1/markets/{market['id']}/stalls?page_size=100").json:
            products = client.get(f"/api/v1/stalls/{stall['id']}/products?page_size=100").json
            assert 5 <= len(products) <= 10, stall["name"]
            assert all(isinstance(p["price"], int) and 500 <= p["price"] <= 200_000 for p in products)
            assert all(p["unit"] for p in products)


def test_demo_stock_mixes_untracked_plenty_and_nearly_sold_out(seed):
    seed()

    stocks = db.session.scalars(sa.select(Product.stock)).all()
    assert any(s is None for s in stocks)
    assert any(s is not None and s >= 8 for s in stocks)
    assert 0 < sum(1 for s in stocks if s is not None and s <= 3) < len(stocks) / 10


def test_some_demo_stalls_close_on_mondays_and_gwangjang_food_stays_open_late(client, seed):
    seed()
    markets = _demo_markets(client)

    mangwon = client.get(f"/api/v1/markets/{markets['mangwon']['id']}/stalls?page_size=100").json
    gwangjang = client.get(f"/api/v1/markets/{markets['gwangjang']['id']}/stalls?page_size=100").json
    assert any(s["hours"]["mon"] is None for s in mangwon)
    assert any(s["category"] == "restaurant" and s["hours"]["fri"].endswith("23:00") for s in gwangjang)


def test_demo_products_are_found_by_korean_text_and_initial_consonants(client, seed):
    seed()
    market_id = _demo_markets(client)["mangwon"]["id"]

    by_initials = client.get(f"/api/v1/markets/{market_id}/products", query_string={"q": "ㄷㅈ"}).json
    by_word = client.get(f"/api/v1/markets/{market_id}/products", query_string={"q": "떡볶이"}).json

    assert any(p["name"].startswith("돼지") for p in by_initials)
    assert by_word and all("떡볶이" in p["name"] for p in by_word)


def test_demo_accounts_sign_in_with_the_documented_password(client, seed):
    seed()

    admin = client.get("/api/v1/me", headers=_login(client, "admin@example.com")).json
    association = client.get("/api/v1/me", headers=_login(client, "mangwon-admin@example.com")).json
    merchant = client.get("/api/v1/me", headers=_login(client, "merchant-kim@example.com")).json
    _login(client, "shopper1@example.com")

    assert admin["is_platform_admin"] is True
    assert [(m["market_name"], m["role"]) for m in association["memberships"]] == [("망원시장", "admin")]
    assert len(merchant["stalls"]) == 3


def test_demo_accounts_share_one_password_hash_so_seeding_stays_fast(seed):
    seed()

    assert len(set(db.session.scalars(sa.select(User.password_hash)))) == 1


def test_seed_demo_twice_adds_nothing(seed):
    seed()
    counts = [_count(model) for model in (User, Market, Stall, Product)]

    output = seed()

    assert "already loaded" in output
    assert [_count(model) for model in (User, Market, Stall, Product)] == counts


def test_seed_demo_if_empty_leaves_a_database_with_its_own_markets_alone(seed, make):
    make.market()

    output = seed("--if-empty")

    assert "not loaded" in output
    assert _count(Market) == 1 and _count(Stall) == 0


@pytest.mark.committing  # empties the tables through its own db.engine.begin() connection between two seeds
def test_seed_demo_builds_the_same_catalog_every_time(seed):
    def catalog() -> list[tuple]:
        columns = (Stall.name, Stall.aisle, Stall.phone, Product.name, Product.unit, Product.price, Product.stock)
        stmt = sa.select(*columns).join(Product.stall).order_by(Stall.name, Product.name, Product.unit)
        return db.session.execute(stmt).all()

    seed()
    first = catalog()
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())

    seed()

    assert catalog() == first


def test_demo_live_sessions_past_sales_one_about_to_go_live_upcoming_and_flash_sales(client, seed):
    from datetime import datetime, timedelta

    from market_app.core.db import utcnow
    from market_app.orders.models import Order, OrderItem, StallOrder

    seed()
    sessions = []
    for market in _demo_markets(client).values():
        week_ago = (utcnow() - timedelta(days=8)).date().isoformat()
        sessions += client.get(f"/api/v1/markets/{market['id']}/live-sessions",
                               query_string={"from": week_ago, "page_size": 100}).json
    past = [s for s in sessions if s["status"] == "ended"]
    upcoming = [s for s in sessions if s["status"] == "scheduled"]
    starts_in = {s["id"]: datetime.fromisoformat(s["starts_at"]) - utcnow() for s in upcoming}

    assert len(past) >= 3 and all(s["replay_url"] and s["peak_viewers"] > 0 for s in past)
    [soon] = [s for s in upcoming if timedelta(0) < starts_in[s["id"]] <= timedelta(minutes=5)]
    assert soon["auto_start"] and soon["stream_url"].startswith("https://")
    assert sum(1 for s in upcoming if s["kind"] == "flash") == 2
    assert len(upcoming) >= 5 and all(s["offers"] for s in sessions)

    kim = _login(client, "merchant-kim@example.com")
    for session in past:
        lines = db.session.execute(
            sa.select(OrderItem.quantity, OrderItem.unit_price, OrderItem.line_total).join(StallOrder)
            .join(Order).where(OrderItem.live_session_id == session["id"], Order.paid_at.is_not(None))).all()
        prices = {o["live_price"] for o in session["offers"]}
        assert lines and all(price in prices for _, price, _ in lines)
        if session["stall_name"] in ("삼대정육점", "한우명가"):
            stats = client.get(f"/api/v1/live-sessions/{session['id']}/stats", headers=kim).json
            assert stats["gross"] == sum(total for *_, total in lines) > 0
            assert stats["units"] == sum(q for q, *_ in lines) and stats["orders"] > 0
            assert datetime.fromisoformat(session["ends_at"]) < utcnow()


@pytest.mark.committing  # empties the tables through a connection of its own between the two loads
def test_demo_live_sessions_are_the_same_every_time(seed):
    from market_app.live.models import LiveOffer, LiveSession
    from market_app.orders.models import OrderItem

    def live_world() -> list[tuple]:
        offers = db.session.execute(sa.select(LiveSession.title, LiveSession.kind, Product.name, LiveOffer.live_price,
                                              LiveOffer.quantity_cap, LiveOffer.sold)
                                    .join(LiveOffer.session).join(LiveOffer.product)
                                    .order_by(LiveSession.title, Product.name)).all()
        columns = (LiveSession.title, OrderItem.name, OrderItem.quantity, OrderItem.unit_price)
        lines = db.session.execute(sa.select(*columns).join(LiveSession, LiveSession.id == OrderItem.live_session_id)
                                   .order_by(LiveSession.title, OrderItem.id)).all()
        return offers + lines

    seed()
    first = live_world()
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())

    seed()

    assert live_world() == first
