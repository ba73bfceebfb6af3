"""The period a dashboard shows (local days, inclusive) and the period of equal length just before it."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def previous(self) -> "Period":
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    def dates(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range(self.days)]

    def __contains__(self, day: date) -> bool:
        return self.first <= day <= self.last


def local_today(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date()


def resolve(args: dict, timezone: str) -> Period:
    """from/to as given; one of them alone makes a 30-day period with it; neither: the last 30 days to today."""
    first, last = args.get("from_"), args.get("to")
    span = timedelta(days=DEFAULT_DAYS - 1)
    if first is None and last is None:
        last = local_today(timezone)
    if first is None:
        first = last - span
    if last is None:
        last = first + span
    return Period(first, last)
