"""The leads' report figures, aggregated by the database (``GROUP BY`` and window functions).

Nothing here loads escalations into Python to count them: each function returns a handful of
rows per group (domain × SEV, severity, person). Every function takes the period ``[start,
end)`` and an optional domain. Times are compared as stored (UTC).

An escalation is *open at T* when it was created before T and its last ending event before T
(resolved, closed, cancelled, merged) is missing or followed by a reopen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from core.period import Period
from core.report_data import (
    Compliance,
    FailureCounts,
    OpenItem,
    PeriodFigures,
    Spread,
    VolumeCell,
    WeeklySeries,
)
from core.timers import DEFAULT_TIMERS, TimerSettings
from storage import deflection as intake
from storage import reports_loop as loop
from storage import reports_people as people_db
from storage import reports_promises as promise_db
from storage.report_scope import (
    ACCEPTED,
    CLAIMED,
    DONE_STATES,
    ENDING,
    LIFECYCLE,
    OPEN_STATES,
    REOPENED,
    RESOLVED,
    A,
    E,
    _candidates,
    _scoped,
    owner_at,
)
from storage.sqlfn import at, by_group, seconds_between, spread_query

__all__ = ["ACCEPTED", "CLAIMED", "DONE_STATES", "OPEN_STATES"]


def _endings(since: datetime, before: datetime, domain: str | None) -> Any:
    """Per candidate escalation: the last ending and the last reopening before ``before``."""
    ending = sa.case((A.c.kind.in_(ENDING), A.c.at))
    reopening = sa.case((A.c.kind == REOPENED, A.c.at))
    return (sa.select(A.c.escalation_id.label("eid"), sa.func.max(ending).label("ended"),
                      sa.func.max(reopening).label("reopened"))
            .where(A.c.kind.in_(LIFECYCLE), A.c.at < at(before),
                   A.c.escalation_id.in_(_candidates(since, before, domain)))
            .group_by(A.c.escalation_id).subquery())


def _open_at(before: datetime, domain: str | None) -> tuple[Any, Any]:
    """The FROM clause and WHERE condition of "open at ``before``"."""
    ends = _endings(before, before, domain)
    source = E.outerjoin(ends, ends.c.eid == E.c.id)
    still_open = sa.and_(
        E.c.id.in_(_candidates(before, before, domain)), E.c.created_at < at(before),
        sa.or_(ends.c.ended.is_(None),
               sa.and_(ends.c.reopened.is_not(None), ends.c.reopened > ends.c.ended)),
    )
    return source, still_open


def _first_event(kind: str, period: Period) -> Any:
    """Per escalation with an event of ``kind`` in the period: its first such event ever."""
    in_period = sa.select(A.c.escalation_id).where(
        A.c.kind == kind, A.c.at >= at(period.start), A.c.at < at(period.end))
    return (sa.select(A.c.escalation_id.label("eid"), sa.func.min(A.c.at).label("at"))
            .where(A.c.kind == kind, A.c.escalation_id.in_(in_period))
            .group_by(A.c.escalation_id).subquery())


# ------------------------------------------------------------------------------------ volume


def volume(session: Session, *, period: Period, domain: str | None = None
           ) -> list[VolumeCell]:
    start, end = at(period.start), at(period.end)
    cells: dict[tuple[str, str], dict[str, int]] = {}

    def add(rows: Any, attr: str) -> None:
        for dom, sev, n in rows:
            cells.setdefault((dom, sev), {})[attr] = int(n)

    opened = _scoped(sa.select(E.c.domain_key, E.c.severity, sa.func.count())
                     .where(E.c.created_at >= start, E.c.created_at < end), domain)
    add(session.execute(opened.group_by(E.c.domain_key, E.c.severity)), "opened")
    resolved = _scoped(
        sa.select(E.c.domain_key, E.c.severity, sa.func.count(sa.distinct(A.c.escalation_id)))
        .select_from(A.join(E, E.c.id == A.c.escalation_id))
        .where(A.c.kind == RESOLVED, A.c.at >= start, A.c.at < end), domain)
    add(session.execute(resolved.group_by(E.c.domain_key, E.c.severity)), "resolved")
    source, still_open = _open_at(period.end, domain)
    open_q = (sa.select(E.c.domain_key, E.c.severity, sa.func.count()).select_from(source)
              .where(still_open).group_by(E.c.domain_key, E.c.severity))
    add(session.execute(open_q), "open_at_end")
    return [VolumeCell(dom, sev, **counts) for (dom, sev), counts in sorted(cells.items())]


def oldest_open(session: Session, *, before: datetime, domain: str | None = None,
                limit: int = 5) -> list[OpenItem]:
    source, still_open = _open_at(before, domain)
    query = (sa.select(E.c.id, E.c.domain_key, E.c.severity, E.c.owner_id, E.c.created_at)
             .select_from(source).where(still_open)
             .order_by(E.c.created_at, E.c.id).limit(limit))
    return [OpenItem(r.id, r.domain_key, r.severity, r.owner_id, r.created_at)
            for r in session.execute(query)]


# ------------------------------------------------------------------------------------- speed


def _spreads(session: Session, values: Any, targets: Mapping[str, float | None] | None
             ) -> list[Spread]:
    rows = session.execute(spread_query(values.subquery(), targets)).all()
    return [Spread(str(r.g), int(r.n), _f(r.p50), _f(r.p90), int(r.breached or 0))
            for r in sorted(rows, key=lambda r: str(r.g))]


def _f(value: Any) -> float | None:
    return None if value is None else round(float(value), 3)


def time_to_claim(session: Session, *, period: Period, domain: str | None = None,
                  targets: Mapping[str, float | None] | None = None, by: str = "severity"
                  ) -> list[Spread]:
    """Packet posted → claimed, for claims in the period, per severity (or per claimer)."""
    group = E.c.severity if by == "severity" else (
        owner_at(E.c.id, E.c.claimed_at) + "|" + E.c.domain_key)
    values = _scoped(
        sa.select(group.label("g"), seconds_between(E.c.posted_at, E.c.claimed_at).label("v"))
        .where(E.c.claimed_at >= at(period.start), E.c.claimed_at < at(period.end),
               E.c.posted_at.is_not(None), group.is_not(None)), domain)
    return _spreads(session, values, targets if by == "severity" else None)


def time_to_accept(session: Session, *, period: Period, domain: str | None = None,
                   by: str = "severity") -> list[Spread]:
    """Claimed → first accepted, for acceptances in the period (per owner: who accepted)."""
    first = _first_event(ACCEPTED, period)
    group = E.c.severity if by == "severity" else (
        owner_at(E.c.id, first.c.at) + "|" + E.c.domain_key)
    values = _scoped(
        sa.select(group.label("g"), seconds_between(E.c.claimed_at, first.c.at).label("v"))
        .select_from(E.join(first, first.c.eid == E.c.id))
        .where(first.c.at >= at(period.start), E.c.claimed_at.is_not(None),
               group.is_not(None)), domain)
    return _spreads(session, values, None)


def time_to_resolve(session: Session, *, period: Period, domain: str | None = None
                    ) -> list[Spread]:
    """Escalated → first resolved, for resolutions in the period."""
    first = _first_event(RESOLVED, period)
    values = _scoped(
        sa.select(E.c.severity.label("g"), seconds_between(E.c.created_at, first.c.at).label("v"))
        .select_from(E.join(first, first.c.eid == E.c.id))
        .where(first.c.at >= at(period.start)), domain)
    return _spreads(session, values, None)


# ----------------------------------------------------------------------------- failure modes


def failure_counts(session: Session, *, period: Period, domain: str | None = None,
                   queue_thresholds: Mapping[str, float | None],
                   claim_targets: Mapping[str, float | None]) -> FailureCounts:
    start, end = at(period.start), at(period.end)
    threshold = by_group(E.c.severity, queue_thresholds)
    under = _scoped(
        sa.select(sa.func.count()).where(
            E.c.created_at >= start, E.c.created_at < end, E.c.first_reported_at.is_not(None),
            seconds_between(E.c.first_reported_at, E.c.created_at) > threshold), domain)
    # Each escalation whose claim deadline fell in the period and was not claimed by then.
    target = by_group(E.c.severity, claim_targets)
    longest = max((t for t in claim_targets.values() if t is not None), default=0.0)
    late = _scoped(
        sa.select(sa.func.count()).where(
            E.c.posted_at.is_not(None),
            # Cheap range test first: the deadline can fall in the period only if the packet
            # was posted in this range.
            E.c.posted_at >= at(period.start - timedelta(seconds=longest)),
            E.c.posted_at < end,
            seconds_between(E.c.posted_at, end) > target,
            seconds_between(E.c.posted_at, start) <= target,
            sa.or_(E.c.claimed_at.is_(None),
                   seconds_between(E.c.posted_at, E.c.claimed_at) > target)), domain)
    return FailureCounts(under_escalated=int(session.execute(under).scalar_one()),
                         unclaimed_past_deadline=int(session.execute(late).scalar_one()))


# ------------------------------------------------------------------------------------ series


def weekly_series(session: Session, *, weeks: Sequence[Period], domain: str | None = None
                  ) -> WeeklySeries:
    """Opened and resolved per week in one pass each (a ``SUM(CASE …)`` column per week)."""
    first, last = at(weeks[0].start), at(weeks[-1].end)

    def columns(column: Any) -> list[Any]:
        return [sa.func.coalesce(sa.func.sum(sa.case(
            (sa.and_(column >= at(w.start), column < at(w.end)), 1), else_=0)), 0)
            for w in weeks]

    opened = _scoped(sa.select(*columns(E.c.created_at))
                     .where(E.c.created_at >= first, E.c.created_at < last), domain)
    resolved = _scoped(sa.select(*columns(A.c.at))
                       .select_from(A.join(E, E.c.id == A.c.escalation_id))
                       .where(A.c.kind == RESOLVED, A.c.at >= first, A.c.at < last), domain)
    o = session.execute(opened).one()
    r = session.execute(resolved).one()
    return WeeklySeries(tuple(w.start for w in weeks), tuple(int(x) for x in o),
                        tuple(int(x) for x in r))


# ------------------------------------------------------------------------------------ all


def period_figures(session: Session, *, period: Period, domain: str | None = None,
                   claim_targets: Mapping[str, float | None],
                   queue_thresholds: Mapping[str, float | None],
                   sections: frozenset[str],
                   timers: TimerSettings = DEFAULT_TIMERS,
                   open_now: Mapping[str, int] | None = None) -> PeriodFigures:
    """Everything the named report sections need for one period."""
    figures: dict[str, Any] = {}
    if "volume" in sections:
        figures["volume"] = tuple(volume(session, period=period, domain=domain))
        figures["oldest_open"] = tuple(oldest_open(session, before=period.end, domain=domain))
    if "speed" in sections:
        figures["claim"] = tuple(time_to_claim(session, period=period, domain=domain,
                                               targets=claim_targets))
        figures["accept"] = tuple(time_to_accept(session, period=period, domain=domain))
        figures["resolve"] = tuple(time_to_resolve(session, period=period, domain=domain))
    if "failures" in sections:
        spine = failure_counts(session, period=period, domain=domain,
                               queue_thresholds=queue_thresholds, claim_targets=claim_targets)
        figures["failures"] = replace(spine, **loop.failure_counts(session, period=period,
                                                                   domain=domain))
    if "handoff" in sections:
        figures["handoff"] = loop.handoff(session, period=period, domain=domain)
    if "deflection" in sections:
        figures["opportunities"] = tuple(loop.opportunities(session, period=period,
                                                            domain=domain))
        figures["deflection"] = intake.intake_figures(session, period=period, domain=domain)
    compliance: list[Compliance] = []
    customer: list[Compliance] = []
    if {"promises", "utilization"} & sections:
        compliance = promise_db.update_compliance(session, period=period, domain=domain,
                                                  timers=timers)
        customer = promise_db.customer_compliance(session, period=period, domain=domain,
                                                  timers=timers)
    if "promises" in sections:
        figures["promises"] = people_db.promises(session, period=period, domain=domain,
                                                 compliance=compliance, customer=customer)
    if "utilization" in sections:
        medians: dict[str, dict[str, float | None]] = {}
        for spread in time_to_claim(session, period=period, domain=domain, by="owner"):
            medians.setdefault(spread.group, {})["median_claim_s"] = spread.p50
        for spread in time_to_accept(session, period=period, domain=domain, by="owner"):
            medians.setdefault(spread.group, {})["median_accept_s"] = spread.p50
        rows = people_db.people(session, period=period, domain=domain, timers=timers,
                                compliance=compliance, medians=medians, open_now=open_now)
        figures["people"] = tuple(rows)
        figures["domains"] = tuple(people_db.domains(rows))
    return PeriodFigures(**figures)
