"""Each dashboard runs a fixed number of statements, whatever the number of stalls, days, products and sales
(counted with a before_cursor_execute listener); and reporting queries go to REPORTING_DATABASE_URL when set."""

import os
import tempfile
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from market_app.accounts.models import User
from market_app.demo import past_orders
from market_app.demo.past_orders import Line
from market_app.extensions import db
from tests.dashboards.conftest import PERIOD, seoul
from tests.helpers import API

# token user, the stall or market, the access check; then the reporting queries of each view
EXPECTED = {"market": 9, "stall": 11, "owner": 11, "sheet": 8}


def _urls(books) -> dict:
    return {"market": (f"{API}/markets/{books.market.id}/dashboard", books.admin),
            "stall": (f"{API}/stalls/{books.a.id}/dashboard", books.kim),
            "owner": (f"{API}/me/dashboard", books.kim),
            "sheet": (f"{API}/stalls/{books.a.id}/daily-sheet?date=2026-03-03", books.kim)}


def _more_of_everything(make, books) -> None:
    """Twice as many stalls, more products, a sale on every day by several shoppers."""
    for n in range(4):
        owner = db.session.get(User, books.a.owner_id) if n % 2 else None
        stall = make.stall(books.market, owner=owner, category="fruit")
        products = [make.product(stall, f"사과{n}-{i}", 1000 + i, stock=i) for i in range(3)]
        for day in range(7):
            shopper = make.user()
            past_orders.paid_order(books.market, shopper.id, [Line(p, 1) for p in products] + [
                Line(books.products["애호박"], 1, 3000, 7)], seoul("2026-03-01 10:00") + timedelta(days=day))
    db.session.commit()


@pytest.mark.parametrize("view", EXPECTED)
def test_dashboard_statement_count_does_not_grow_with_the_data(client, make, books, count_statements, view):
    url, headers = _urls(books)[view]
    db.session.expire_all()  # the test client shares the test's session: start each count from a cold one
    with count_statements() as small:
        assert client.get(url, query_string=PERIOD if "sheet" not in url else None,
                          headers=headers).status_code == 200
    _more_of_everything(make, books)
    db.session.expire_all()
    with count_statements() as large:
        assert client.get(url, query_string=PERIOD if "sheet" not in url else None,
                          headers=headers).status_code == 200

    assert small.count == large.count == EXPECTED[view], small.statements


@pytest.fixture
def replica_url(app):
    """A second, empty database with the schema, as a read replica would be (PostgreSQL or SQLite)."""
    url = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        name = f"market_replica_{uuid.uuid4().hex[:10]}"
        server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        replica = url.set(database=name).render_as_string(hide_password=False)
    else:
        handle, path = tempfile.mkstemp(prefix="market-replica-", suffix=".db")
        os.close(handle)
        replica = f"sqlite:///{path}"
    engine = sa.create_engine(replica)
    db.metadata.create_all(engine)
    yield replica, engine
    engine.dispose()
    app.config["REPORTING_DATABASE_URL"] = ""
    for cached in app.extensions.pop("dashboards.reporting_engines", {}).values():
        cached.dispose()
    if url.get_backend_name() == "postgresql":
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()
    else:
        os.unlink(path)


def _copy(engine, tables) -> None:
    """The replica's copy of the primary's rows (what replication would have brought over)."""
    with db.engine.connect() as source, engine.begin() as target:
        for table in tables:
            rows = [dict(row._mapping) for row in source.execute(sa.select(table))]
            if rows:
                target.execute(table.insert(), rows)


@pytest.mark.committing
def test_reporting_queries_go_to_the_replica_when_it_is_set(app, client, books, replica_url, count_statements):
    replica, engine = replica_url
    _copy(engine, db.metadata.sorted_tables)
    with engine.begin() as conn:  # only the replica knows of 1,000,000 won more sold by stall B on 03-05
        conn.execute(sa.text("UPDATE ledger_days SET online_gross = online_gross + 1000000 "
                             "WHERE stall_id = :b AND local_date = '2026-03-05'"), {"b": books.b.id})
    url = f"{API}/markets/{books.market.id}/dashboard"
    assert client.get(url, query_string=PERIOD, headers=books.admin).json["gmv"] == 62018  # the primary

    app.config["REPORTING_DATABASE_URL"] = replica
    with count_statements() as counted:
        on_replica = client.get(url, query_string=PERIOD, headers=books.admin).json
    csv = client.get(f"{API}/markets/{books.market.id}/reports/sales.csv", query_string=PERIOD, headers=books.admin)

    assert on_replica["gmv"] == 62018 + 1000000
    assert on_replica["refunds"] == 11332
    assert "1019998" not in csv.data.decode() and csv.status_code == 200  # lines stay as sold; entries moved
    ledger_reads = [s for s in counted.statements if "ledger_" in s]
    assert len(ledger_reads) == 4  # by day, by stall, live sessions, shoppers: all on the replica engine
