"""The public reads come from a response cache that is never stale: every write is seen by the very next read,
through every cached route, also when the reader is another app instance or another process sharing the store;
clients get ETags and 304s."""

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from market_app import create_app
from market_app.catalog.models import Product
from market_app.core import versions
from market_app.extensions import db
from tests.helpers import API, order_body, place_order
from tests.localstripe_plugin import free_port

pytestmark = pytest.mark.committing  # other app instances and processes read what the tests wrote

CLOSED_ALL_WEEK = {day: None for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
REPO_ROOT = Path(__file__).resolve().parents[2]
# Other app instances read versions as production does, on a connection of their own (they commit, see above).
OWN_CONNECTION = {"PUBLIC_CACHE_OWN_CONNECTION": True}


@pytest.fixture
def statements(app):
    """`with statements() as sent:` the SQL statements sent in the block."""

    @contextmanager
    def statements():
        sent = []

        def count(_conn, _cursor, statement, *_args):
            sent.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            yield sent
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)

    return statements


def _cached(client, statements, url: str):
    """Read url twice; the second answer must come from the cache: no statement but the version's read (in the
    request's session here; on a connection of its own in production, core/versions.py)."""
    first = client.get(url)
    assert first.status_code == 200, first.json
    with statements() as sent:
        second = client.get(url)
    assert second.status_code == 200 and second.data == first.data
    assert len(sent) == 1 and "cache_versions" in sent[0], sent
    return second


def _names(resp) -> list[str]:
    return [row["name"] for row in resp.json]


def _search(market, q: str) -> str:
    return f"{API}/markets/{market.id}/products?q={q}"


# Each case: the cached read, the write through the API, and what the read shows right after it.
def _rename_market(client, shop):
    resp = client.patch(f"{API}/markets/{shop.market.id}", json={"name": "새 이름 시장"}, headers=shop.admin_headers)
    assert resp.status_code == 200, resp.json


def _resize_map(client, shop):
    resp = client.patch(f"{API}/markets/{shop.market.id}", json={"map_width": 450}, headers=shop.admin_headers)
    assert resp.status_code == 200, resp.json


def _rename_stall(client, shop):
    stand = shop.stands[0]
    resp = client.patch(f"{API}/stalls/{stand.stall.id}", json={"name": "이름 바꾼 채소가게"}, headers=stand.headers)
    assert resp.status_code == 200, resp.json


def _close_stall_all_week(client, shop):
    stand = shop.stands[0]
    resp = client.patch(f"{API}/stalls/{stand.stall.id}", json={"hours": CLOSED_ALL_WEEK}, headers=stand.headers)
    assert resp.status_code == 200, resp.json


def _move_stall(client, shop):
    stand = shop.stands[0]
    resp = client.patch(f"{API}/stalls/{stand.stall.id}", json={"aisle": "Z-99", "x": 42}, headers=stand.headers)
    assert resp.status_code == 200, resp.json


def _suspend_stall(client, shop):
    resp = client.post(f"{API}/stalls/{shop.stands[0].stall.id}/suspend", json={"reason": "위생 점검"},
                       headers=shop.admin_headers)
    assert resp.status_code == 200, resp.json


def _reprice(client, shop):
    stand = shop.stands[0]
    resp = client.patch(f"{API}/products/{stand.product.id}", json={"price": 3500}, headers=stand.headers)
    assert resp.status_code == 200, resp.json


def _order_two(client, shop):
    resp = place_order(client, shop.headers, order_body(shop.market, [(shop.stands[0].product, 2)]))
    assert resp.status_code == 201, resp.json


def _delete_product(client, shop):
    stand = shop.stands[0]
    assert client.delete(f"{API}/products/{stand.product.id}", headers=stand.headers).status_code == 204


def _add_product(client, shop):
    stand = shop.stands[0]
    body = {"name": "배추김치", "unit": "1kg", "price": 9000}
    resp = client.post(f"{API}/stalls/{stand.stall.id}/products", json=body, headers=stand.headers)
    assert resp.status_code == 201, resp.json


def _schedule_a_session(client, shop):
    stand = shop.stands[0]
    starts = datetime.now(UTC) + timedelta(hours=2)
    resp = client.post(f"{API}/stalls/{stand.stall.id}/live-sessions", headers=stand.headers, json={
        "title": "저녁 라이브", "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(minutes=30)).isoformat(),
        "offers": [{"product_id": stand.product.id, "live_price": 2500, "quantity_cap": 3}]})
    assert resp.status_code == 201, resp.json


