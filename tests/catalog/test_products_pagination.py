"""Product lists are paginated: bounded page sizes, a stable order and totals in X-Pagination."""

import json

import pytest


@pytest.mark.parametrize(("query", "field"), [("page_size=101", "page_size"), ("page_size=0", "page_size"),
                                              ("page=0", "page"), ("page=abc", "page")])
def test_rejected_page_parameters_are_422_naming_the_parameter(client, shop, query, field):
    resp = client.get(f"/api/v1/stalls/{shop.stall.id}/products?{query}")

    assert resp.status_code == 422
    assert field in resp.json["errors"]["query"]


def test_largest_page_of_100_is_accepted(client, shop):
    assert client.get(f"/api/v1/stalls/{shop.stall.id}/products?page_size=100").status_code == 200


def test_pages_keep_a_stable_order_even_for_equal_names(client, make, shop):
    ids = [make.product(shop.stall, name="배추").id for _ in range(7)]

    pages = [client.get(f"/api/v1/stalls/{shop.stall.id}/products?page_size=3&page={n}") for n in (1, 2, 3)]

    assert sum(([p["id"] for p in page.json] for page in pages), []) == ids
    assert json.loads(pages[0].headers["X-Pagination"]) == {"total": 7, "total_pages": 3, "first_page": 1,
                                                            "last_page": 3, "page": 1, "next_page": 2}


def test_page_past_the_end_is_empty(client, make, shop):
    make.product(shop.stall)

    resp = client.get(f"/api/v1/stalls/{shop.stall.id}/products?page=5")

    assert resp.status_code == 200 and resp.json == []
    assert json.loads(resp.headers["X-Pagination"])["total"] == 1


def test_market_product_list_without_query_is_by_name_and_paginated(client, make, shop):
    for name in ("호박", "가지", "무"):
        make.product(shop.stall, name=name)

    first = client.get(f"/api/v1/markets/{shop.market.id}/products?page_size=2")
    second = client.get(f"/api/v1/markets/{shop.market.id}/products?page_size=2&page=2")

    assert [p["name"] for p in first.json + second.json] == ["가지", "무", "호박"]
    assert json.loads(first.headers["X-Pagination"])["total"] == 3
