"""Delivery on-time figures for the market dashboard: the market's deliveries whose slot starts in the period (the
market's local days), delivered, on time (delivered by the slot's end), late, and failed; one grouped query on
the reporting session, by the (market_id, slot_start) index. A delivery without a slot cannot be late."""

import sqlalchemy as sa
from sqlalchemy.orm import Session

from market_app.core.timeutil import local_day_bounds
from market_app.dashboards.figures import rate
from market_app.dashboards.periods import Period
from market_app.delivery.models import Delivery, DeliveryStatus


def _count(condition):
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def on_time_figures(reporting: Session, market_id: int, period: Period, timezone: str) -> dict:
    """{delivered, on_time, late, failed, on_time_rate (null when nothing was delivered)}."""
    start, end = local_day_bounds(period.first, period.last, timezone)
    delivered = Delivery.status == DeliveryStatus.DELIVERED
    in_time = sa.or_(Delivery.slot_end.is_(None), Delivery.delivered_at <= Delivery.slot_end)
    row = reporting.execute(
        sa.select(_count(delivered), _count(sa.and_(delivered, in_time)),
                  _count(Delivery.status == DeliveryStatus.FAILED))
        .where(Delivery.market_id == market_id, Delivery.slot_start >= start, Delivery.slot_start < end)
    ).one()
    done, on_time, failed = (int(value) for value in row)
    return {"delivered": done, "on_time": on_time, "late": done - on_time, "failed": failed,
            "on_time_rate": rate(on_time, done)}
