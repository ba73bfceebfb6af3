"""Opening hours in local time, including ranges past midnight, checked at fixed moments."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from market_app.core.hours import HoursError, is_open, parse_ranges, validate_hours, weekly_periods

SEOUL = ZoneInfo("Asia/Seoul")
FRIDAY_NIGHTS = {"fri": "22:00-02:00"}


def _at(*local) -> datetime:
    """A Seoul wall-clock moment, given to is_open in UTC like the app does."""
    return datetime(*local, tzinfo=SEOUL).astimezone(UTC)


@pytest.mark.parametrize(("moment", "expected"), [
    ((2026, 11, 27, 21, 59), False),  # Friday, before opening
    ((2026, 11, 27, 22, 0), True),
    ((2026, 11, 28, 1, 0), True),  # Saturday 01:00 is still Friday night
    ((2026, 11, 28, 1, 59), True),
    ((2026, 11, 28, 2, 0), False),  # closing time is exclusive
    ((2026, 11, 27, 1, 0), False),  # Friday 01:00 belongs to Thursday night
])
def test_overnight_range_is_open_until_closing_time_the_next_morning(moment, expected):
    assert is_open(FRIDAY_NIGHTS, "Asia/Seoul", _at(*moment)) is expected


def test_split_day_is_closed_over_lunch():
    hours = {"sat": "09:00-13:00,14:00-20:00"}

    assert [is_open(hours, "Asia/Seoul", _at(2026, 11, 28, h, 30)) for h in (8, 9, 13, 14, 20)] == [
        False, True, False, True, False]


def test_hours_are_read_in_the_given_timezone():
    hours = {"fri": "09:00-18:00"}
    friday_noon_seoul = _at(2026, 11, 27, 12, 0)  # Thursday 22:00 in New York

    assert is_open(hours, "Asia/Seoul", friday_noon_seoul) is True
    assert is_open(hours, "America/New_York", friday_noon_seoul) is False


def test_sunday_overnight_range_wraps_into_monday():
    assert weekly_periods({"sun": "23:00-01:00"}) == [(6, 1380, 1440), (0, 0, 60)]
    assert is_open({"sun": "23:00-01:00"}, "Asia/Seoul", _at(2026, 11, 30, 0, 30)) is True  # Monday 00:30


def test_closed_days_and_no_hours_are_never_open():
    assert is_open({"fri": None}, "Asia/Seoul", _at(2026, 11, 27, 12, 0)) is False
    assert is_open(None, "Asia/Seoul", _at(2026, 11, 27, 12, 0)) is False


def test_range_until_midnight_and_whole_day_parse():
    assert parse_ranges("00:00-24:00") == [(0, 1440)]
    assert parse_ranges("18:00-00:00") == [(1080, 0)]
    assert weekly_periods({"mon": "18:00-00:00"}) == [(0, 1080, 1440)]


@pytest.mark.parametrize("hours", [
    {"mon": "9:00-18:00"}, {"mon": "09:00-25:00"}, {"mon": "10:00-10:00"}, {"mon": "24:00-02:00"},
    {"funday": "09:00-18:00"}, {"mon": 9}, {"mon": "09:00-18:00,"},
])
def test_rejected_hours_raise_hours_error(hours):
    with pytest.raises(HoursError):
        validate_hours(hours)
