"""Delivery rules as pure functions: great-circle distance, the fee of a ring, the split of a free delivery's fee
among stalls, and a market's slot timetable in its own time zone. No database here; services feed them, and the
compiled rules and timetables are cached by (market, settings version, time zone, position)."""

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from market_app.core.hours import WEEKDAYS, parse_ranges

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle (haversine) distance, rounded to the metre: the figure shown is the figure the ring uses."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lng2 - lng1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return round(2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h))), 3)


@dataclass(frozen=True)
class Zone:
    up_to_km: float
    fee: int


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware, in the market's time zone
    end: datetime
    closes_at: datetime  # the last moment an order may take a place in it

    def is_open(self, now: datetime) -> bool:
        return now <= self.closes_at


@dataclass(frozen=True)
class Price:
    """What a delivery to one address costs for one subtotal, and why it may not be deliverable."""

    deliverable: bool
    reason: str | None  # disabled, too_far, below_min_order (no_slots is the quote's)
    distance_km: float
    zone: Zone | None
    fee: int  # charged
    waived_fee: int  # the ring fee a free delivery does not charge
    remaining_for_free: int | None


@dataclass(frozen=True, eq=False)
class Rules:
    """A market's delivery settings compiled once per key; equal keys mean equal rules (settings carry a version
    that grows on every change), which is what the timetable cache relies on."""

    key: tuple
    timezone: str
    lat: float
    lng: float
    enabled: bool
    zones: tuple[Zone, ...]
    free_over: int | None
    min_order: int
    slot_minutes: int
    slot_capacity: int
    cutoff_minutes: int
    lead_minutes: int
    days_ahead: int
    hours: tuple[tuple[str, str | None], ...]
    closed_dates: frozenset[date]
    free_delivery_paid_by: str
    zone_info: ZoneInfo = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "zone_info", ZoneInfo(self.timezone))

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rules) and other.key == self.key

    def zone_for(self, distance: float) -> Zone | None:
        return next((zone for zone in self.zones if distance <= zone.up_to_km), None)

    def price(self, lat: float, lng: float, subtotal: int) -> Price:
        distance = distance_km(self.lat, self.lng, lat, lng)
        zone = self.zone_for(distance)
        ring_fee = zone.fee if zone else 0
        free = self.free_over is not None and subtotal >= self.free_over
        fee, waived = (0, ring_fee) if free else (ring_fee, 0)
        remaining = None if self.free_over is None else max(0, self.free_over - subtotal)
        reason = None
        if not self.enabled:
            reason = "disabled"
        elif zone is None:
            reason = "too_far"
        elif subtotal < self.min_order:
            reason = "below_min_order"
        return Price(reason is None, reason, distance, zone, fee, waived, remaining)

    def local_today(self, now: datetime) -> date:
        return now.astimezone(self.zone_info).date()

    def bookable_days(self, now: datetime) -> list[date]:
        today = self.local_today(now)
        return [today + timedelta(days=n) for n in range(self.days_ahead)]

    def is_bookable(self, slot: Slot, now: datetime) -> bool:
        """Open for orders: before its closing time and within the days offered."""
        last_day = self.local_today(now) + timedelta(days=self.days_ahead - 1)
        return slot.is_open(now) and slot.start.date() <= last_day


def compile_rules(key: tuple, *, timezone: str, lat: float, lng: float, enabled: bool, zones: list[dict],
                  free_over: int | None, min_order: int, slot_minutes: int, slot_capacity: int,
                  cutoff_minutes: int, lead_minutes: int, days_ahead: int, hours: dict, closed_dates: list[str],
                  free_delivery_paid_by: str) -> Rules:
    return Rules(
        key=key, timezone=timezone, lat=lat, lng=lng, enabled=enabled,
        zones=tuple(Zone(float(z["up_to_km"]), int(z["fee"])) for z in zones), free_over=free_over,
        min_order=min_order, slot_minutes=slot_minutes, slot_capacity=slot_capacity, cutoff_minutes=cutoff_minutes,
        lead_minutes=lead_minutes, days_ahead=days_ahead, hours=tuple(sorted((hours or {}).items())),
        closed_dates=frozenset(date.fromisoformat(d) for d in closed_dates or ()),
        free_delivery_paid_by=free_delivery_paid_by,
    )


@lru_cache(maxsize=4096)
def timetable(rules: Rules, day: date) -> tuple[Slot, ...]:
    """The slots starting on a local day: each delivery-hours range cut into slot_minutes pieces that fit whole.
    A range past midnight ("18:00-02:00") gives the next day its early slots; a closure day has none. Wall-clock
    times are made aware in the market's zone, so a slot may well cross midnight UTC (09:00 in Seoul is 00:00 UTC).
    """
    if day in rules.closed_dates or not date.min < day < date.max:
        return ()
    hours, step = dict(rules.hours), rules.slot_minutes
    deadline = timedelta(minutes=max(rules.cutoff_minutes, rules.lead_minutes))
    starts: set[datetime] = set()
    for source in (day - timedelta(days=1), day):
        text = hours.get(WEEKDAYS[source.weekday()])
        for opens, closes in parse_ranges(text) if text else ():
            closes += 24 * 60 if closes <= opens else 0
            midnight = datetime.combine(source, time())
            starts.update(midnight + timedelta(minutes=m) for m in range(opens, closes - step + 1, step))
    slots = []
    for wall in sorted(s for s in starts if s.date() == day):
        start = wall.replace(tzinfo=rules.zone_info)
        end = (wall + timedelta(minutes=step)).replace(tzinfo=rules.zone_info)
        slots.append(Slot(start, end, start - deadline))
    return tuple(slots)


def slot_at(rules: Rules, moment: datetime) -> Slot | None:
    """The slot that starts exactly at moment (any offset), or None."""
    try:
        local = moment.astimezone(rules.zone_info)
    except OverflowError:  # year 1 or 9999 in another zone: no slot there
        return None
    return next((s for s in timetable(rules, local.date()) if s.start == moment), None)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def split_pro_rata(total: int, weights: dict[int, int]) -> dict[int, int]:
    """total won split by weight, exact to the won: each part is rounded down, and the won left over go one each to
    the largest remainders (ties: the smaller key first). The parts always add up to total."""
    if not weights:
        return {}
    weight_sum = sum(weights.values())
    if weight_sum <= 0:  # nothing to weigh by: equal parts
        weights, weight_sum = {key: 1 for key in weights}, len(weights)
    parts = {key: total * weight // weight_sum for key, weight in weights.items()}
    left = total - sum(parts.values())
    by_remainder = sorted(weights, key=lambda key: (-(total * weights[key] % weight_sum), key))
    for key in by_remainder[:left]:
        parts[key] += 1
    return parts
