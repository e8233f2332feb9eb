"""The timer part of the YAML: durations, per-SEV timer overrides, business hours.

```yaml
business_hours: {timezone: America/New_York, days: [mon, tue, wed, thu, fri],
                 start: "09:00", end: "17:30", holidays: [2026-12-25]}
policy:
  SEV1: {claim: 15m, accept: 15m, return_to_queue: 30m, update: 30m, overdue: 1h}
  SEV3: {update: 1d, overdue: 1d12h, hours: business}
domains:
  - {key: auth, …, business_hours: {timezone: Europe/London}, policy: {SEV2: {update: 1h}}}
```
Every duration is written ``45s``, ``30m``, ``2h``, ``1d`` or ``1h30m``; the spine's
``ack_deadline_minutes`` / ``update_cadence_minutes`` keep working.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.business_hours import WEEKDAYS, BusinessHours
from core.durations import format_duration, parse_duration
from core.model import Severity
from core.timers import (
    DEFAULT_TIMER_POLICIES,
    ClaimRung,
    OverdueRung,
    TimerPolicy,
    TimerSettings,
)

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")

# Timer keys written as durations in the YAML, in TimerPolicy's names.
DURATION_KEYS = ("claim", "accept", "return_to_queue", "update", "overdue", "customer_update",
                 "needs_info", "rca", "rca_reminder")


def duration(value: Any) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("write a duration like 45s, 30m, 2h, 1d or 1h30m")
    if isinstance(value, int):
        raise ValueError(f"{value} has no unit: write it like {value}m or {value}s")
    span = parse_duration(value)
    if span <= timedelta(0):
        raise ValueError(f"{value!r} must be longer than zero")
    return span


Duration = timedelta | None


class BusinessHoursConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = "UTC"
    days: list[str] = Field(default_factory=lambda: list(WEEKDAYS[:5]))
    start: time = time(9, 0)
    end: time = time(17, 30)
    holidays: list[date] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone (like America/New_York)"
                             ) from None
        return value

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        days = [str(d).strip().lower()[:3] for d in value]
        unknown = [d for d in days if d not in WEEKDAYS]
        if unknown or not days:
            raise ValueError(f"days must be some of {', '.join(WEEKDAYS)}")
        return days

    @field_validator("start", "end", mode="before")
    @classmethod
    def _time(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            # YAML 1.1 reads an unquoted 17:30 as the sexagesimal number 1050.
            hours, minutes = divmod(value, 60)
            if 0 <= hours < 24:
                return time(hours, minutes)
        if isinstance(value, str):
            match = _HHMM.match(value.strip())
            if not match:
                raise ValueError(f"{value!r} is not a time of day like \"09:00\"")
            return time(int(match[1]), int(match[2]))
        return value

    def build(self) -> BusinessHours:
        if not self.start < self.end:
            raise ValueError(f"start {self.start:%H:%M} must be before end {self.end:%H:%M}")
        return BusinessHours(timezone=self.timezone,
                             days=frozenset(WEEKDAYS.index(d) for d in self.days),
                             start=self.start, end=self.end, holidays=frozenset(self.holidays))


class TimerOverride(BaseModel):
    """The timer keys of one severity's ``policy:`` entry (mixed into SevOverride)."""

    claim: Duration = None
    accept: Duration = None
    return_to_queue: Duration = None
    update: Duration = None
    overdue: Duration = None
    customer_update: Duration = None
    needs_info: Duration = None
    rca: Duration = None
    rca_reminder: Duration = None
    hours: Literal["always", "business"] | None = None
    claim_ladder: list[ClaimRung] | None = None
    overdue_ladder: list[OverdueRung] | None = None

    _durations = field_validator(*DURATION_KEYS, mode="before")(
        classmethod(lambda cls, v: None if v is None else duration(v)))

    def timer_fields(self, *, ack_minutes: int | None = None,
                     update_minutes: int | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if ack_minutes is not None:
            out["claim"] = timedelta(minutes=ack_minutes)
        if update_minutes is not None:
            out["update"] = timedelta(minutes=update_minutes)
        for key in DURATION_KEYS:
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.hours is not None:
            out["business_hours"] = self.hours == "business"
        if self.claim_ladder is not None:
            out["claim_ladder"] = tuple(self.claim_ladder)
        if self.overdue_ladder is not None:
            out["overdue_ladder"] = tuple(self.overdue_ladder)
        return out


def _scaled(base: TimerPolicy, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Keep a dependent deadline in proportion when only its anchor was set.

    ``update: 90m`` alone on SEV1 (seed: overdue at 2× the cadence) gives overdue 3h rather
    than refusing the config because the default overdue (1h) is now before the due time.
    """
    out = dict(fields)
    pairs = (("update", "overdue"), ("accept", "return_to_queue"), ("rca", "rca_reminder"))
    for anchor, dependent in pairs:
        old_anchor, old_dep = getattr(base, anchor), getattr(base, dependent)
        if anchor in out and dependent not in out and old_anchor and old_dep:
            out[dependent] = out[anchor] * (old_dep / old_anchor)
    return out


def merge_policy(base: TimerPolicy, fields: Mapping[str, Any], where: str) -> TimerPolicy:
    """``base`` with ``fields`` replaced; a ValueError names ``where`` and the key."""
    try:
        return replace(base, **_scaled(base, fields))
    except ValueError as exc:
        why = str(exc)
        key = why.split(" ", 1)[0]
        values = ", ".join(f"{k}: {format_duration(v)}" for k, v in fields.items()
                           if isinstance(v, timedelta))
        raise ValueError(f"{where}.{key}: {why}" + (f" (given {values})" if values else "")
                         ) from None


def build_timers(global_fields: Mapping[Severity, Mapping[str, Any]],
                 hours: BusinessHoursConfig | None,
                 domains: Mapping[str, tuple[Mapping[Severity, Mapping[str, Any]],
                                             BusinessHoursConfig | None]]) -> TimerSettings:
    sev = {s: merge_policy(DEFAULT_TIMER_POLICIES[s], global_fields.get(s, {}), f"policy.{s}")
           for s in Severity}
    domain_sev: dict[str, dict[Severity, TimerPolicy]] = {}
    domain_hours: dict[str, BusinessHours] = {}
    for key, (fields, domain_hours_config) in domains.items():
        if fields:
            domain_sev[key] = {s: merge_policy(sev[s], f, f"domains[{key}].policy.{s}")
                               for s, f in fields.items()}
        if domain_hours_config is not None:
            domain_hours[key] = _hours(domain_hours_config, f"domains[{key}].business_hours")
    return TimerSettings(sev=sev, hours=_hours(hours, "business_hours") if hours else
                         BusinessHours(), domain_sev=domain_sev, domain_hours=domain_hours)


def _hours(config: BusinessHoursConfig, where: str) -> BusinessHours:
    try:
        return config.build()
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
