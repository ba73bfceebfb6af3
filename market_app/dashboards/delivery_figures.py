"""Delivery on-time figures for the market dashboard.

STUB until the delivery domain (issue 8) is merged: there are no deliveries yet, so every count is 0 and the
rate is null ("no deliveries yet"). At merge, fill on_time_figures() from the delivery model: deliveries of the
market whose slot falls in the period (by the market's local day of slot_start); delivered = status delivered,
on_time = delivered with delivered_at <= slot_end, late = delivered - on_time, failed = status failed,
on_time_rate = on_time / delivered (null when none was delivered). One grouped query, run on the reporting
session passed in. tests/dashboards/test_market_dashboard.py::test_delivery_on_time_figures pins the shape and
is completed with one delivery on time and one late at merge.
"""

from sqlalchemy.orm import Session

from market_app.dashboards.periods import Period

NO_DELIVERIES = {"delivered": 0, "on_time": 0, "late": 0, "failed": 0, "on_time_rate": None}


def on_time_figures(reporting: Session, market_id: int, period: Period) -> dict:
    """{delivered, on_time, late, failed, on_time_rate} of the market's deliveries in the period."""
    return dict(NO_DELIVERIES)
