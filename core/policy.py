"""Per-severity policy and the ladder table, with the seeds' defaults.

Seed 001 §2 gives the response model per SEV; §1 the ladder (sequential unless the severity
warrants a leap). The numbers a team will want to tune live in :class:`SevPolicy`, overridable
per severity from the YAML config (``policy:``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta

from core.model import CustomerTier, Level, Severity, Signal
from core.timers import DEFAULT_TIMERS, TimerSettings


@dataclass(frozen=True)
class SevPolicy:
    """What a severity demands."""

    # Where the escalation lands before signals: SEV1 leaps to on-call Engineering.
    base_level: Level
    # Time in queue (first report → escalation) past which the case was under-escalated and
    # climbs one more rung (seed 001 §4: severity-model enforcement).
    queue_threshold: timedelta
    # The owner must claim within this (the timers' ``claim``; core.timers enforces it).
    ack_deadline: timedelta
    # Status updates are due this often; None means no cadence (SEV4).
    update_cadence: timedelta | None


DEFAULT_SEV_POLICIES: Mapping[Severity, SevPolicy] = {
    Severity.SEV1: SevPolicy(Level.L4, timedelta(hours=1), timedelta(minutes=15),
                             timedelta(minutes=30)),
    Severity.SEV2: SevPolicy(Level.L3, timedelta(hours=4), timedelta(minutes=30),
                             timedelta(hours=2)),
    Severity.SEV3: SevPolicy(Level.L2, timedelta(hours=24), timedelta(hours=4),
                             timedelta(hours=24)),
    Severity.SEV4: SevPolicy(Level.L2, timedelta(hours=72), timedelta(hours=24), None),
}

# Signals that set a floor on the target level, whatever the severity.
DEFAULT_SIGNAL_FLOORS: Mapping[Signal, Level] = {
    Signal.DATA_LOSS: Level.L4,
    Signal.SECURITY: Level.L4,
    Signal.CODE_CHANGE: Level.L3,
    Signal.MULTIPLE_CUSTOMERS: Level.L3,
}

# Tiers whose cases climb one rung when the severity is SEV1 or SEV2.
DEFAULT_PRIORITY_TIERS: frozenset[CustomerTier] = frozenset(
    {CustomerTier.STRATEGIC, CustomerTier.ENTERPRISE}
)


@dataclass(frozen=True)
class MergeThreshold:
    """When merged duplicates add up to this much impact, suggest a severity upgrade."""

    customers: int = 5
    affected_users: int = 1000
    suggest: Severity = Severity.SEV2


@dataclass(frozen=True)
class Policy:
    """The whole rule table the core decides with."""

    sev: Mapping[Severity, SevPolicy] = field(default_factory=lambda: dict(DEFAULT_SEV_POLICIES))
    signal_floors: Mapping[Signal, Level] = field(
        default_factory=lambda: dict(DEFAULT_SIGNAL_FLOORS)
    )
    priority_tiers: frozenset[CustomerTier] = DEFAULT_PRIORITY_TIERS
    # The highest level a case is routed to; L5 Leadership is notified, never the owner.
    ceiling: Level = Level.L4
    # Claim/accept deadlines, update cadences, business hours (core.timers).
    timers: TimerSettings = DEFAULT_TIMERS
    # After resolution (or closing), the requester and the owner may reopen within this;
    # after it, a lead only.
    reopen_window: timedelta = timedelta(days=7)
    merge_threshold: MergeThreshold = field(default_factory=MergeThreshold)

    def for_severity(self, severity: Severity) -> SevPolicy:
        return self.sev[severity]

    def with_overrides(self, overrides: Mapping[Severity, Mapping[str, object]]) -> Policy:
        """A copy with some :class:`SevPolicy` fields replaced per severity.

        Values must already have the field's type (the config loader converts YAML).
        """
        merged = dict(self.sev)
        for severity, fields in overrides.items():
            merged[severity] = replace(merged[severity], **fields)  # type: ignore[arg-type]
        return replace(self, sev=merged)


DEFAULT_POLICY = Policy()
