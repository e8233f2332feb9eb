"""What the database hands the report builder: figures already aggregated in SQL.

Storage (:mod:`storage.reports`) fills these plain records with ``GROUP BY`` queries, one set
per period; :mod:`core.report` compares two periods and checks them against the policy. Durations
are seconds (floats); percentiles are nearest-rank (the value at rank ⌈p·n⌉).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class VolumeCell:
    """Escalations of one domain and severity in a period."""

    domain: str
    severity: str
    opened: int = 0
    resolved: int = 0
    open_at_end: int = 0


@dataclass(frozen=True)
class Spread:
    """A duration's distribution for one group (a severity, a person)."""

    group: str
    count: int
    p50: float | None
    p90: float | None
    breached: int = 0  # how many exceeded the group's target


@dataclass(frozen=True)
class OpenItem:
    """One escalation still open at the end of the period."""

    id: int
    domain: str
    severity: str
    owner: str | None
    created_at: datetime


@dataclass(frozen=True)
class PersonLoad:
    """A specialist's share of the work (coaching data: sorted by load, never ranked)."""

    user: str
    domain: str
    owned_in_period: int = 0
    open_now: int = 0
    owned_hours: float = 0.0
    outside_hours_share: float | None = None
    median_claim_s: float | None = None
    median_accept_s: float | None = None
    updates_on_time: int | None = None
    updates_due: int | None = None


@dataclass(frozen=True)
class DomainLoad:
    """A domain's owned hours and the share of them outside business hours."""

    domain: str
    owned_hours: float
    outside_hours_share: float | None


@dataclass(frozen=True)
class Compliance:
    """Updates (status or customer) on time against updates due, for one group (SEV or
    person)."""

    group: str
    on_time: int
    due: int
    owner: str | None = None  # ``owner|domain`` (owner when due) when per SEV and owner


@dataclass(frozen=True)
class PromiseFigures:
    """Promises kept: update and customer-update cadence per SEV, reminders sent and acted
    on, returns."""

    updates: tuple[Compliance, ...] = ()  # per severity
    customer_updates: tuple[Compliance, ...] = ()  # per severity
    customer_by_agent: tuple[Compliance, ...] = ()  # per support agent (user id)
    nudges_sent: int = 0
    nudges_acted: int = 0
    returned_to_queue: int = 0


@dataclass(frozen=True)
class Opportunity:
    """Resolved escalations of one category and root cause: a KB article to write or fix."""

    category: str
    root_cause: str
    count: int
    escalations: tuple[int, ...]
    takeaways: tuple[str, ...]
    has_article: bool = False


@dataclass(frozen=True)
class FailureCounts:
    """Seed 001 §4's failure modes, counted in a period."""

    over_escalated: int = 0           # resolved as how-to / user error / doc gap / known issue
    under_escalated: int = 0          # escalated after the SEV's queue threshold
    severity_raised: int = 0          # SEV raised after escalation
    bounced: int = 0                  # escalations with at least one needs-info bounce
    had_to_ask: int = 0               # receiver rated the handoff "had to ask"
    unclaimed_past_deadline: int = 0  # claimed late, or still unclaimed past the deadline
    stale_handoffs: int = 0           # reassignments pending for more than a day


@dataclass(frozen=True)
class HandoffFigures:
    """Seed 002: did the receiver know their first move?"""

    yes: int = 0
    partly: int = 0
    had_to_ask: int = 0
    bounces: int = 0
    escalations: int = 0            # escalations the bounces are counted over
    weak_items: tuple[tuple[str, int], ...] = ()  # checklist items weak at submit, most first


@dataclass(frozen=True)
class Suggested:
    """An article or resolved escalation suggested on the /escalate readiness step."""

    kind: str                # core.similar.SuggestionKind
    ref_id: int
    title: str
    shown: int = 0           # intakes it was shown to
    went_on: int = 0         # … of which escalated anyway


@dataclass(frozen=True)
class DeflectionFigures:
    """Intake suggestions: shown, and whether the agent escalated anyway."""

    shown: int = 0
    went_on: int = 0
    suggested: tuple[Suggested, ...] = ()   # most shown first

    @property
    def not_escalated(self) -> int:
        """Shown suggestions and did not escalate (so far): possible deflections."""
        return self.shown - self.went_on


@dataclass(frozen=True)
class PeriodFigures:
    """Every figure of one period, as aggregated by the database."""

    volume: tuple[VolumeCell, ...] = ()
    claim: tuple[Spread, ...] = ()    # per severity: packet posted → claimed
    accept: tuple[Spread, ...] = ()   # per severity: claimed → accepted
    resolve: tuple[Spread, ...] = ()  # per severity: escalated → resolved
    failures: FailureCounts = field(default_factory=FailureCounts)
    handoff: HandoffFigures = field(default_factory=HandoffFigures)
    deflection: DeflectionFigures = field(default_factory=DeflectionFigures)
    people: tuple[PersonLoad, ...] = ()
    domains: tuple[DomainLoad, ...] = ()
    promises: PromiseFigures = field(default_factory=PromiseFigures)
    oldest_open: tuple[OpenItem, ...] = ()
    opportunities: tuple[Opportunity, ...] = ()


@dataclass(frozen=True)
class WeeklySeries:
    """Opened and resolved per week, oldest first (for the chart)."""

    week_starts: tuple[datetime, ...]
    opened: tuple[int, ...]
    resolved: tuple[int, ...]
