"""How a test gets its database (the autouse fixture in tests/conftest.py picks one of the two ways).

By default a test runs inside one outer transaction on one connection, and the Flask-SQLAlchemy session joins it
with join_transaction_mode="create_savepoint" (SQLAlchemy's "Joining a Session into an External Transaction"
recipe): the app's commit() releases a savepoint and rollback() rolls back to one, so app code works as usual,
and at the end the outer transaction is rolled back. Nothing is committed, nothing needs emptying.

A test marked @pytest.mark.committing (threads racing, a live HTTP server, a subprocess, its own
db.engine.connect()) needs several connections that see each other's commits: it commits for real and every
table is emptied after it. A test that needs the marker but lacks it fails: while a test runs in its rolled-back
transaction, any other connection taken from the app's engine is refused, and the test is failed at teardown
naming the marker (rather than hanging on a lock or passing while reading empty tables).

It also counts the statements sent through the engine, for the count_queries fixture."""

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask_sqlalchemy.session import Session

from market_app.extensions import db

# Transaction bookkeeping, not the app's statements: the rolled-back mode adds a savepoint around every commit.
_SAVEPOINT = re.compile(r"\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.IGNORECASE)


class SecondConnectionRefused(RuntimeError):
    """A test in a rolled-back transaction asked the engine for another connection."""


class _JoinedSession(Session):
    """Flask-SQLAlchemy's session picks the app's engine itself and ignores bind= (so it cannot join an outer
    transaction: pallets-eco/flask-sqlalchemy#1167); this one uses the connection it was bound to, from the test's
    own thread only (a request served on another thread would share the test's connection and transaction)."""

    test_database: "TestDatabase"
    test_thread: int

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and self.bind is not None:
            if threading.get_ident() != self.test_thread:
                self.test_database.refuse()
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


class TestDatabase:
    """The app's engine as the tests use it: one per test session, listening on the engine's events."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._one_connection = False
        self._refused: list[str] = []
        self._counters: list[list[str]] = []
        # Listen before any test connects: a Connection only dispatches events its engine had when it was made.
        sa.event.listen(engine, "checkout", self._on_checkout)
        sa.event.listen(engine, "before_cursor_execute", self._on_execute)

    def refuse(self) -> None:
        self._refused.append(threading.current_thread().name)
        raise SecondConnectionRefused("a second database connection, or the test's from another thread, during a "
                                      "test that runs in one rolled-back transaction: mark it @pytest.mark.committing")

    def forget_refusals(self) -> None:
        """For the test of the refusal itself: the refusals so far do not fail the test."""
        self._refused.clear()

    def _on_checkout(self, dbapi_connection, connection_record, connection_proxy) -> None:
        if self._one_connection:
            self.refuse()

    def _on_execute(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self._counters and not _SAVEPOINT.match(statement):
            for statements in self._counters:
                statements.append(statement)

    @contextmanager
    def rolled_back(self) -> Iterator[None]:
        """Run the block in one outer transaction that db.session joins (savepoint per commit); roll it back."""
        connection = self.engine.connect()
        pysqlite = connection.dialect.name == "sqlite" and connection.dialect.driver == "pysqlite"
        if pysqlite:
            # pysqlite emits BEGIN only before INSERT/UPDATE/DELETE, so a SAVEPOINT would open a transaction of its
            # own whose RELEASE commits. SQLAlchemy's documented workaround (SQLite dialect, "Transactions with
            # SQLite and the sqlite3 driver"): isolation_level None on the DBAPI connection, and emit BEGIN
            # ourselves. Only on this connection: committing tests keep the driver's usual behaviour.
            driver_connection = connection.connection.driver_connection
            saved_isolation_level = driver_connection.isolation_level
            driver_connection.isolation_level = None
        outer = connection.begin()
        if pysqlite:
            connection.exec_driver_sql("BEGIN")
        factory = db.session.session_factory
        saved_factory = factory.class_, factory.kw
        factory.class_ = type("JoinedSession", (_JoinedSession,),
                              {"test_database": self, "test_thread": threading.get_ident()})
        factory.kw = factory.kw | {"bind": connection, "join_transaction_mode": "create_savepoint"}
        db.session.remove()  # every session from here on (any app context) joins the outer transaction
        self._refused.clear()
        self._one_connection = True
        try:
            yield
        finally:
            self._one_connection = False
            db.session.remove()
            factory.class_, factory.kw = saved_factory
            outer.rollback()
            if pysqlite:
                driver_connection.isolation_level = saved_isolation_level
            connection.close()
        if self._refused:
            threads = ", ".join(sorted(set(self._refused)))
            pytest.fail(f"this test asked for a second database connection (thread {threads}) while it runs in one "
                        "rolled-back transaction: mark it @pytest.mark.committing", pytrace=False)

    def empty_every_table(self) -> None:
        """What a committing test leaves behind goes: TRUNCATE on PostgreSQL, DELETE elsewhere."""
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("TRUNCATE " + ", ".join(t.name for t in tables) + " RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())

    @contextmanager
    def counting(self) -> Iterator[list[str]]:
        """The SQL statements sent through the engine during the block, savepoint bookkeeping left out."""
        statements: list[str] = []
        self._counters.append(statements)
        try:
            yield statements
        finally:
            self._counters = [counter for counter in self._counters if counter is not statements]
