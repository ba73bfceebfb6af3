"""The market's delivery desk: the pick list of a slot (which stalls bring what, and what is already at the desk),
receiving a stall's part ("hand over" of a delivery or pickup order means received at the desk), and short picks:
units a stall did not bring, refunded to the shopper exactly through the orders' refund path."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from market_app.accounts.models import User
from market_app.core.csvutil import to_csv
from market_app.core.db import db
from market_app.core.errors import InvalidInput, InvalidTransition
from market_app.delivery.models import Delivery, DeliveryStatus, PickupStatus, ShortPick
from market_app.delivery.rules import Rules, slot_at, utc
from market_app.delivery.services import delivery_of_order, pickup_of_order
from market_app.markets.models import Market
from market_app.orders import services as orders
from market_app.orders.models import CLOSED_STALL_ORDER_STATUSES, Order, OrderItem, StallOrder, StallOrderStatus
from market_app.orders.status import STALL_ORDER_MACHINE, StallOrderAction

AT_THE_DESK = (DeliveryStatus.REQUESTED, DeliveryStatus.ASSIGNED)


def shorts_by_item(stall_order_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(ShortPick.order_item_id, sa.func.sum(ShortPick.quantity))
        .where(ShortPick.stall_order_id.in_(stall_order_ids)).group_by(ShortPick.order_item_id)
    ).all()
    return {item_id: int(quantity) for item_id, quantity in rows}


def _slot_deliveries(market: Market, slot_start: datetime) -> list[Delivery]:
    parts = so.selectinload(Delivery.order).selectinload(Order.stall_orders)
    return list(db.session.scalars(
        sa.select(Delivery)
        .where(Delivery.market_id == market.id, Delivery.slot_start == utc(slot_start),
               Delivery.status != DeliveryStatus.CANCELLED)
        .options(parts.selectinload(StallOrder.items), parts.joinedload(StallOrder.stall))
        .order_by(Delivery.id)
    ))


def pick_list(market: Market, rules: Rules, slot_start: datetime) -> dict:
    """The slot's deliveries and, grouped by stall (in aisle order), each stall order to bring with its items."""
    deliveries = _slot_deliveries(market, slot_start)
    parts = [(d, s) for d in deliveries for s in d.order.stall_orders if s.status not in CLOSED_STALL_ORDER_STATUSES]
    shorts = shorts_by_item([s.id for _, s in parts])
    by_stall: dict[int, dict] = {}
    for delivery, stall_order in parts:
        stall = stall_order.stall
        group = by_stall.setdefault(stall.id, {"stall_id": stall.id, "stall_name": stall.name, "aisle": stall.aisle,
                                               "stall_orders": []})
        group["stall_orders"].append({
            "stall_order_id": stall_order.id, "order_id": delivery.order_id, "delivery_id": delivery.id,
            "status": stall_order.status.value, "at_desk": stall_order.status == StallOrderStatus.HANDED_OVER,
            "items": [{"item_id": item.id, "product_id": item.product_id, "name": item.name, "unit": item.unit,
                       "quantity": item.quantity, "short": shorts.get(item.id, 0)} for item in stall_order.items],
        })
    slot = slot_at(rules, slot_start)
    slot_end = slot.end if slot else (deliveries[0].slot_end if deliveries else None)
    stalls = sorted(by_stall.values(), key=lambda g: (g["aisle"] or "", g["stall_name"], g["stall_id"]))
    return {
        "market_id": market.id, "slot_start": slot_start, "slot_end": slot_end,
        "deliveries": [{"delivery_id": d.id, "order_id": d.order_id, "status": d.status.value,
                        "ready_for_pickup": d.ready_for_pickup, "courier_id": d.courier_id} for d in deliveries],
        "stalls": stalls,
        "stall_orders": len(parts), "at_desk": sum(1 for _, s in parts if s.status == StallOrderStatus.HANDED_OVER),
    }


PICK_LIST_COLUMNS = ("aisle", "stall_id", "stall_name", "stall_order_id", "order_id", "delivery_id", "status",
                     "at_desk", "product_id", "item", "unit", "quantity", "short")


