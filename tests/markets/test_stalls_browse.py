"""Browsing a market's stalls: by category, by text, open right now, and on the market map."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from market_app.extensions import db
from market_app.markets.models import Stall
from market_app.markets.services import stall_rows

SEOUL = ZoneInfo("Asia/Seoul")
EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _every_day_from_now(start_minutes: int, end_minutes: int) -> dict:
    """The same range every day, placed relative to the current minute in Seoul (wrapping past midnight)."""
    now = datetime.now(SEOUL)
    minute = now.hour * 60 + now.minute

    def clock(offset: int) -> str:
        m = (minute + offset) % (24 * 60)
        return f"{m // 60:02d}:{m % 60:02d}"

    return {day: f"{clock(start_minutes)}-{clock(end_minutes)}" for day in EVERY_DAY}


def _names(resp) -> list[str]:
    assert resp.status_code == 200, resp.json
    return [s["name"] for s in resp.json]


def test_stalls_filter_by_category(client, make):
    market = make.market()
    make.stall(market, name="망원 정육점", category="meat")
    make.stall(market, name="바다 수산", category="seafood")
    make.stall(market, name="한우 명가", category="meat")

    assert _names(client.get(f"/api/v1/markets/{market.id}/stalls?category=meat")) == ["망원 정육점", "한우 명가"]


def test_rejected_unknown_stall_category_filter_is_422_naming_category(client, make):
    resp = client.get(f"/api/v1/markets/{make.market().id}/stalls?category=weapons")

    assert resp.status_code == 422 and "category" in resp.json["errors"]["query"]


def test_stalls_filter_by_text_in_name_or_description(client, make):
    market = make.market()
    make.stall(market, name="할머니 떡집", description="인절미, 꿀떡")
    make.stall(market, name="바다 수산", description="고등어, 갈치")
    make.stall(market, name="방앗간", description="떡 맞춤 주문")

    assert _names(client.get(f"/api/v1/markets/{market.id}/stalls?q=떡")) == ["방앗간", "할머니 떡집"]
    assert _names(client.get(f"/api/v1/markets/{market.id}/stalls?q=갈치")) == ["바다 수산"]


def test_like_wildcards_in_the_stall_text_filter_match_themselves_only(client, make):
    market = make.market()
    make.stall(market, name="할머니 떡집")
    make.stall(market, name="100% 국산", description="a_b / c")

    for q in ("%", "_", "/"):
        assert _names(client.get(f"/api/v1/markets/{market.id}/stalls", query_string={"q": q})) == ["100% 국산"], q


def test_open_now_filter_splits_open_and_closed_stalls_by_seoul_time(client, make):
    market = make.market(timezone="Asia/Seoul")
    make.stall(market, name="지금 여는 가게", hours=_every_day_from_now(-60, 60))
    make.stall(market, name="곧 여는 가게", hours=_every_day_from_now(120, 180))

    open_now = client.get(f"/api/v1/markets/{market.id}/stalls?open_now=true")
    closed_now = client.get(f"/api/v1/markets/{market.id}/stalls?open_now=false")

    assert _names(open_now) == ["지금 여는 가게"] and open_now.json[0]["open_now"] is True
    assert _names(closed_now) == ["곧 여는 가게"] and closed_now.json[0]["open_now"] is False
    assert len(_names(client.get(f"/api/v1/markets/{market.id}/stalls"))) == 2


def test_open_now_filter_uses_the_markets_own_timezone(client, make):
    """New York is 13-14 hours behind Seoul: hours that are open now in Seoul are closed now in New York."""
    market = make.market(timezone="America/New_York")
    make.stall(market, name="서울 시간 가게", hours=_every_day_from_now(-60, 60))

    assert _names(client.get(f"/api/v1/markets/{market.id}/stalls?open_now=true")) == []


def test_overnight_hours_are_open_after_midnight_and_closed_at_closing_time(make):
    market = make.market(timezone="Asia/Seoul")
    make.stall(market, name="포장마차", hours={"fri": "22:00-02:00"})

    def open_at(*local) -> list[str]:
        now = datetime(*local, tzinfo=SEOUL).astimezone(UTC)
        stmt, params, _facts, recheck = stall_rows(market.id, [Stall.name], open_now=True, now=now)
        rows = db.session.execute(stmt, params).all()
        again = recheck(rows)  # bound for the time zone last read of a market with this id: read again if not this
        if again is not None:
            rows = db.session.execute(stmt, again).all()
        return [row.name for row in rows]

    assert open_at(2026, 11, 27, 23, 0) == ["포장마차"]  # Friday night
    assert open_at(2026, 11, 28, 1, 0) == ["포장마차"]  # Saturday 01:00, still Friday's night
    assert open_at(2026, 11, 28, 2, 0) == []  # closing time
    assert open_at(2026, 11, 27, 1, 0) == []  # Friday 01:00 belongs to Thursday, which is closed


def test_market_map_shows_active_stalls_with_aisle_and_position(client, make):
    market = make.market(name="망원시장", map_width=120, map_height=40)
    active = make.stall(market, name="정육점", category="meat", aisle="B-12", map_x=40, map_y=12)
    make.stall(market, name="심사 중", status="pending", aisle="C-1", map_x=1, map_y=1)
    make.stall(market, name="정지됨", status="suspended", aisle="C-2", map_x=2, map_y=2)

    resp = client.get(f"/api/v1/markets/{market.id}/map")

    assert resp.status_code == 200
    assert resp.json == {"market_id": market.id, "name": "망원시장", "width": 120, "height": 40, "stalls": [
        {"id": active.id, "name": "정육점", "category": "meat", "aisle": "B-12", "x": 40, "y": 12, "open_now": True}]}


def test_stall_shows_open_now_from_its_hours(client, make):
    market = make.market()
    closed_today = make.stall(market, hours={day: None for day in EVERY_DAY})

    assert client.get(f"/api/v1/stalls/{closed_today.id}").json["open_now"] is False


def test_an_empty_list_is_200_and_a_market_that_does_not_exist_is_404(client, make):
    """The page's rows carry the market's time zone, so the market is read apart only for an empty page: an empty
    page of a real market is an empty list, of no market a 404 (also past the last page, and for products)."""
    market = make.market()
    make.stall(market, name="하나뿐인 가게", hours=_every_day_from_now(-60, 60))
    empty = ["/stalls?q=없는가게", "/stalls?page=2", "/stalls?open_now=false", "/products", "/products?q=없는물건",
             "/products?page=9"]

    for path in empty:
        resp = client.get(f"/api/v1/markets/{market.id}{path}")
        assert resp.status_code == 200 and resp.json == [], (path, resp.json)
    for path in ["/stalls", "/stalls?open_now=true", *empty]:
        resp = client.get(f"/api/v1/markets/{market.id + 1000}{path}")
        assert resp.status_code == 404 and resp.json["message"] == "Market not found.", (path, resp.json)
    assert _names(client.get(f"/api/v1/markets/{market.id}/stalls")) == ["하나뿐인 가게"]
    assert _names(client.get(f"/api/v1/markets/{market.id}/stalls?open_now=true")) == ["하나뿐인 가게"]


def test_a_market_that_moves_to_another_time_zone_has_its_open_stalls_in_the_new_local_time_at_once(
        client, make, shop):
    """Open now is bound for the market's time zone as last read and checked against the one its rows carry."""
    make.stall(shop.market, name="서울 낮 가게", hours=_every_day_from_now(-60, 60))
    url = f"/api/v1/markets/{shop.market.id}/stalls?open_now="
    assert "서울 낮 가게" in _names(client.get(url + "true"))

    resp = client.patch(f"/api/v1/markets/{shop.market.id}", json={"timezone": "America/New_York"},
                        headers=shop.admin_headers)
    assert resp.status_code == 200, resp.json

    assert "서울 낮 가게" not in _names(client.get(url + "true"))  # 13 or 14 hours earlier there: closed
    assert "서울 낮 가게" in _names(client.get(url + "false"))
