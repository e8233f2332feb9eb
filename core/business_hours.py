"""Business hours: when a clock that does not run 24/7 is ticking.

A clock in business hours counts only working time: ``add(start, 24h)`` from Friday 16:00 in a
09:00–17:30 week lands on the following Wednesday 16:00 (1.5 h Friday, 8.5 h Monday, 8.5 h
Tuesday, 5.5 h Wednesday; weekend skipped). Days are the local calendar of ``timezone``
(``zoneinfo``), so the window follows daylight saving time; every input and output instant
is UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.timefmt import utc

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A clock that finds no working time within this many days is misconfigured.
_HORIZON_DAYS = 3 * 366


@dataclass(frozen=True)
class BusinessHours:
    timezone: str = "UTC"
    days: frozenset[int] = frozenset(range(5))  # Monday = 0 … Sunday = 6
    start: time = time(9, 0)
    end: time = time(17, 30)
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        ZoneInfo(self.timezone)  # raises for an unknown zone
        if not self.days:
            raise ValueError("business hours need at least one working day")
        if not self.start < self.end:
            raise ValueError(f"start {self.start:%H:%M} must be before end {self.end:%H:%M}")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.days and day not in self.holidays

    def _window(self, day: date) -> tuple[datetime, datetime]:
        zone = self.zone
        opens = datetime.combine(day, self.start, tzinfo=zone).astimezone(UTC)
        closes = datetime.combine(day, self.end, tzinfo=zone).astimezone(UTC)
        return opens, closes

    def _windows_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working windows (UTC) that end after ``moment``, in order."""
        day = moment.astimezone(self.zone).date()
        for _ in range(_HORIZON_DAYS):
            if self.is_working_day(day):
                opens, closes = self._window(day)
                if closes > moment:
                    yield max(opens, moment), closes
            day += timedelta(days=1)

    def windows(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The working windows (UTC) clipped to ``[start, end)``, in order."""
        start, end = utc(start), utc(end)
        out: list[tuple[datetime, datetime]] = []
        if end <= start:
            return out
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        last = end.astimezone(self.zone).date()
        while day <= last:
            if self.is_working_day(day):
                opens, closes = self._window(day)
                opens, closes = max(opens, start), min(closes, end)
                if opens < closes:
                    out.append((opens, closes))
            day += timedelta(days=1)
        return out

    def is_open(self, moment: datetime) -> bool:
        moment = utc(moment)
        local_day = moment.astimezone(self.zone).date()
        if not self.is_working_day(local_day):
            return False
        opens, closes = self._window(local_day)
        return opens <= moment < closes

    def add(self, start: datetime, span: timedelta) -> datetime:
        """The instant when ``span`` of working time has passed since ``start``."""
        start = utc(start)
        remaining = span
        for opens, closes in self._windows_from(start):
            if remaining <= timedelta(0):
                return opens
            available = closes - opens
            if remaining <= available:
                return opens + remaining
            remaining -= available
        raise ValueError("no working time found within three years: check business_hours")

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Working time between two instants (zero if ``end`` is not after ``start``)."""
        start, end = utc(start), utc(end)
        total = timedelta(0)
        if end <= start:
            return total
        for opens, closes in self._windows_from(start):
            if opens >= end:
                break
            total += min(closes, end) - opens
        return total


@dataclass(frozen=True)
class Clock:
    """How a clock counts: 24/7 (``hours`` is None) or in business hours."""

    hours: BusinessHours | None = None

    def add(self, start: datetime, span: timedelta) -> datetime:
        return utc(start) + span if self.hours is None else self.hours.add(start, span)

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        if self.hours is None:
            return max(utc(end) - utc(start), timedelta(0))
        return self.hours.elapsed(start, end)


ALWAYS = Clock()
