"""Slot places: how many each slot has left, taking one atomically (a conditional UPDATE on the slot's counter row:
never more than its capacity, also under concurrent orders on PostgreSQL), giving it back exactly once, and moving
a booking to another slot."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from market_app.core import versions
from market_app.core.db import db, read, utcnow
from market_app.core.errors import Conflict, InvalidInput
from market_app.delivery.models import SlotBooking, SlotLoad
from market_app.delivery.rules import Rules, Slot, slot_at, timetable, utc

NEXT_SLOTS = 6  # how many open slots a quote offers


class SlotFull(Conflict):
    pass


def field_errors(path: tuple[str, ...], message: str) -> dict:
    """{"json": {"delivery": {"slot_start": [message]}}} for path ("delivery", "slot_start")."""
    errors: object = [message]
    for name in reversed(path):
        errors = {name: errors}
    return {"json": errors}


def open_slot(rules: Rules, moment: datetime | None, now: datetime, path: tuple[str, ...]) -> Slot:
    """The open slot starting at moment, or a 422 naming the field (path) that chose it."""
    if moment is None:
        message = "Choose a delivery slot: the start of an open slot (GET /markets/{id}/delivery/slots)."
    else:
        slot = slot_at(rules, moment)
        if slot is not None and rules.is_bookable(slot, now):
            return slot
        if slot is None:
            message = "No delivery slot starts then (closed day, outside delivery hours, or not a slot's start)."
        elif slot.start <= now:
            message = "That slot has already started."
        elif slot.is_open(now):
            message = f"Slots are offered {rules.days_ahead} days ahead at most."
        else:
            message = f"That slot closed for orders at {slot.closes_at.strftime('%H:%M')} (its cut-off)."
    error = InvalidInput(path[0], message)
    error.errors = field_errors(path, message)
    raise error


_LOADS = SlotLoad.__table__
# Built once (a quote and a slot list are asked on every basket change): the market and the window are bound.
_LOADS_BETWEEN = sa.select(_LOADS.c.slot_start, _LOADS.c.taken).where(
    _LOADS.c.market_id == sa.bindparam("market_id"), _LOADS.c.slot_start >= sa.bindparam("first"),
    _LOADS.c.slot_start <= sa.bindparam("last"))


def loads_between(market_id: int, first: datetime, last: datetime) -> dict[datetime, int]:
    rows = read(_LOADS_BETWEEN, {"market_id": market_id, "first": utc(first), "last": utc(last)})
    return {start: taken for start, taken in rows}


def _describe(slot: Slot, capacity: int, taken: int, bookable: bool) -> dict:
    return {"start": slot.start, "end": slot.end, "capacity": capacity, "remaining": max(0, capacity - taken),
            "open": bookable, "closes_at": slot.closes_at}


def day_slots(market_id: int, rules: Rules, day, now: datetime) -> list[dict]:
    """Every slot of a local day with its places left and whether it still takes orders."""
    slots = timetable(rules, day)
    if not slots:
        return []
    loads = loads_between(market_id, slots[0].start, slots[-1].start)
    return [_describe(s, rules.slot_capacity, loads.get(s.start, 0), rules.is_bookable(s, now)) for s in slots]


def next_open_slots(market_id: int, rules: Rules, now: datetime, limit: int = NEXT_SLOTS) -> list[dict]:
    """The next slots that still take orders and have places left, from now on."""
    if not rules.enabled:
        return []
    days = rules.bookable_days(now)
    candidates = [s for day in days for s in timetable(rules, day) if s.is_open(now)]
    if not candidates:
        return []
    loads = loads_between(market_id, candidates[0].start, candidates[-1].start)
    found = []
    for slot in candidates:
        taken = loads.get(slot.start, 0)
        if taken < rules.slot_capacity:
            found.append(_describe(slot, rules.slot_capacity, taken, True))
            if len(found) == limit:
                break
    return found


def _insert_ignore(values: dict):
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(SlotLoad).values(values).on_conflict_do_nothing(index_elements=["market_id", "slot_start"])


def take_place(market_id: int, slot: Slot, capacity: int, path: tuple[str, ...]) -> None:
    """Take one place of slot, or 409 naming the field. The counter row is created once (a concurrent creator
    waits for the first, then finds it), then one conditional UPDATE takes a place only while some are left: on
    PostgreSQL a second transaction waiting on the row re-checks taken < capacity once the first commits."""
    start = utc(slot.start)
    versions.touch(versions.delivery_scope(market_id))  # the quote and slot list show the places left
    db.session.execute(_insert_ignore({"market_id": market_id, "slot_start": start, "taken": 0}))
    taken = db.session.execute(
        sa.update(SlotLoad)
        .where(SlotLoad.market_id == market_id, SlotLoad.slot_start == start, SlotLoad.taken < capacity)
        .values(taken=SlotLoad.taken + 1).returning(SlotLoad.taken)
        .execution_options(synchronize_session=False)
    ).first()
    if taken is None:
        message = "That slot is full; choose another."
        raise SlotFull(message, field_errors(path, message))


def _give_back(market_id: int, slot_start: datetime) -> None:
    versions.touch(versions.delivery_scope(market_id))
    db.session.execute(
        sa.update(SlotLoad)
        .where(SlotLoad.market_id == market_id, SlotLoad.slot_start == slot_start, SlotLoad.taken > 0)
        .values(taken=SlotLoad.taken - 1).execution_options(synchronize_session=False)
    )


def release(booking: SlotBooking) -> bool:
    """Give the booking's place back, once: the booking row is marked by a conditional UPDATE, so a job or an
    event handled twice (or two at once) gives back one place."""
    marked = db.session.execute(
        sa.update(SlotBooking).where(SlotBooking.id == booking.id, SlotBooking.released_at.is_(None))
        .values(released_at=utcnow()).execution_options(synchronize_session=False)
    )
    db.session.expire(booking, ["released_at"])
    if marked.rowcount == 0:
        return False
    _give_back(booking.market_id, booking.slot_start)
    return True


def move(booking: SlotBooking, rules: Rules, slot: Slot, path: tuple[str, ...]) -> None:
    """Take a place in slot (409 if full), then give back the old one if the booking still held it."""
    take_place(booking.market_id, slot, rules.slot_capacity, path)
    release(booking)
    booking.slot_start, booking.released_at = utc(slot.start), None

