"""Dashboards' connections at app start: the reporting session (a read replica when configured)."""

from flask import Flask

from market_app.dashboards import reporting


def connect(app: Flask) -> None:
    reporting.init_app(app)
