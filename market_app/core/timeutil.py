"""Local days: "today" and "from/to" in a market's timezone, turned into UTC bounds for queries."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_day_bounds(first_day: date, last_day: date, timezone: str) -> tuple[datetime, datetime]:
    """[start of first_day, start of the day after last_day) in the market's zone, as aware datetimes."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(first_day, time.min, tzinfo=zone)
    end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def local_date(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()
