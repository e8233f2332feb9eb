"""Report periods: the week a digest covers, ``--since 7d``, ``--from … --to …``.

A period is a half-open UTC interval ``[start, end)``. Calendar periods (a digest week, a
``--from/--to`` date range) are laid out in the digest's time zone and converted to UTC, so a
week spanning a DST change is 167 or 169 hours long and still starts at the local hour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.timefmt import fmt_utc, utc

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SINCE = re.compile(r"^(\d{1,4})([hdw])$")
_SINCE_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


class PeriodError(ValueError):
    """A period the user asked for cannot be used (the message says why)."""


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise PeriodError("the period must end after it starts")

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - self.length, self.start)

    @property
    def label(self) -> str:
        return f"{fmt_utc(self.start)} – {fmt_utc(self.end)}"


@dataclass(frozen=True)
class DigestSchedule:
    """When the weekly digest is due: a weekday and a local time in a time zone."""

    weekday: str = "mon"
    at: time = time(9, 0)
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if self.weekday not in WEEKDAYS:
            raise PeriodError(f"weekday {self.weekday!r} must be one of {', '.join(WEEKDAYS)}")
        try:
            ZoneInfo(self.timezone)
        except Exception as exc:
            raise PeriodError(f"unknown time zone {self.timezone!r}") from exc

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def occurrence_at_or_before(self, moment: datetime) -> datetime:
        """The latest due time at or before ``moment`` (UTC)."""
        local = utc(moment).astimezone(self.zone)
        back = (local.weekday() - WEEKDAYS.index(self.weekday)) % 7
        day = local.date() - timedelta(days=back)
        candidate = _at_local(day, self.at, self.zone)
        if candidate > utc(moment):
            candidate = _at_local(day - timedelta(days=7), self.at, self.zone)
        return candidate

    def next_after(self, moment: datetime) -> datetime:
        """The first due time strictly after ``moment`` (UTC)."""
        last = self.occurrence_at_or_before(moment)
        day = last.astimezone(self.zone).date() + timedelta(days=7)
        return _at_local(day, self.at, self.zone)

    def week_ending(self, due: datetime) -> Period:
        """The week a digest due at ``due`` covers: the same local time one week earlier."""
        day = utc(due).astimezone(self.zone).date() - timedelta(days=7)
        return Period(_at_local(day, self.at, self.zone), utc(due))


def _at_local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """``day`` at ``at`` in ``zone`` as UTC; a time skipped by DST moves forward (fold=0)."""
    local = datetime.combine(day, at, tzinfo=zone)
    # A wall time inside a spring-forward gap does not exist: normalise through UTC.
    return local.astimezone(UTC)


def since(text: str, *, now: datetime) -> Period:
    """``7d``, ``24h``, ``2w``: the period ending now."""
    match = _SINCE.match(text.strip().lower())
    if not match or int(match.group(1)) == 0:
        raise PeriodError(f"--since {text!r}: use a count and h, d or w, like 7d or 24h")
    span = int(match.group(1)) * _SINCE_UNITS[match.group(2)]
    if span > timedelta(days=3660):
        raise PeriodError(f"--since {text!r}: at most ten years")
    return Period(utc(now) - span, utc(now))


def between(first: str, last: str, *, timezone: str = "UTC") -> Period:
    """``--from 2026-11-01 --to 2026-11-30``: both days included, in ``timezone``."""
    zone = ZoneInfo(timezone)
    try:
        start_day = date.fromisoformat(first)
    except ValueError:
        raise PeriodError(f"--from {first!r}: use a date like 2026-11-01") from None
    try:
        end_day = date.fromisoformat(last)
    except ValueError:
        raise PeriodError(f"--to {last!r}: use a date like 2026-11-30") from None
    if end_day < start_day:
        raise PeriodError(f"--to {last} is before --from {first}")
    return Period(_at_local(start_day, time(0), zone),
                  _at_local(end_day + timedelta(days=1), time(0), zone))


def weekly_buckets(end: datetime, *, weeks: int, zone: str = "UTC") -> list[Period]:
    """``weeks`` consecutive weeks ending at ``end``, oldest first (local weeks in ``zone``)."""
    tz = ZoneInfo(zone)
    local_end = utc(end).astimezone(tz)
    out: list[Period] = []
    for back in range(weeks, 0, -1):
        start_day = local_end.date() - timedelta(days=7 * back)
        stop_day = start_day + timedelta(days=7)
        out.append(Period(_at_local(start_day, local_end.timetz().replace(tzinfo=None), tz),
                          _at_local(stop_day, local_end.timetz().replace(tzinfo=None), tz)))
    return out
