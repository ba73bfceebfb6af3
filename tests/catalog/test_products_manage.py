"""Products: only a stall's owner adds and edits them; deletion hides them but keeps the row."""

import pytest
import sqlalchemy as sa

from market_app.catalog.models import Product
from market_app.extensions import db


def test_owner_adds_a_product_to_the_stall(client, shop, product_body):
    resp = client.post(f"/api/v1/stalls/{shop.stall.id}/products", json=product_body, headers=shop.owner_headers)

    assert resp.status_code == 201
    body = resp.json
    assert (body["stall_id"], body["market_id"], body["stall_name"]) == (shop.stall.id, shop.market.id, "망원 정육점")
    assert (body["name"], body["unit"], body["price"], body["stock"]) == ("돼지고기 앞다리", "1근 (600g)", 9000, 20)
    assert body["available"] is True and body["sold_out"] is False
    assert client.get(f"/api/v1/products/{body['id']}").json["price"] == 9000


@pytest.mark.parametrize(("who", "status"), [
    ("anonymous", 401), ("another_merchant", 403), ("market_admin", 403), ("shopper", 403)])
def test_rejected_product_creation_by_non_owner_writes_nothing(client, make, shop, product_body, owner_of, who,
                                                              status):
    headers = {"anonymous": lambda: {},
               "another_merchant": lambda: make.headers(owner_of(make.stall(shop.market))),
               "market_admin": lambda: make.headers(make.member(shop.market, "admin")),
               "shopper": lambda: make.headers(make.user())}[who]()

    resp = client.post(f"/api/v1/stalls/{shop.stall.id}/products", json=product_body, headers=headers)

    assert resp.status_code == status and resp.json["code"] == status
    assert make.count(Product) == 0


@pytest.mark.parametrize(("change", "field"), [
    ({"price": -1}, "price"),
    ({"price": 10_000_001}, "price"),
    ({"price": 9000.5}, "price"),
    ({"price": "9000"}, "price"),
    ({"stock": -1}, "stock"),
    ({"stock": 2.0}, "stock"),
    ({"origin": "국내산"}, "origin"),
    ({"image_url": "javascript:alert(1)"}, "image_url"),
], ids=["negative-price", "price-over-10m", "float-price", "string-price", "negative-stock", "float-stock",
        "unknown-field", "image-url-scheme"])
def test_rejected_product_body_is_422_naming_the_field_and_writes_nothing(client, make, shop, product_body,
                                                                          change, field):
    resp = client.post(f"/api/v1/stalls/{shop.stall.id}/products", json=product_body | change,
                       headers=shop.owner_headers)

    assert resp.status_code == 422
    assert list(resp.json["errors"]["json"]) == [field]
    assert make.count(Product) == 0


def test_rejected_product_without_unit_is_422_naming_unit(client, make, shop, product_body):
    del product_body["unit"]

    resp = client.post(f"/api/v1/stalls/{shop.stall.id}/products", json=product_body, headers=shop.owner_headers)

    assert resp.status_code == 422 and list(resp.json["errors"]["json"]) == ["unit"]
    assert make.count(Product) == 0


def test_price_of_exactly_ten_million_won_is_accepted(client, shop, product_body):
    resp = client.post(f"/api/v1/stalls/{shop.stall.id}/products", json=product_body | {"price": 10_000_000},
                       headers=shop.owner_headers)

    assert resp.status_code == 201 and resp.json["price"] == 10_000_000


def test_owner_patch_changes_stock_and_price_only(client, make, shop):
    product = make.product(shop.stall, name="삼겹살", price=15000, stock=5, category="meat")

    resp = client.patch(f"/api/v1/products/{product.id}", json={"stock": 0, "price": 14000},
                        headers=shop.owner_headers)

    assert resp.status_code == 200
    assert (resp.json["stock"], resp.json["price"], resp.json["sold_out"]) == (0, 14000, True)
    assert (resp.json["name"], resp.json["unit"], resp.json["category"]) == ("삼겹살", "1포기", "meat")


def test_rejected_product_patch_by_market_admin_is_403_and_changes_nothing(client, make, shop, snapshot):
    product = make.product(shop.stall, price=15000)
    before = snapshot(Product)

    resp = client.patch(f"/api/v1/products/{product.id}", json={"price": 1},
                        headers=make.headers(make.member(shop.market, "admin")))

    assert resp.status_code == 403
    assert snapshot(Product) == before


def test_rejected_product_patch_with_negative_stock_is_422_and_changes_nothing(client, make, shop, snapshot):
    product = make.product(shop.stall, stock=3)
    before = snapshot(Product)

    resp = client.patch(f"/api/v1/products/{product.id}", json={"stock": -1, "price": 1}, headers=shop.owner_headers)

    assert resp.status_code == 422 and "stock" in resp.json["errors"]["json"]
    assert snapshot(Product) == before


def test_deleted_product_is_hidden_everywhere_but_its_row_stays(client, make, shop):
    product = make.product(shop.stall, name="돼지고기")
    make.product(shop.stall, name="소고기")

    resp = client.delete(f"/api/v1/products/{product.id}", headers=shop.owner_headers)

    assert resp.status_code == 204 and resp.get_data() == b""
    assert client.get(f"/api/v1/products/{product.id}").status_code == 404
    assert [p["name"] for p in client.get(f"/api/v1/stalls/{shop.stall.id}/products").json] == ["소고기"]
    assert client.get(f"/api/v1/markets/{shop.market.id}/products?q=돼지").json == []
    assert client.delete(f"/api/v1/products/{product.id}", headers=shop.owner_headers).status_code == 404
    db.session.expire_all()
    row = db.session.scalar(sa.select(Product).filter_by(id=product.id))
    assert row is not None and row.deleted_at is not None


@pytest.mark.parametrize("status", ["pending", "suspended"])
def test_products_of_a_non_active_stall_are_not_public(client, make, owner_of, status):
    market = make.market()
    stall = make.stall(market, status=status)
    product = make.product(stall, name="배추")

    assert client.get(f"/api/v1/stalls/{stall.id}/products").status_code == 404
    assert client.get(f"/api/v1/products/{product.id}").status_code == 404
    assert client.get(f"/api/v1/markets/{market.id}/products").json == []
    assert client.get(f"/api/v1/markets/{market.id}/products?q=배추").json == []
    owner_view = client.get(f"/api/v1/stalls/{stall.id}/products", headers=make.headers(owner_of(stall)))
    assert [p["id"] for p in owner_view.json] == [product.id]


def test_stall_products_filter_by_availability(client, make, shop):
    make.product(shop.stall, name="목살", available=False)
    make.product(shop.stall, name="삼겹살")

    resp = client.get(f"/api/v1/stalls/{shop.stall.id}/products?available=false")

    assert [p["name"] for p in resp.json] == ["목살"]

