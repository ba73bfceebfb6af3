"""Where reporting queries run: a read replica when REPORTING_DATABASE_URL is set, else the request's own session.

One session per request on the replica's engine (kept per URL for the app), closed when the request ends, also
after a streamed response. Access checks stay on the primary; only the figures are read here.
"""

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, current_app, g

from market_app.core.db import db

_ENGINES = "dashboards.reporting_engines"


def _engine(url: str) -> sa.Engine:
    engines = current_app.extensions.setdefault(_ENGINES, {})
    if url not in engines:
        engines[url] = sa.create_engine(url, pool_pre_ping=True)
    return engines[url]


def session() -> so.Session:
    """The session reporting queries use in this request."""
    url = current_app.config.get("REPORTING_DATABASE_URL")
    if not url:
        return db.session
    if "reporting_session" not in g:
        g.reporting_session = so.Session(_engine(url), autoflush=False)
    return g.reporting_session


def _close(_error=None) -> None:
    reporting = g.pop("reporting_session", None)
    if reporting is not None:
        reporting.close()


def init_app(app: Flask) -> None:
    app.teardown_request(_close)  # after a streamed response too: stream_with_context ends the request then