def _rename_offered_product(client, shop):
    stand = shop.stands[0]
    resp = client.patch(f"{API}/products/{stand.product.id}", json={"name": "햇배추"}, headers=stand.headers)
    assert resp.status_code == 200, resp.json


def _order_for_delivery(client, shop):
    resp = place_order(client, shop.headers, order_body(shop.market, [(shop.stands[1].product, 3)], "delivery"))
    assert resp.status_code == 201, resp.json


def _quote(shop) -> str:
    return f"{API}/markets/{shop.market.id}/delivery/quote?lat=37.556&lng=126.905&subtotal=15000"


def _slot_places(resp) -> dict:
    return {slot["start"]: slot["remaining"] for slot in resp.json["slots"]}


def _product(resp, name: str) -> dict:
    return next(row for row in resp.json if row["name"] == name)


def _at(path: str):
    """The URL of a market's cached read, from the test's shop."""
    return lambda client, shop: f"{API}/markets/{shop.market.id}{path}"


def _with_a_session(client, shop) -> str:
    _schedule_a_session(client, shop)
    return f"{API}/markets/{shop.market.id}/live-sessions"


def _first_offer_named(name: str):
    return lambda resp: bool(resp.json) and resp.json[0]["offers"][0]["name"] == name


def _one_slot_has_less(resp) -> bool:
    places = _slot_places(resp).values()
    return min(places) < max(places)


CASES = {
    "market list, market renamed": (
        lambda client, shop: f"{API}/markets", _rename_market, lambda resp: "새 이름 시장" in _names(resp)),
    "market page, map resized": (_at(""), _resize_map, lambda resp: resp.json["map_width"] == 450),
    "stall list, stall renamed": (_at("/stalls"), _rename_stall, lambda resp: "이름 바꾼 채소가게" in _names(resp)),
    "stall list open now, stall closed all week": (
        _at("/stalls?open_now=true"), _close_stall_all_week, lambda resp: len(resp.json) == 1),
    "stall list, stall suspended": (_at("/stalls"), _suspend_stall, lambda resp: len(resp.json) == 1),
    "market map, stall moved": (
        _at("/map"), _move_stall, lambda resp: any(s["aisle"] == "Z-99" and s["x"] == 42 for s in resp.json["stalls"])),
    "market map, stall closed all week": (
        _at("/map"), _close_stall_all_week,
        lambda resp: sorted(s["open_now"] for s in resp.json["stalls"]) == [False, True]),
    "product search, price changed": (
        _at("/products?q=배추"), _reprice, lambda resp: _product(resp, "배추")["price"] == 3500),
    "product search, stock taken by an order": (
        _at("/products?q=ㅂㅊ"), _order_two, lambda resp: _product(resp, "배추")["stock"] == 8),
    "product search, stall suspended": (_at("/products"), _suspend_stall, lambda resp: _names(resp) == ["고등어"]),
    "product search, product deleted": (_at("/products?q=배추"), _delete_product, lambda resp: resp.json == []),
    "product search, product added": (
        _at("/products?q=배추"), _add_product, lambda resp: "배추김치" in _names(resp)),
    "live schedule, session scheduled": (
        _at("/live-sessions"), _schedule_a_session, lambda resp: [s["title"] for s in resp.json] == ["저녁 라이브"]),
    "live schedule, offered product renamed": (_with_a_session, _rename_offered_product, _first_offer_named("햇배추")),
    "delivery quote, a delivery order takes a slot's place": (
        lambda client, shop: _quote(shop), _order_for_delivery, _one_slot_has_less),
}


@pytest.mark.parametrize("case", CASES)
def test_a_write_is_seen_by_the_next_read_of_every_cached_route(client, shop, statements, case):
    url_of, write, shows_the_write = CASES[case]
    url = url_of(client, shop)
    before = _cached(client, statements, url)
    assert not shows_the_write(before)

    write(client, shop)

    after = client.get(url)
    assert after.status_code == 200 and shows_the_write(after), after.json
    assert _cached(client, statements, url).data == after.data


@pytest.fixture
def second_app(app):
    """Another instance of the app (its own engine, its own per-process entries) on the same database and store."""
    other = create_app(dict(app.config) | OWN_CONNECTION)
    yield other
    with other.app_context():
        db.engine.dispose()


