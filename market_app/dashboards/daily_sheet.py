"""The stall owner's daily sheet: what to hand over today by slot, yesterday's sales and refunds, and what the
next payout will bring. One page an owner without IT help can print and read."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from market_app.core.db import db
from market_app.core.timeutil import local_day_bounds
from market_app.dashboards.figures import DAY_SUMS, Totals
from market_app.markets.models import Market, Stall
from market_app.orders.models import Fulfillment, Order, OrderStatus, StallOrder, StallOrderStatus
from market_app.settlement import services as settlement
from market_app.settlement.models import LedgerDay, LedgerEntry

OPEN = (StallOrderStatus.PENDING, StallOrderStatus.ACCEPTED, StallOrderStatus.READY)
PICKUP_LABEL = "매장 수령 (시간 약속 없음)"


def _open_orders(stall: Stall, end_of_day) -> list[StallOrder]:
    """Paid stall orders still to hand over whose slot is on or before this day (or that have no slot)."""
    return db.session.scalars(
        sa.select(StallOrder).join(Order)
        .where(StallOrder.stall_id == stall.id, StallOrder.status.in_(OPEN), Order.paid_at.is_not(None),
               Order.status.not_in((OrderStatus.CANCELLED, OrderStatus.EXPIRED)),
               sa.or_(Order.delivery_slot_start.is_(None), Order.delivery_slot_start < end_of_day))
        .options(so.selectinload(StallOrder.items), so.joinedload(StallOrder.order))
        .order_by(Order.delivery_slot_start, Order.paid_at, StallOrder.id)
    ).all()


def _slots(orders: list[StallOrder], timezone: str) -> list[dict]:
    zone = ZoneInfo(timezone)
    slots: dict = {}
    for stall_order in orders:
        start = stall_order.order.delivery_slot_start
        if start is None:
            label = PICKUP_LABEL if stall_order.order.fulfillment == Fulfillment.PICKUP else "배달 (시간 미정)"
        else:
            label = f"배달 {start.astimezone(zone):%m/%d %H:%M}"
        slot = slots.setdefault((start is None, start, label), {"slot_start": start, "label": label, "orders": []})
        slot["orders"].append({
            "stall_order_id": stall_order.id, "order_id": stall_order.order_id, "status": stall_order.status.value,
            "fulfillment": stall_order.order.fulfillment.value, "paid_at": stall_order.order.paid_at,
            "subtotal": stall_order.subtotal, "note": stall_order.order.note,
            "items": [{"name": i.name, "unit": i.unit, "quantity": i.quantity} for i in stall_order.items],
        })
    return [slots[key] for key in sorted(slots, key=lambda k: (k[0], k[1] or 0, k[2]))]


def _day_figures(stall: Stall, day: date) -> dict:
    rows = db.session.execute(sa.select(*DAY_SUMS)
                              .where(LedgerDay.stall_id == stall.id, LedgerDay.local_date == day)).all()
    totals = Totals()
    for row in rows:
        totals.add(row)
    return {"date": day, "sales": totals.stall_orders + totals.in_person_count, "gross": totals.gross,
            "refunds": totals.refunds, "net": totals.net, "commission": totals.commission,
            "payout": totals.net - totals.commission}


def daily_sheet(stall: Stall, day: date) -> dict:
    market = db.session.get(Market, stall.market_id)
    _start, end = local_day_bounds(day, day, market.timezone)
    amount, sales = settlement.expected_payout(LedgerEntry.stall_id == stall.id, end)
    return {
        "stall_id": stall.id, "stall_name": stall.name, "market_name": market.name, "date": day,
        "to_hand_over": _slots(_open_orders(stall, end), market.timezone),
        "yesterday": _day_figures(stall, day - timedelta(days=1)),
        "expected_payout": {"amount": amount, "sales": sales},
    }
