"""Versions of what the public reads show, kept in the database and changed in the same transaction as the data.

A scope names one thing a cached read shows: the market list, one market's stalls, one market's products. Every
write that changes a scope gives it a new random version before its transaction commits: rows of models that mix
in CachedContent are found by a flush hook, Core statements (a stock UPDATE) call touch(). A reader reads the
version first and the data after it, so a reader that sees the new version also sees the data committed with it;
an answer cached under an older version can only be found by a reader that read that version before the write
committed. Nothing runs after the commit, so a crash, a failing hook or an unreachable cache store can never leave
an old answer behind. Versions are random, not counters: a restored backup or an emptied table cannot bring back a
version that old cached answers were stored under.
"""

import functools
import logging
import secrets
import weakref
from collections.abc import Iterable

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, has_app_context
from sqlalchemy.dialects import postgresql, sqlite

from market_app.core.db import KeptConnections, db, kept_connections

log = logging.getLogger(__name__)

MARKET_LIST = "markets"


def market_scope(market_id: int) -> str:
    """The market itself, its stalls and their opening hours (stall list, map, the market's page)."""
    return f"market:{market_id}"


def products_scope(market_id: int) -> str:
    """The market's products with their stock and their stalls' names (product search)."""
    return f"products:{market_id}"


def live_scope(market_id: int) -> str:
    """The market's live sessions with their offers, counts, stalls and products (the live schedule)."""
    return f"live:{market_id}"


def delivery_scope(market_id: int) -> str:
    """The market's delivery terms and the places taken in its slots (the delivery quote and slot list)."""
    return f"delivery:{market_id}"


class CacheVersion(db.Model):
    __tablename__ = "cache_versions"

    scope: so.Mapped[str] = so.mapped_column(sa.String(60), primary_key=True)
    version: so.Mapped[int] = so.mapped_column(sa.BigInteger)


class CachedContent:
    """Mixin for models that public cached reads show: cache_scopes() names the scopes a change of the row changes."""

    def cache_scopes(self) -> Iterable[str]:
        raise NotImplementedError


# Scopes already given a new version in a (sub)transaction: one bump per scope and transaction is enough, as the
# whole transaction becomes visible at once. Weak keys: the sets go with their transactions.
_bumped: "weakref.WeakKeyDictionary[so.SessionTransaction, set[str]]" = weakref.WeakKeyDictionary()


def read(scope: str) -> int | None:
    """The scope's current version; None when it has none yet (then nothing may be cached for it)."""
    reader = current_app.extensions.get(_READER)
    if reader is None:
        kept = kept_connections()  # None: in the request's session
        # setdefault: threads that start at once share one reader (and so one kept connection each).
        reader = current_app.extensions.setdefault(
            _READER, VersionReader(db.engine, kept) if kept is not None else SessionVersionReader())
    return reader.read(scope)


class SessionVersionReader:
    def read(self, scope: str) -> int | None:
        return db.session.scalar(sa.select(CacheVersion.version).where(CacheVersion.scope == scope))


_READER = "versions.reader"


class VersionReader:
    """Reads versions on the connection each thread keeps (core.db.KeptConnections: autocommit, also the public
    listings'), straight through its driver cursor: one round trip, no transaction to begin and end, no pool
    checkout. It runs before the request reads any data, so the data it reads afterwards on the request's own
    connection is at least as new as the version (whatever the isolation level)."""

    def __init__(self, engine: sa.Engine, kept: KeptConnections):
        self.engine = engine
        self.kept = kept
        marker = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self.sql = f"SELECT version FROM {CacheVersion.__tablename__} WHERE scope = {marker}"

    def read(self, scope: str) -> int | None:
        return self.kept.run(lambda connection: self._read(connection, scope))

    def _read(self, connection: sa.Connection, scope: str) -> int | None:
        dbapi_connection = connection.connection.dbapi_connection
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute(self.sql, (scope,))
            row = cursor.fetchone()
            cursor.close()
        except self.engine.dialect.loaded_dbapi.Error as error:
            # The driver's own error as SQLAlchemy's, which the app answers with a 503 (the database down, locked
            # or hanging), not a 500. A lost connection is dropped; a lock or timeout leaves it usable.
            lost = self.engine.dialect.is_disconnect(error, dbapi_connection, None)
            if lost:
                connection.invalidate()
            raise sa.exc.DBAPIError.instance(self.sql, (scope,), error, self.engine.dialect.loaded_dbapi.Error,
                                             connection_invalidated=lost) from error
        except Exception:
            connection.invalidate()  # in an unknown state: a new one next time
            raise
        return None if row is None else row[0]


