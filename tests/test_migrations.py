"""Migrations match the models: upgrading an empty database to head leaves nothing for autogenerate to add."""

import importlib
import logging
import os
import pkgutil
import tempfile
import uuid

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import market_app
from market_app import create_app
from market_app.config import TestConfig
from market_app.extensions import db


def _import_every_model() -> None:
    """Models are registered on db.metadata when imported; import them all, whatever the tests loaded so far."""
    for module in pkgutil.walk_packages(market_app.__path__, "market_app."):
        if module.name.endswith(".models"):
            importlib.import_module(module.name)


@pytest.fixture
def _keep_logging():
    """Alembic's env.py applies alembic.ini's logging (fileConfig), which disables every existing logger."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    loggers = [lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    disabled = {lg: lg.disabled for lg in loggers}
    yield
    root.handlers[:], root.level = handlers, level
    for lg, was_disabled in disabled.items():
        lg.disabled = was_disabled


@pytest.fixture
def empty_database_url(app):
    session_url = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if session_url.get_backend_name() == "postgresql":
        name = f"market_migr_{uuid.uuid4().hex[:12]}"
        server = sa.create_engine(session_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield session_url.set(database=name).render_as_string(hide_password=False)
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()
    else:
        handle, path = tempfile.mkstemp(prefix="market-migr-", suffix=".db")
        os.close(handle)
        yield f"sqlite:///{path}"
        os.unlink(path)


def test_upgrade_from_empty_to_head_matches_the_models(empty_database_url, _keep_logging):
    _import_every_model()

    class MigrationConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url

    migrated = create_app(MigrationConfig)
    with migrated.app_context():
        try:
            flask_migrate.upgrade()
            with db.engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": True})
                differences = compare_metadata(context, db.metadata)
                tables = set(sa.inspect(conn).get_table_names())
        finally:
            db.engine.dispose()

    assert differences == []
    assert {"alembic_version", "users", "markets", "stalls", "products"} <= tables
