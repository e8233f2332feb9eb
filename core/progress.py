"""Facts computed from the escalation's history: next update due, wrap-up figures, merges.

Pure functions of stored facts and a given ``now``; the commands store their results (e.g.
``next_update_due``) so timers and App Home can query them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.customer_safe import CustomerDraft
from core.model import Severity, State
from core.policy import MergeThreshold
from core.timefmt import utc
from core.workflow import OWNED


def next_update_due(*, state: State, cadence: timedelta | None,
                    last_update_at: datetime | None, promised_at: datetime | None,
                    claimed_at: datetime | None) -> datetime | None:
    """When the owner's next status update is due (UTC), or None when none is owed.

    Updates are owed while someone owns the escalation (claimed … fix in progress, needs
    info, reopened), every SEV cadence (``core.policy``; SEV4 has none) counted from the last
    update, or from the claim before the first. A time the owner promised in their last
    update ("when you'll hear from us again") wins when it is sooner than the cadence.
    """
    if state not in OWNED or cadence is None:
        return None
    anchor = last_update_at or claimed_at
    if anchor is None:
        return None
    due = utc(anchor) + cadence
    if promised_at is not None and (last_update_at is None
                                    or utc(promised_at) > utc(last_update_at)):
        due = min(due, utc(promised_at))
    return due


@dataclass(frozen=True)
class StatusUpdate:
    """One posted status update (seed 001 §3's five answers) with its customer draft."""

    id: int
    at: datetime
    author: str
    known: str
    unknown: str
    next_steps: str
    next_update_at: datetime | None
    customer_action: str
    internal_note: str | None
    draft: CustomerDraft


def is_overdue(due: datetime | None, now: datetime) -> bool:
    return due is not None and utc(now) > utc(due)


@dataclass(frozen=True)
class WrapUp:
    """Seed 003's wrap-up: how long it took, what it was, what happens next."""

    escalation_to_resolution: timedelta
    time_to_claim: timedelta | None
    time_to_accept: timedelta | None
    updates: int
    root_cause: str
    fix_version: str | None
    next_steps: str


def wrap_up(*, escalated_at: datetime, posted_at: datetime | None,
            claimed_at: datetime | None, accepted_at: datetime | None,
            resolved_at: datetime, updates: int, root_cause: str, fix_version: str | None,
            l1_takeaway: str, kb_warranted: bool) -> WrapUp:
    def span(start: datetime | None, end: datetime | None) -> timedelta | None:
        if start is None or end is None:
            return None
        return max(utc(end) - utc(start), timedelta(0))

    steps = f"L1 takeaway: {l1_takeaway.strip()}"
    steps += " Knowledge-base article warranted." if kb_warranted else ""
    total = span(escalated_at, resolved_at)
    assert total is not None
    return WrapUp(escalation_to_resolution=total, time_to_claim=span(posted_at, claimed_at),
                  time_to_accept=span(claimed_at, accepted_at), updates=updates,
                  root_cause=root_cause.strip(), fix_version=fix_version,
                  next_steps=steps)


@dataclass(frozen=True)
class Impact:
    """The survivor's impact with every merged duplicate added."""

    affected_users: int
    customers: tuple[str, ...]
    linked_tickets: tuple[str, ...]


def add_impact(parts: Iterable[tuple[int, str, Iterable[str]]]) -> Impact:
    """Sum users; union customers (case-insensitive) and tickets, keeping first-seen order."""
    users = 0
    customers: dict[str, str] = {}
    tickets: dict[str, str] = {}
    for count, customer, linked in parts:
        users += max(count, 0)
        if customer.strip():
            customers.setdefault(customer.strip().lower(), customer.strip())
        for ticket in linked:
            if ticket.strip():
                tickets.setdefault(ticket.strip().upper(), ticket.strip())
    return Impact(users, tuple(customers.values()), tuple(tickets.values()))


def merge_suggestion(severity: Severity, impact: Impact,
                     threshold: MergeThreshold) -> Severity | None:
    """The severity to suggest once merged impact crosses the threshold, or None."""
    crossed = (len(impact.customers) >= threshold.customers
               or impact.affected_users >= threshold.affected_users)
    if crossed and severity.rank > threshold.suggest.rank:
        return threshold.suggest
    return None
