"""Opening hours: {"mon": "09:00-21:00", "sat": "09:00-13:00,14:00-20:00", "sun": null} in local time."""

import functools
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import orjson

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
MINUTES_PER_DAY = 24 * 60


class HoursError(ValueError):
    pass


def parse_ranges(text: str) -> list[tuple[int, int]]:
    """'09:00-13:00,18:00-02:00' -> [(540, 780), (1080, 120)]; end before start means past midnight."""
    ranges = []
    for part in text.split(","):
        match = _RANGE.match(part.strip())
        if not match:
            raise HoursError(f"'{part.strip()}' is not HH:MM-HH:MM")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if end > MINUTES_PER_DAY or start == end:
            raise HoursError(f"'{part.strip()}' is an empty or impossible range")
        ranges.append((start, end))
    return ranges


def validate_hours(hours: dict) -> None:
    for day, text in hours.items():
        if day not in WEEKDAYS:
            raise HoursError(f"unknown weekday '{day}' (use {', '.join(WEEKDAYS)})")
        if text is not None:
            if not isinstance(text, str):
                raise HoursError(f"{day}: expected a string like 09:00-21:00 or null")
            parse_ranges(text)


def weekly_periods(hours: dict | None) -> list[tuple[int, int, int]]:
    """(weekday, opens_minute, closes_minute) rows; overnight ranges are split at midnight."""
    periods = []
    for day, text in (hours or {}).items():
        if not text:
            continue
        weekday = WEEKDAYS.index(day)
        for start, end in parse_ranges(text):
            if end > start:
                periods.append((weekday, start, end))
            else:
                periods.append((weekday, start, MINUTES_PER_DAY))
                if end > 0:
                    periods.append(((weekday + 1) % 7, 0, end))
    return periods


def local_weekday_minute(now: datetime, timezone: str) -> tuple[int, int]:
    local = now.astimezone(ZoneInfo(timezone))
    return local.weekday(), local.hour * 60 + local.minute


def _open_in(periods, weekday: int, minute: int) -> bool:
    return any(day == weekday and start <= minute < end for day, start, end in periods)


def open_at(hours: dict | None, weekday: int, minute: int) -> bool:
    """Open at this local weekday and minute? (One stall; listings read hours as text: open_at_text.)"""
    return _open_in(weekly_periods(hours), weekday, minute)


@functools.lru_cache(maxsize=4096)
def _periods_of_text(text: str | None) -> tuple[tuple[int, int, int], ...]:
    return tuple(weekly_periods(orjson.loads(text))) if text else ()


@functools.lru_cache(maxsize=8192)
def open_at_text(text: str | None, weekday: int, minute: int) -> bool:
    """open_at for hours read as their JSON text (core.db.json_text): parsed once per distinct text, answered once
    per text and minute (a listing asks for each row; a market's rows share a few texts)."""
    return _open_in(_periods_of_text(text), weekday, minute)


def is_open(hours: dict | None, timezone: str, now: datetime) -> bool:
    return open_at(hours, *local_weekday_minute(now, timezone))