def test_another_app_instance_serves_what_one_cached_and_sees_its_writes_at_once(client, second_app, shop, statements):
    other = second_app.test_client()
    url = f"{API}/markets/{shop.market.id}/stalls"
    first = client.get(url)

    with second_app.app_context(), statements() as sent:
        shared = other.get(url)
    assert shared.data == first.data and sent == []  # from the shared store

    _rename_stall(client, shop)
    assert "이름 바꾼 채소가게" in _names(other.get(url))
    resp = other.patch(f"{API}/stalls/{shop.stands[0].stall.id}", json={"name": "다시 바꾼 가게"},
                       headers=shop.stands[0].headers)
    assert resp.status_code == 200
    assert "다시 바꾼 가게" in _names(client.get(url))


@pytest.fixture
def computing_app(app):
    """Another instance with the cache off, reading public listings as production's workers do: on a connection
    each thread keeps, in autocommit (core.db.read), not in a session."""
    other = create_app(dict(app.config) | OWN_CONNECTION | {"PUBLIC_CACHE": False})
    yield other
    with other.app_context():
        db.engine.dispose()


LISTINGS = [case for case in CASES if not case.startswith("market page")]  # the market's page is read by the ORM


@pytest.mark.parametrize("case", LISTINGS)
def test_reads_on_a_kept_connection_see_every_write_at_once(client, computing_app, shop, case):
    url_of, write, shows_the_write = CASES[case]
    url = url_of(client, shop)
    other = computing_app.test_client()
    before = other.get(url)
    assert before.status_code == 200 and not shows_the_write(before)
    assert before.json == client.get(url).json

    write(client, shop)

    after = other.get(url)
    assert after.status_code == 200 and shows_the_write(after), after.json
    assert after.json == client.get(url).json
    assert computing_app.extensions["db.kept_connections"].connection is not None  # read on the kept connection


def _drop_kept_connection(app):
    """What a database restart does to the connection the test client's thread keeps (core.db.KeptConnections)."""
    kept = app.extensions["db.kept_connections"]
    dropped = kept.connection
    if dropped.dialect.name == "postgresql":  # the server ends it
        with app.app_context(), db.engine.connect() as ending:
            pid = dropped.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            ending.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    else:  # a file has no server to end it: closed under it
        dropped.connection.dbapi_connection.close()
    return kept, dropped


# The listings read on the kept connection (cache off), and a cached read first reads its version there (cache on).
@pytest.mark.parametrize("instance", ["computing_app", "second_app"])
def test_a_kept_connection_the_database_dropped_is_replaced_without_an_error(request, instance, shop):
    app = request.getfixturevalue(instance)
    other = app.test_client()
    url = f"{API}/markets/{shop.market.id}/stalls"
    first = other.get(url)
    kept, dropped = _drop_kept_connection(app)

    again = other.get(url)

    assert again.status_code == 200 and again.data == first.data
    assert kept.connection is not dropped and dropped.closed


