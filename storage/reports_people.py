"""Specialist utilization and promises kept, aggregated by the database.

* **Owned time**: each escalation's owned stretches — from the claim, broken at every ending
  (resolved, closed …) and resumed at every reopening, handed on at every accepted handoff —
  clipped to the period, each for whoever owned it then (the audit trail's ownership
  changes). The gap between a resolution and a reopening is nobody's work and is not counted.
* **Outside business hours**: the part of owned time outside the business hours of the
  timers' config (``business_hours``, per domain when a domain sets its own). The working
  windows of the period are computed in Python (:meth:`BusinessHours.windows`: time zones,
  DST, holidays) and handed to the query as a ``VALUES`` table; the overlap is summed in SQL.
* **Updates on time** and **customer updates on time** (one source each for the
  utilization table and "Promises kept"; :mod:`storage.reports_promises`): each due of the
  clock is settled once — on time or missed — and credited to whoever owned the escalation
  when it was due. SEVs without a cadence (SEV4 by default) are not counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from core.period import Period
from core.report_data import Compliance, DomainLoad, PersonLoad, PromiseFigures
from core.timers import DEFAULT_TIMERS, TimerSettings
from storage import reports_promises as promise_db
from storage.report_scope import (
    CLAIMED,
    LIFECYCLE,
    OPEN_STATES,
    REOPENED,
    A,
    E,
    _candidates,
    _scoped,
    owner_at,
)
from storage.sqlfn import at, seconds_between, unlikely
from storage.tables import NudgeRow, UTCDateTime

N = NudgeRow.__table__  # type: ignore[attr-defined]
RETURNED = "returned_to_queue"
HANDOFF = "handoff_accepted"
OWNER_KEY = (E.c.owner_id + "|" + E.c.domain_key)


def _later(a: Any, b: Any) -> Any:
    return sa.case((a > b, a), else_=b)


def _earlier(a: Any, b: Any) -> Any:
    return sa.case((a < b, a), else_=b)


# ------------------------------------------------------------------------------ owned time


def owned_stretches(period: Period, domain: str | None) -> Any:
    """One row per owned stretch overlapping the period: ``eid, s, e`` (clipped to it) and
    ``owner`` (``owner|domain``: whoever owned it during the stretch)."""
    start, end = at(period.start), at(period.end)
    cand = _candidates(period.start, period.end, domain)
    owned = sa.and_(E.c.owner_id.is_not(None), E.c.claimed_at < end, E.c.id.in_(cand))
    # Marks: the claim opens, an ending closes, a reopening opens again, an accepted handoff
    # closes the old owner's stretch and opens the new owner's.
    claims = _scoped(sa.select(E.c.id.label("eid"), E.c.claimed_at.label("t"),
                               sa.literal(1).label("opens")).where(owned), domain)
    lifecycle = _scoped(
        sa.select(A.c.escalation_id.label("eid"), A.c.at.label("t"),
                  sa.case((A.c.kind.in_((REOPENED, HANDOFF)), 1), else_=0).label("opens"))
        .select_from(A.join(E, E.c.id == A.c.escalation_id))
        .where(owned, A.c.kind.in_((*LIFECYCLE, HANDOFF)), A.c.at >= E.c.claimed_at,
               A.c.at < end),
        domain)
    marks = sa.union_all(claims, lifecycle).subquery()
    stepped = sa.select(
        marks.c.eid, marks.c.t, marks.c.opens,
        sa.func.lead(marks.c.t).over(partition_by=marks.c.eid,
                                     order_by=(marks.c.t, marks.c.opens)).label("next_t"),
    ).subquery()
    s = _later(stepped.c.t, start)
    e = _earlier(sa.func.coalesce(stepped.c.next_t, end), end)
    owner = owner_at(stepped.c.eid, stepped.c.t) + "|" + E.c.domain_key
    return (sa.select(stepped.c.eid, s.label("s"), e.label("e"), owner.label("owner"))
            .select_from(stepped.join(E, E.c.id == stepped.c.eid))
            .where(stepped.c.opens == 1, e > s).subquery())


def _windows(timers: TimerSettings, period: Period, domain: str | None) -> Any | None:
    """The period's working windows as ``(dom, ws, we)``; ``dom`` '' is the default hours."""
    rows: list[tuple[str, datetime, datetime]] = []
    own = sorted(d for d in timers.domain_hours if domain is None or d == domain)
    for dom in ["", *own]:
        hours = timers.business_hours(dom or None)
        rows += [(dom, a, b) for a, b in hours.windows(period.start, period.end)]
    if not rows:
        return None
    return sa.values(sa.column("dom", sa.String()), sa.column("ws", UTCDateTime()),
                     sa.column("we", UTCDateTime()), name="bh").data(rows).cte("bh")


