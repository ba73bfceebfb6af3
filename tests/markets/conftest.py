"""Market helpers: a valid market body and a snapshot of rows to prove a refused request changed nothing."""

import pytest

TONGIN = {"name": "통인시장", "slug": "tongin", "region": "서울 종로구", "address": "서울 종로구 자하문로15길 18",
          "lat": 37.5806, "lng": 126.9700, "timezone": "Asia/Seoul", "commission_bps": 250}


@pytest.fixture
def market_body() -> dict:
    return dict(TONGIN)

