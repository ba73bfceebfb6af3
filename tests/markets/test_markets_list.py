"""The public market list: filters by name and region, nearest first from a point, paginated."""

import json


def _names(resp) -> list[str]:
    return [m["name"] for m in resp.json]


def _seoul_and_busan(make):
    make.market(name="망원시장", region="서울 마포구", lat=37.5558, lng=126.9027)
    make.market(name="통인시장", region="서울 종로구", lat=37.5806, lng=126.9700)
    make.market(name="광장시장", region="서울 종로구", lat=37.5700, lng=126.9996)
    make.market(name="자갈치시장", region="부산 중구", lat=35.0966, lng=129.0306)


def test_market_list_is_public_and_ordered_by_name(client, make):
    _seoul_and_busan(make)

    resp = client.get("/api/v1/markets")

    assert resp.status_code == 200
    assert _names(resp) == ["광장시장", "망원시장", "자갈치시장", "통인시장"]
    assert {"id", "slug", "lat", "lng", "timezone", "currency", "commission_bps"} <= resp.json[0].keys()
    assert resp.json[0]["distance_km"] is None


def test_market_list_filters_by_name_and_by_region(client, make):
    _seoul_and_busan(make)

    assert _names(client.get("/api/v1/markets?q=자갈치")) == ["자갈치시장"]
    assert _names(client.get("/api/v1/markets?region=종로")) == ["광장시장", "통인시장"]
    assert _names(client.get("/api/v1/markets?q=광장&region=마포")) == []


def test_market_list_from_a_point_is_nearest_first(client, make):
    _seoul_and_busan(make)

    # From Gyeongbokgung: Tongin 0.6 km, Gwangjang 2.3 km, Mangwon 7.1 km, Jagalchi 330 km.
    resp = client.get("/api/v1/markets?lat=37.5796&lng=126.9770")

    assert _names(resp) == ["통인시장", "광장시장", "망원시장", "자갈치시장"]
    distances = [m["distance_km"] for m in resp.json]
    assert distances == sorted(distances)
    assert 0.5 < distances[0] < 0.8 and 300 < distances[-1] < 360


def test_rejected_market_list_with_lat_but_no_lng_is_422_naming_lng(client, make):
    resp = client.get("/api/v1/markets?lat=37.5")

    assert resp.status_code == 422
    assert "lng" in resp.json["errors"]["query"]


def test_market_list_pages_carry_the_x_pagination_header(client, make):
    _seoul_and_busan(make)

    first = client.get("/api/v1/markets?page_size=3")
    second = client.get("/api/v1/markets?page_size=3&page=2")

    assert json.loads(first.headers["X-Pagination"]) == {"total": 4, "total_pages": 2, "first_page": 1,
                                                         "last_page": 2, "page": 1, "next_page": 2}
    assert _names(first) + _names(second) == ["광장시장", "망원시장", "자갈치시장", "통인시장"]