def owned_time(session: Session, *, period: Period, domain: str | None = None,
               timers: TimerSettings = DEFAULT_TIMERS) -> dict[str, tuple[float, float]]:
    """Per ``owner|domain``: (owned seconds, of which inside business hours)."""
    stretches = owned_stretches(period, domain)
    windows = _windows(timers, period, domain)
    if windows is None:
        inside: Any = sa.literal(0.0)
    else:
        own = sorted(timers.domain_hours)
        zone_of = (sa.case((E.c.domain_key.in_(own), E.c.domain_key), else_="") if own
                   else sa.literal(""))
        inside = (sa.select(sa.func.sum(seconds_between(
            _later(stretches.c.s, windows.c.ws), _earlier(stretches.c.e, windows.c.we))))
            .where(windows.c.dom == zone_of, windows.c.ws < stretches.c.e,
                   windows.c.we > stretches.c.s).scalar_subquery())
    query = (sa.select(stretches.c.owner,
                       sa.func.sum(seconds_between(stretches.c.s, stretches.c.e)),
                       sa.func.sum(sa.func.coalesce(inside, 0.0)))
             .select_from(stretches.join(E, E.c.id == stretches.c.eid))
             .where(stretches.c.owner.is_not(None)).group_by(stretches.c.owner))
    out = {}
    for k, total, within in session.execute(query):
        owned = max(float(total or 0), 0.0)
        out[str(k)] = (owned, min(max(float(within or 0), 0.0), owned))
    return out


# ------------------------------------------------------------------------ updates on time


def update_compliance(session: Session, *, period: Period, domain: str | None = None,
                      timers: TimerSettings = DEFAULT_TIMERS) -> list[Compliance]:
    """Updates on time and updates due per severity and ``owner|domain`` at the time (group
    ``"SEV2"``, owner ``"U0A|auth"``): the one source of both the per-SEV and the per-owner
    figures (:mod:`storage.reports_promises`)."""
    return promise_db.update_compliance(session, period=period, domain=domain, timers=timers)


def by_severity(rows: Iterable[Compliance]) -> tuple[Compliance, ...]:
    return _regroup(rows, lambda c: c.group)


def by_owner(rows: Iterable[Compliance]) -> dict[str, Compliance]:
    """Per ``owner|domain`` at the time each was due; dues while nobody owned the escalation
    (back in the queue) are left out."""
    return {c.group: c for c in _regroup((c for c in rows if c.owner is not None),
                                         lambda c: c.owner or "")}


def _regroup(rows: Iterable[Compliance], key: Callable[[Compliance], str]
             ) -> tuple[Compliance, ...]:
    acc: dict[str, list[int]] = {}
    for c in rows:
        pair = acc.setdefault(key(c), [0, 0])
        pair[0] += c.on_time
        pair[1] += c.due
    return tuple(Compliance(g, ok, due) for g, (ok, due) in sorted(acc.items()))