def pick_list_csv(listing: dict) -> str:
    rows = [(group["aisle"] or "", group["stall_id"], group["stall_name"], part["stall_order_id"], part["order_id"],
             part["delivery_id"], part["status"], "yes" if part["at_desk"] else "no", item["product_id"],
             item["name"], item["unit"], item["quantity"], item["short"])
            for group in listing["stalls"] for part in group["stall_orders"] for item in part["items"]]
    return to_csv(PICK_LIST_COLUMNS, rows)


# --- receiving a stall's part at the desk ----------------------------------------------------------------


def _refuse_once_gone(stall_order: StallOrder) -> None:
    """What the desk records must still be at the desk: not once the courier or the shopper took the bag."""
    order = stall_order.order
    delivery = delivery_of_order(order.id)
    if delivery is not None and delivery.status not in AT_THE_DESK:
        raise InvalidTransition(f"The delivery is {delivery.status.value}: the bag has left the desk.")
    pickup = pickup_of_order(order.id)
    if pickup is not None and pickup.status not in (PickupStatus.WAITING, PickupStatus.READY):
        raise InvalidTransition(f"The pickup is {pickup.status.value}: the bag has left the desk.")


def _check_shortfalls(stall_order: StallOrder, shortfalls: list[dict]) -> list[tuple[OrderItem, int]]:
    """Each shortfall names a line of this stall order and at most the units still counted as brought."""
    items = {item.id: item for item in stall_order.items}
    already = shorts_by_item([stall_order.id])
    checked, seen = [], set()
    for index, shortfall in enumerate(shortfalls):
        item = items.get(shortfall["item_id"])
        if item is None or item.id in seen:
            message = "Listed twice." if item is not None else "Not a line of this stall order."
            raise InvalidInput("shortfalls", message).at_item(index, "item_id")
        seen.add(item.id)
        left = item.quantity - already.get(item.id, 0)
        if shortfall["missing"] > left:
            raise InvalidInput("shortfalls", f"At most {left} of {item.name} can be missing.").at_item(index, "missing")
        checked.append((item, shortfall["missing"]))
    return checked


def receive(stall_order: StallOrder, staff: User, shortfalls: list[dict]) -> StallOrder:
    """The stall's part arrived at the desk (a ready part is handed over), with any units it is short; the
    shopper is refunded exactly the missing units' amount. A part already at the desk may still be found short."""
    _refuse_once_gone(stall_order)
    checked = _check_shortfalls(stall_order, shortfalls)
    if stall_order.status == StallOrderStatus.HANDED_OVER:
        if not checked:
            raise InvalidTransition("This stall order is already at the desk.")
    else:
        STALL_ORDER_MACHINE.target(StallOrderAction.HAND_OVER, stall_order.status)  # 409 unless ready
        orders.hand_over(stall_order, staff.id, "received at the desk")
    if checked:
        amount = sum(item.unit_price * missing for item, missing in checked)
        what = ", ".join(f"{item.name} x{missing}" for item, missing in checked)
        refund = orders.refund_part(stall_order, amount, f"short at the desk: {what}", staff)
        db.session.add_all(ShortPick(stall_order_id=stall_order.id, order_item_id=item.id, quantity=missing,
                                     amount=item.unit_price * missing, refund_id=refund.id, actor_id=staff.id)
                           for item, missing in checked)
    return stall_order


def desk_view(stall_order: StallOrder) -> dict:
    """A stall order as the desk sees it: its lines with what is short, and the refunds of its short picks."""
    shorts = shorts_by_item([stall_order.id])
    picks = db.session.scalars(sa.select(ShortPick).filter_by(stall_order_id=stall_order.id)
                               .order_by(ShortPick.id)).all()
    return {
        "id": stall_order.id, "order_id": stall_order.order_id, "stall_id": stall_order.stall_id,
        "stall_name": stall_order.stall.name, "status": stall_order.status.value,
        "at_desk": stall_order.status == StallOrderStatus.HANDED_OVER, "subtotal": stall_order.subtotal,
        "short_amount": sum(p.amount for p in picks),
        "items": [{"item_id": item.id, "product_id": item.product_id, "name": item.name, "unit": item.unit,
                   "unit_price": item.unit_price, "quantity": item.quantity, "short": shorts.get(item.id, 0)}
                  for item in stall_order.items],
        "short_picks": [{"item_id": p.order_item_id, "quantity": p.quantity, "amount": p.amount,
                         "refund_id": p.refund_id, "at": p.created_at} for p in picks],
    }