def touch(*scopes: str) -> None:
    """Give the scopes new versions in the current transaction: call it with every Core statement that changes
    what they show (ORM changes of CachedContent rows are found by the flush hook)."""
    _bump(db.session(), scopes)


def _bump(session: so.Session, scopes: Iterable[str]) -> None:
    connection = session.connection()  # begins the transaction if none is open yet
    transaction = session.get_nested_transaction() or session.get_transaction()
    done: set[str] = set()
    node = transaction
    while node is not None:
        done |= _bumped.get(node, set())
        node = node.parent
    pending = sorted(set(scopes) - done)  # sorted: concurrent writers lock the version rows in one order
    if not pending:
        return
    rows = [{"scope": scope, "version": secrets.randbits(62)} for scope in pending]
    connection.execute(_upsert(connection.dialect.name), rows[0] if len(rows) == 1 else rows)
    _bumped.setdefault(transaction, set()).update(pending)


@functools.cache
def _upsert(dialect: str) -> sa.Insert:
    """Built once: checkout runs it for every order."""
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(CacheVersion)
    return insert.values(scope=sa.bindparam("scope"), version=sa.bindparam("version")).on_conflict_do_update(
        index_elements=["scope"], set_={"version": insert.excluded.version})


def bumped_in_transaction() -> bool:
    """Whether the current transaction (or one it is nested in) has changed a version already."""
    session = db.session()
    node = session.get_nested_transaction() or session.get_transaction()
    while node is not None:
        if _bumped.get(node):
            return True
        node = node.parent
    return False


@sa.event.listens_for(so.Session, "after_flush")  # every session class (tests use their own)
def _scopes_of_flushed_rows(session: so.Session, _context) -> None:
    scopes: set[str] = set()
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, CachedContent):
            scopes.update(obj.cache_scopes())
    for obj in session.dirty:
        if isinstance(obj, CachedContent) and session.is_modified(obj, include_collections=False):
            scopes.update(obj.cache_scopes())
    if scopes:
        _bump(session, scopes)


_watched: dict[int, set[sa.Table]] = {}  # by the number of mapped classes: a model imported later is seen


def _watched_tables() -> set[sa.Table]:
    mappers = db.Model.registry.mappers
    tables = _watched.get(len(mappers))
    if tables is None:
        tables = {mapper.local_table for mapper in mappers if issubclass(mapper.class_, CachedContent)}
        _watched.clear()
        _watched[len(mappers)] = tables
    return tables


@sa.event.listens_for(so.Session, "do_orm_execute")
def _refuse_untouched_core_writes(state: so.ORMExecuteState) -> None:
    """A Core UPDATE/DELETE/INSERT on a table that cached reads show must come with touch(): the flush hook cannot
    see which market it changes. Refused in tests and debug mode (a forgotten touch() would serve old answers)."""
    if not (state.is_update or state.is_delete or state.is_insert) or state.execution_options.get("cache_neutral"):
        return
    table = getattr(state.statement, "table", None)
    if table is None or table not in _watched_tables() or bumped_in_transaction():
        return
    message = f"{state.statement.__visit_name__} on {table.name} without versions.touch(): cached reads would go stale"
    if has_app_context() and (current_app.testing or current_app.debug):
        raise RuntimeError(message)
    log.error(message)
