"""Escalation criteria: from severity, tier, complexity signals and time in queue to a level.

Seeds 000 and 001 §1. The ladder is climbed one rung at a time (L1 → L2) unless the severity
warrants a leap (the SEV policy's ``base_level``); each signal can raise the floor; an
under-escalated case (time in queue past the SEV threshold) climbs one more rung; contract or PR
risk notifies L5 Leadership without making it the owner.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.model import CustomerTier, Level, LevelDecision, Severity, Signal
from core.policy import DEFAULT_POLICY, Policy
from core.timefmt import humanize_duration, utc


def decide_level(
    *,
    severity: Severity,
    tier: CustomerTier | None,
    signals: tuple[Signal, ...] | frozenset[Signal],
    first_reported_at: datetime | None,
    now: datetime,
    policy: Policy = DEFAULT_POLICY,
) -> LevelDecision:
    sev = policy.for_severity(severity)
    level = Level.L2
    reasons: list[str] = []
    if sev.base_level > Level.L2:
        level = sev.base_level
        reasons.append(f"{severity.value} warrants a leap to {sev.base_level.owner}")
    else:
        reasons.append(f"{severity.value}: next rung up from Tier 1")

    for signal in sorted(signals, key=lambda s: list(Signal).index(s)):
        floor = policy.signal_floors.get(signal)
        if floor is not None and floor > level:
            level = floor
            reasons.append(f"{signal.label.lower()} → {floor.owner}")

    if tier is not None and tier in policy.priority_tiers and severity.rank <= 2:
        bumped = _up(level, policy.ceiling)
        if bumped != level:
            level = bumped
            reasons.append(f"{tier.label} customer at {severity.value}")

    if first_reported_at is not None:
        waited = utc(now) - utc(first_reported_at)
        if waited > sev.queue_threshold:
            bumped = _up(level, policy.ceiling)
            over = (f"{humanize_duration(waited)} in queue, over {severity.value}'s "
                    f"{humanize_duration(sev.queue_threshold)}")
            if bumped != level:
                level = bumped
                reasons.append(over + ", one rung up")
            else:
                reasons.append(over)

    level = min(level, policy.ceiling)
    leadership = Signal.CONTRACT_RISK in signals
    if leadership:
        reasons.append("L5 Leadership notified for contract/PR risk")
    return LevelDecision(target=level, leadership_notified=leadership,
                         reason=f"{level.label}: " + "; ".join(reasons))


def _up(level: Level, ceiling: Level) -> Level:
    return Level(min(level + 1, ceiling))


def time_in_queue(first_reported_at: datetime | None, now: datetime) -> timedelta | None:
    if first_reported_at is None:
        return None
    return max(utc(now) - utc(first_reported_at), timedelta(0))