class Reader:
    """Another process on the same database and store, reading URLs with its own app and test client."""

    def __init__(self, app):
        config = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **OWN_CONNECTION,
                  "PUBLIC_CACHE_DIR": app.config["PUBLIC_CACHE_DIR"],
                  "JOBS_SQLITE_PATH": app.config["JOBS_SQLITE_PATH"]}
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("public_cache_reader.py")), json.dumps(config)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT)

    def get(self, url: str) -> dict:
        self.process.stdin.write(url + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, "the reader process died"
        return json.loads(line)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(30)


@pytest.fixture
def reader(app):
    process = Reader(app)
    yield process
    process.close()


def test_another_process_sharing_the_store_never_reads_an_old_answer(client, reader, shop, statements):
    url = f"{API}/markets/{shop.market.id}/products?q=ㅂㅊ"
    mine = client.get(url)

    theirs = reader.get(url)
    assert theirs["status"] == 200 and theirs["body"] == mine.json
    assert theirs["statements"] == 0  # found in the store this process filled

    _reprice(client, shop)
    theirs = reader.get(url)
    # Computed, not from the store: the products read (the version's read goes on a raw connection, not counted).
    assert theirs["body"][0]["price"] == 3500 and theirs["statements"] == 1
    _order_two(client, shop)
    assert reader.get(url)["body"][0]["stock"] == 8


def test_etag_and_304_while_the_answer_is_unchanged(client, shop, make):
    url = f"{API}/markets/{shop.market.id}/stalls"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, no-cache"

    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag

    make.stall(make.market(), name="다른 시장 가게")  # another market's write changes nothing here
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304

    _rename_stall(client, shop)
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert client.get(url, headers={"If-None-Match": changed.headers["ETag"]}).status_code == 304


def test_etag_covers_the_pagination_header(client, shop):
    url = f"{API}/markets/{shop.market.id}/stalls?page_size=1"
    first = client.get(url)
    second_page = client.get(url + "&page=2")
    assert first.headers["ETag"] != second_page.headers["ETag"]
    assert json.loads(first.headers["X-Pagination"])["total"] == 2


def test_an_admins_list_of_pending_stalls_is_never_served_to_anyone_else(client, shop, make):
    make.stall(shop.market, status="pending", name="심사 중인 가게")
    url = f"{API}/markets/{shop.market.id}/stalls?status=pending"

    assert _names(client.get(url, headers=shop.admin_headers)) == ["심사 중인 가게"]
    assert client.get(url).status_code in (401, 403)
    assert "심사 중인 가게" not in _names(client.get(f"{API}/markets/{shop.market.id}/stalls"))


def test_open_now_changes_at_the_closing_minute_without_any_write(client, make, monkeypatch):
    market = make.market(timezone="Asia/Seoul")
    make.stall(market, name="열 시에 닫는 가게", hours={day: "09:00-10:00" for day in CLOSED_ALL_WEEK})
    url = f"{API}/markets/{market.id}/stalls?open_now=true"
    clock = {"now": datetime(2026, 11, 25, 0, 59, tzinfo=UTC)}  # 09:59 in Seoul, a Wednesday
    for module in ("market_app.markets.services", "market_app.markets.models"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: clock["now"])

    assert _names(client.get(url)) == ["열 시에 닫는 가게"]
    assert client.get(f"{API}/markets/{market.id}/map").json["stalls"][0]["open_now"] is True
    clock["now"] = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 10:00
    assert _names(client.get(url)) == []
    assert client.get(f"{API}/markets/{market.id}/map").json["stalls"][0]["open_now"] is False


def _redis_or_skip(url: str) -> None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {url}")


def test_redis_store_shared_by_two_instances_is_never_stale(app, shop, statements):
    url = os.environ.get("PUBLIC_CACHE_TEST_REDIS_URL", "redis://127.0.0.1:6379/6")
    _redis_or_skip(url)
    config = dict(app.config) | OWN_CONNECTION | {"PUBLIC_CACHE_REDIS_URL": url}
    one, two = create_app(config), create_app(config)
    read = f"{API}/markets/{shop.market.id}/map"
    first = one.test_client().get(read)

    with two.app_context(), statements() as sent:
        assert two.test_client().get(read).data == first.data
    assert sent == []

    _move_stall(one.test_client(), shop)
    assert any(s["aisle"] == "Z-99" for s in two.test_client().get(read).json["stalls"])
    for instance in (one, two):
        with instance.app_context():
            db.engine.dispose()


def test_an_unreachable_store_only_makes_reads_slower(app, shop):
    broken = create_app(dict(app.config) | {"PUBLIC_CACHE_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    other = broken.test_client()
    url = f"{API}/markets/{shop.market.id}/stalls"

    assert other.get(url).status_code == 200
    _rename_stall(other, shop)
    assert "이름 바꾼 채소가게" in _names(other.get(url))
    with broken.app_context():
        db.engine.dispose()


def test_a_core_write_to_a_cached_table_without_touch_is_refused_in_tests(shop):
    stmt = sa.update(Product).where(Product.id == shop.stands[0].product.id).values(stock=0)
    with pytest.raises(RuntimeError, match="touch"):
        db.session.execute(stmt)
    db.session.rollback()

    versions.touch(versions.products_scope(shop.market.id))
    db.session.execute(stmt)  # said which scope it changes: allowed
    db.session.rollback()


def test_a_cached_read_over_plain_http_is_still_redirected_to_https_when_https_is_forced(app, shop):
    forced = create_app(dict(app.config) | OWN_CONNECTION | {"FORCE_HTTPS": True})
    url = f"{API}/markets/{shop.market.id}/stalls"
    secure = forced.test_client().get(url, base_url="https://localhost")
    assert secure.status_code == 200  # computed and stored

    plain = forced.test_client().get(url)

    assert plain.status_code in (301, 302) and plain.headers["Location"].startswith("https://")
    assert forced.test_client().get(url, base_url="https://localhost").data == secure.data  # from the cache
    with forced.app_context():
        db.engine.dispose()
