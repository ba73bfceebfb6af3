"""The public listings dump plain rows without marshmallow per row (core.schemas.row_dumper): what they answer is
exactly what their documented schemas dump from the model objects, so the OpenAPI document stays true."""

import sqlalchemy as sa

from market_app.catalog.models import Product
from market_app.catalog.schemas import ProductSchema
from market_app.extensions import db
from market_app.markets.models import Market, Stall
from market_app.markets.schemas import MarketMapSchema, MarketSchema, StallSchema
from tests.helpers import API

CLOSED_ALL_WEEK = {day: None for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def _stalls(market, *order) -> list[Stall]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Stall).where(Stall.market_id == market.id, Stall.status == "active")
                                   .order_by(*order)))


def _varied_market(make):
    market = make.market()
    full = make.stall(market, name="가득 찬 가게", phone="02-335-1234", aisle="B-12", map_x=10, map_y=20,
                      description="설명", stripe_account_id="acct_123", status_reason="재개장",
                      hours={"mon": "09:00-13:00,14:00-20:00", "sat": "18:00-02:00", "sun": None})
    bare = make.stall(market, name="빈 가게", hours=CLOSED_ALL_WEEK)
    make.stall(market, name="늘 여는 가게")
    make.product(full, name="돼지고기", price=9000, stock=None, description="앞다리", category="meat",
                 image_url="https://example.kr/a.jpg", max_per_order=5)
    make.product(full, name="돼지갈비", price=15000, stock=0)
    make.product(bare, name="된장", price=5000, stock=7)
    return market


def test_the_stall_list_is_what_the_stall_schema_dumps(client, make):
    market = _varied_market(make)

    resp = client.get(f"{API}/markets/{market.id}/stalls")

    assert resp.status_code == 200
    assert resp.json == StallSchema(many=True).dump(_stalls(market, Stall.name, Stall.id))


def test_the_map_is_what_the_map_schema_dumps(client, make):
    market = _varied_market(make)

    resp = client.get(f"{API}/markets/{market.id}/map")

    stalls = _stalls(market, Stall.aisle, Stall.id)
    expected = MarketMapSchema().dump({"market_id": market.id, "name": market.name, "width": market.map_width,
                                       "height": market.map_height, "stalls": stalls})
    assert resp.status_code == 200 and resp.json == expected


def test_product_listings_and_search_are_what_the_product_schema_dumps(client, make):
    market = _varied_market(make)
    db.session.expire_all()
    products = {p.id: p for p in db.session.scalars(sa.select(Product))}

    for query in ("", "?q=돼지", "?q=ㄷㅈ", "?category=meat"):
        resp = client.get(f"{API}/markets/{market.id}/products{query}")
        assert resp.status_code == 200 and resp.json, query
        expected = ProductSchema(many=True).dump([products[row["id"]] for row in resp.json])
        assert resp.json == expected, query


def test_the_market_list_is_what_the_market_schema_dumps(client, make):
    make.market(name="가 시장", hours={"mon": "09:00-18:00"}, map_width=300)
    make.market(name="나 시장", commission_bps=0)
    db.session.expire_all()
    markets = list(db.session.scalars(sa.select(Market).order_by(Market.name, Market.id)))

    assert client.get(f"{API}/markets").json == MarketSchema(many=True).dump(markets)
    near = client.get(f"{API}/markets?lat=37.55&lng=126.9").json
    assert [{**m, "distance_km": None} for m in near] == MarketSchema(many=True).dump(
        sorted(markets, key=lambda m: [row["id"] for row in near].index(m.id)))
    assert all(m["distance_km"] is not None for m in near)


def test_the_row_dumper_converts_every_value_as_marshmallow_does():
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from marshmallow import fields

    from market_app.core.schemas import BaseSchema, row_dumper
    from market_app.markets.models import StallStatus
    from market_app.markets.schemas import HoursSchema

    class Mixed(BaseSchema):
        number = fields.Integer()
        text = fields.String()
        flag = fields.Boolean()
        ratio = fields.Float()
        when = fields.DateTime()
        hours = fields.Nested(HoursSchema, allow_none=True)
        tags = fields.List(fields.String())
        renamed = fields.Integer(attribute="other", data_key="shown")

    rows = [
        {"number": True, "text": StallStatus.ACTIVE, "flag": 1, "ratio": 3, "when": datetime(2026, 1, 2, tzinfo=UTC),
         "hours": {"mon": "09:00-18:00", "sun": None, "xyz": "?"}, "tags": ["a", 2], "other": 7.0},
        {"number": 5, "text": "문자", "flag": False, "ratio": 0.5, "when": None, "hours": None, "tags": None,
         "other": None},
    ]
    dump = row_dumper(Mixed())

    for row in rows:
        assert dump(row) == Mixed().dump(SimpleNamespace(**row))
        assert [type(v) for v in dump(row).values()] == [type(v) for v in Mixed().dump(SimpleNamespace(**row)).values()]
