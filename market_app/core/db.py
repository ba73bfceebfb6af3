"""Declarative base with a constraint naming convention so Alembic migrations stay stable."""

import enum
import functools
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, current_app
from flask_sqlalchemy import SQLAlchemy

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(so.DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


# Connections kept for hours (each thread's, core.db.KeptConnections; the pool's) through NATs and load balancers that
# drop idle flows without a word: probed after 30 s idle (which also keeps such a flow open), given up after three
# unanswered probes; data unacknowledged for 10 s ends the connection instead of waiting out TCP's retries (minutes).
TCP_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3,
                  "tcp_user_timeout": 10_000}


def engine_options(url: str, config) -> dict:
    """Engine options with the timeouts from the configuration, so a database that is down or hangs fails fast."""
    options = {key: value for key, value in config["SQLALCHEMY_ENGINE_OPTIONS"].items() if key != "connect_args"}
    in_memory = url in ("sqlite://", "sqlite:///:memory:")
    if not in_memory:  # in-memory SQLite keeps one connection per thread: no pool to wait for
        options["pool_timeout"] = config["DATABASE_POOL_TIMEOUT_SECONDS"]
    if url.startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": config["DATABASE_CONNECT_TIMEOUT_SECONDS"],
                                   "options": f"-c statement_timeout={config['DATABASE_STATEMENT_TIMEOUT_MS']}",
                                   **TCP_KEEPALIVES}
    elif url.startswith("sqlite"):
        options["connect_args"] = {"timeout": config["SQLITE_BUSY_TIMEOUT_SECONDS"]}
    return options


def own_connections_allowed(app: Flask) -> bool:
    """May a request read on a connection of its own beside its session? Not where the database lives in one
    connection (in-memory SQLite), nor where the tests run in one rolled-back transaction that no other connection
    sees (PUBLIC_CACHE_OWN_CONNECTION off)."""
    engine = db.engine
    in_memory = engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:")
    return bool(app.config.get("PUBLIC_CACHE_OWN_CONNECTION", True)) and not in_memory


_KEPT = "db.kept_connections"
T = TypeVar("T")


class KeptConnections(threading.local):
    """The connection each thread keeps for good, in autocommit, for reads beside its requests' sessions (public
    listings and the cache's versions): no pool checkout, no transaction to begin and end. A broken one
    (invalidated by an error that lost it) is replaced."""

    connection: sa.Connection | None = None

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def get(self) -> sa.Connection:
        connection = self.connection
        if connection is None or connection.invalidated or connection.closed:
            if connection is not None:
                connection.close()
            connection = self.connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return connection

    def run(self, use: Callable[[sa.Connection], T]) -> T:
        """use(this thread's kept connection). When the database had dropped it since its last use (a restart), it
        is replaced and use runs once more: a read can be, and the pool's pre-ping does the same for the sessions'
        connections."""
        try:
            return use(self.get())
        except sa.exc.DBAPIError as error:
            if not error.connection_invalidated:
                raise
            return use(self.get())


def kept_connections() -> KeptConnections | None:
    """This app's kept connections; None where reads may not have their own (see own_connections_allowed)."""
    app = current_app._get_current_object()  # noqa: SLF001 (the app itself, to keep its state in its extensions)
    kept = app.extensions.get(_KEPT)
    if kept is None:  # setdefault: threads that start at once share one (a connection each, not two)
        kept = app.extensions.setdefault(_KEPT, KeptConnections(db.engine) if own_connections_allowed(app) else False)
    return kept or None


def read(statement: sa.Executable, params: dict | None = None) -> sa.CursorResult:
    """The result of a public read's plain Core statement. A request whose unit of work has begun reads in it (what
    it wrote, one snapshot). Any other (an anonymous listing) reads on the connection its thread keeps
    (KeptConnections): no ORM session to build and roll back, no pool checkout, no BEGIN and ROLLBACK, and each
    statement sees what is committed."""
    session = db.session
    kept = None if session.registry.has() and session.registry().in_transaction() else kept_connections()
    if kept is None:
        return session.connection().execute(statement, params)
    return kept.run(lambda connection: connection.execute(statement, params))


def utcnow() -> datetime:
    """Aware UTC now; every stored time is UTC."""
    return datetime.now(UTC)


def with_columns(columns, *needed) -> list:
    """columns, then those of needed not among them: a listing that also needs columns its schema does not show
    selects (and parses) each once."""
    return [*columns, *(column for column in needed if all(column is not c for c in columns))]  # `is`: == builds SQL


@functools.cache
def json_text(column: sa.Column) -> sa.Label:
    """A JSON column read as its text, under its own name: listings decode (and dump) each distinct text once instead
    of every row. One object per column, so with_columns finds it among a schema's columns."""
    return sa.cast(column, sa.Text).label(column.key)


LIKE_ESCAPE = "/"


def like_escaped(text: str) -> str:
    """text for `column.contains(sa.bindparam(...), escape=LIKE_ESCAPE)`: what autoescape=True does to a literal,
    for statements built once and bound per request (autoescape takes no bindparam)."""
    return text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")


class UTCDateTime(sa.types.TypeDecorator):
    """Timestamps stored as UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def str_enum(enum_class: type[enum.Enum], length: int) -> sa.Enum:
    """An enum stored as its values in a VARCHAR (no native type: adding a value needs no ALTER TYPE)."""
    return sa.Enum(enum_class, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class TimestampMixin:
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


def lock_row(model: type, row_id: int) -> None:
    """Hold the row until the transaction ends, so another transaction that locks it waits, then re-reads.

    A no-op write takes the row lock on PostgreSQL and the database's write lock on SQLite (where SELECT ... FOR
    UPDATE does nothing), so the same call serializes on both.
    """
    table = model.__table__
    # cache_neutral: it changes no value, so no cached read (core/versions.py) goes stale.
    db.session.execute(sa.update(table).where(table.c.id == row_id).values(id=table.c.id)
                       .execution_options(cache_neutral=True))


def begin_before_sqlite_savepoints(engine: sa.Engine) -> None:
    """pysqlite starts a transaction only before INSERT/UPDATE/DELETE, so a SAVEPOINT issued first would open
    (and its RELEASE commit) a transaction of its own: work meant to be rolled back with the request would stay.
    Begin the transaction first whenever a savepoint is about to open outside one."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "savepoint")
    def _begin_first(conn, _name) -> None:
        dbapi_connection = conn.connection.dbapi_connection
        if not dbapi_connection.in_transaction:
            dbapi_connection.execute("BEGIN")
