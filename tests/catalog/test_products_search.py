"""Market-wide product search in Korean: whole and partial words, 초성, mixed queries, ranking, paging."""

import json

import pytest


def _search(client, market, q: str, **params) -> list[str]:
    resp = client.get(f"/api/v1/markets/{market.id}/products", query_string={"q": q, **params})
    assert resp.status_code == 200, resp.json
    return [p["name"] for p in resp.json]


@pytest.fixture
def butcher_and_grocer(make, shop):
    make.product(shop.stall, name="돼지고기")
    make.product(shop.stall, name="소고기 등심")
    grocer = make.stall(shop.market, name="채소 가게")
    make.product(grocer, name="대추")
    make.product(grocer, name="단호박")
    return shop.market


@pytest.mark.parametrize(("q", "expected"), [
    ("돼지고기", ["돼지고기"]),
    ("지고", ["돼지고기"]),
    ("ㄷㅈㄱㄱ", ["돼지고기"]),
    ("돼ㅈ", ["돼지고기"]),
    ("ㄷㅊ", ["대추"]),
    ("고기", ["돼지고기", "소고기 등심"]),
    ("양파", []),
], ids=["whole-word", "partial-word", "initials", "mixed", "initials-other", "two-hits", "no-hit"])
def test_search_finds_products_by_korean_text_and_initials(client, butcher_and_grocer, q, expected):
    assert _search(client, butcher_and_grocer, q) == expected


def test_search_ranks_exact_then_prefix_then_contains_then_description(client, make, shop):
    for name in ("참가자미", "모둠 생선", "가자미 구이", "가자미", "고등어"):
        make.product(shop.stall, name=name, description="가자미, 고등어" if name == "모둠 생선" else "")

    assert _search(client, shop.market, "가자미") == ["가자미", "가자미 구이", "참가자미", "모둠 생선"]


def test_search_ranks_text_matches_before_initial_consonant_matches(client, make, shop):
    for name in ("참가자미", "가자미", "원예 ㄱ자 호미", "ㄱ자 호미"):
        make.product(shop.stall, name=name)

    # "ㄱ자" as text: the L-shaped hoe; as 초성: 가자미 (from the start) and 참가자미 (inside).
    assert _search(client, shop.market, "ㄱ자") == ["ㄱ자 호미", "원예 ㄱ자 호미", "가자미", "참가자미"]


def test_multi_word_search_needs_every_word_in_name_or_description(client, make, shop):
    make.product(shop.stall, name="국산 앞다리")
    make.product(shop.stall, name="앞다리살", description="국산 돼지")
    make.product(shop.stall, name="수입 앞다리", description="스페인")
    make.product(shop.stall, name="돼지고기 앞다리")

    assert _search(client, shop.market, "국산 앞다리") == ["국산 앞다리", "앞다리살"]
    assert _search(client, shop.market, "앞다리 돼지") == ["돼지고기 앞다리", "앞다리살"]


def test_search_leaves_out_unavailable_suspended_pending_and_other_market_products(client, make, shop):
    make.product(shop.stall, name="배추")
    make.product(shop.stall, name="배추 품절", available=False)
    make.product(make.stall(shop.market, status="suspended"), name="배추 정지")
    make.product(make.stall(shop.market, status="pending"), name="배추 심사")
    make.product(make.stall(make.market()), name="배추 다른시장")

    assert _search(client, shop.market, "배추") == ["배추"]
    assert _search(client, shop.market, "ㅂㅊ") == ["배추"]
    assert [p["name"] for p in client.get(f"/api/v1/markets/{shop.market.id}/products").json] == ["배추"]


def test_search_results_page_without_overlap(client, make, shop):
    for i in range(25):
        make.product(shop.stall, name=f"배추 {i:02d}")
    make.product(shop.stall, name="무")

    pages = [client.get(f"/api/v1/markets/{shop.market.id}/products?q=ㅂㅊ&page_size=10&page={n}") for n in (1, 2, 3)]

    names = [[p["name"] for p in page.json] for page in pages]
    assert [len(n) for n in names] == [10, 10, 5]
    assert sum(names, []) == [f"배추 {i:02d}" for i in range(25)]
    header = json.loads(pages[0].headers["X-Pagination"])
    assert (header["total"], header["total_pages"], header["next_page"]) == (25, 3, 2)
    assert json.loads(pages[2].headers["X-Pagination"])["total"] == 25


def test_search_narrows_by_stall(client, make, shop):
    make.product(shop.stall, name="배추")
    other = make.stall(shop.market)
    make.product(other, name="배추 절임")

    assert _search(client, shop.market, "배추", stall_id=other.id) == ["배추 절임"]


def test_rejected_search_in_unknown_market_is_404(client):
    assert client.get("/api/v1/markets/999999/products?q=배추").status_code == 404


@pytest.mark.parametrize("q", ["%", "_", "/", "%고기", "ㄷ_"])
def test_like_wildcards_in_q_match_themselves_only(client, make, shop, q):
    make.product(shop.stall, name="돼지고기")
    make.product(shop.stall, name="100% 국산 고기", description="a_b / c")

    names = _search(client, shop.market, q)

    assert "돼지고기" not in names