def promises(session: Session, *, period: Period, domain: str | None = None,
             compliance: Sequence[Compliance], customer: Sequence[Compliance] = ()
             ) -> PromiseFigures:
    """Updates and customer updates on time per SEV, reminders sent and acted on, returns to
    the queue."""
    start, end = at(period.start), at(period.end)
    sent = _scoped(
        sa.select(sa.func.count(), sa.func.count(N.c.acted_at))
        .select_from(N.join(E, E.c.id == N.c.escalation_id))
        .where(N.c.at >= start, N.c.at < end, N.c.cancelled.is_(False)), domain)
    n_sent, n_acted = session.execute(sent).one()
    returned = _scoped(
        sa.select(sa.func.count()).select_from(A.join(E, E.c.id == A.c.escalation_id))
        .where(A.c.kind == RETURNED, A.c.at >= start, A.c.at < end), domain)
    return PromiseFigures(
        updates=by_severity(compliance), customer_updates=by_severity(customer),
        customer_by_agent=_regroup((c for c in customer if c.owner is not None),
                                   lambda c: c.owner or ""),
        nudges_sent=int(n_sent or 0), nudges_acted=int(n_acted or 0),
        returned_to_queue=int(session.execute(returned).scalar_one()))


# ---------------------------------------------------------------------------- per person


def people(session: Session, *, period: Period, domain: str | None = None,
           timers: TimerSettings = DEFAULT_TIMERS, compliance: Sequence[Compliance] = (),
           medians: Mapping[str, Mapping[str, float | None]] | None = None,
           open_now: Mapping[str, int] | None = None) -> list[PersonLoad]:
    """Per specialist and domain: taken on in the period (claimed or handed over to them),
    open now, owned hours (each stretch for whoever owned it then), the share of them outside
    business hours, status updates on time (each credited to the owner when it was due;
    ``medians``: per key, extra columns)."""
    start, end = at(period.start), at(period.end)
    stats: dict[str, dict[str, Any]] = {}
    # Owned in the period: taken on in it — claimed, or handed over to them (the actor).
    taker = A.c.actor + "|" + E.c.domain_key
    owned = _scoped(sa.select(taker, sa.func.count(sa.distinct(A.c.escalation_id)))
                    .select_from(A.join(E, E.c.id == A.c.escalation_id))
                    .where(A.c.kind.in_((CLAIMED, HANDOFF)), A.c.at >= start, A.c.at < end),
                    domain)
    for k, n in session.execute(owned.group_by(taker)):
        stats.setdefault(k, {})["owned_in_period"] = int(n)
    for k, n in (open_now if open_now is not None
                 else open_per_owner(session, domain=domain)).items():
        stats.setdefault(k, {})["open_now"] = n
    for k, (seconds, inside) in owned_time(session, period=period, domain=domain,
                                           timers=timers).items():
        stats.setdefault(k, {}).update(
            owned_hours=seconds / 3600,
            outside_hours_share=(seconds - inside) / seconds if seconds > 0 else None)
    for k, c in by_owner(compliance).items():
        stats.setdefault(k, {}).update(updates_on_time=c.on_time, updates_due=c.due)
    for k, extra in (medians or {}).items():
        stats.setdefault(k, {}).update(extra)
    out = []
    for k, values in sorted(stats.items()):
        user, _, dom = k.partition("|")
        out.append(PersonLoad(user=user, domain=dom, **values))
    return out


def open_per_owner(session: Session, *, domain: str | None = None) -> dict[str, int]:
    """Open escalations per ``owner|domain`` now (the same for both periods)."""
    query = _scoped(sa.select(OWNER_KEY, sa.func.count()).where(
        E.c.owner_id.is_not(None), unlikely(E.c.state.in_(OPEN_STATES))),
        domain).group_by(OWNER_KEY)
    return {str(k): int(n) for k, n in session.execute(query)}


def domains(people_rows: list[PersonLoad]) -> list[DomainLoad]:
    """Per domain: owned hours and the share outside business hours (from the people rows,
    which are already one per specialist and domain)."""
    acc: dict[str, list[float]] = {}
    for p in people_rows:
        hours = acc.setdefault(p.domain, [0.0, 0.0])
        hours[0] += p.owned_hours
        hours[1] += p.owned_hours * (p.outside_hours_share or 0.0)
    return [DomainLoad(d, h, (o / h) if h > 0 else None) for d, (h, o) in sorted(acc.items())]
