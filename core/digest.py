"""The weekly digest's rules: which digests are owed for an occurrence, and when one is late.

Pure: the sweep (commands.digest) asks these with the occurrence's due time and ``now``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.period import DigestSchedule, Period
from core.timefmt import fmt_utc, humanize_duration, utc

CALENDAR_KIND = "cal:weekly_digest"
# A digest posted more than this after its due time says it is late (the bot was down).
LATE_AFTER = timedelta(minutes=10)
ALL = "all"


@dataclass(frozen=True)
class OwedDigest:
    """One digest to post for one occurrence: the whole team's, or one domain's."""

    key: str
    scope: str  # ALL or a domain key
    channel: str
    due_at: datetime
    period: Period

    @property
    def domain(self) -> str | None:
        return None if self.scope == ALL else self.scope


def owed(schedule: DigestSchedule, due_at: datetime, *, channel: str,
         per_domain: Mapping[str, str]) -> list[OwedDigest]:
    """The digests one occurrence owes: the team's, then one per configured domain."""
    due = utc(due_at)
    period = schedule.week_ending(due)
    stamp = due.strftime("%Y-%m-%dT%H:%MZ")
    out = [OwedDigest(f"digest:{ALL}:{stamp}", ALL, channel, due, period)]
    out += [OwedDigest(f"digest:{domain}:{stamp}", domain, domain_channel, due, period)
            for domain, domain_channel in sorted(per_domain.items())]
    return out


def late_note(due_at: datetime, now: datetime) -> str | None:
    """Said on a digest posted well after its due time; None when on time."""
    delay = utc(now) - utc(due_at)
    if delay <= LATE_AFTER:
        return None
    return (f"Posted late: this digest was due {fmt_utc(due_at)} and is "
            f"{humanize_duration(delay)} late (the bot was not running then).")
