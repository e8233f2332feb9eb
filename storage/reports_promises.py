"""Promises kept against a clock: status updates and customer updates on time, per severity
and per the owner *at the time each was due* (aggregated by the database).

Both figures settle each due of a clock once (the same approach, one query shape):

* **on time** — an update posted while no reminder of that clock was pending (posted before
  the reminder fired), counted when posted and credited to whoever owned the escalation then;
* **missed** — the clock's reminder fired: one per clock basis in the nudge ledger, however
  many rungs followed, counted at its first due time and credited to whoever owned the
  escalation at that due time (a handoff between two due times credits each owner with their
  own; the audit trail records every change of owner: claim, handoff accepted, return to the
  queue).

Each counts for the severity the escalation had at that time (its ``severity_changed``
events), so a SEV3 raised to SEV1 keeps its SEV3 dues under SEV3; a SEV without the clock's
cadence then (SEV4 by default) has none.

The status-update clock (``update``) runs while the owner works on it and is settled by a
status update. The customer-update clock (``customer_update``: support owes the customer an
update, at the SEV's ``customer_update`` cadence, default the ``update`` one) runs from the
claim and is settled when the requester (or case owner) records having given the customer an
update — **Customer told**, on the customer-update reminder and under each status update's
customer-safe draft (audit event ``customer_told``). It is support's promise, so it is counted
per SEV and per support agent (who recorded it; the requester for a miss), not per specialist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from core.model import Severity
from core.period import Period
from core.report_data import Compliance
from core.timers import DEFAULT_TIMERS, TimerKind, TimerPolicy, TimerSettings
from storage.report_scope import A, E, _scoped, owner_at, severity_at
from storage.sqlfn import at
from storage.tables import NudgeRow

N = NudgeRow.__table__  # type: ignore[attr-defined]
UPDATE_POSTED = "update_posted"
CUSTOMER_TOLD = "customer_told"


def _cadenced(timers: TimerSettings, runs: Callable[[TimerPolicy], bool]
              ) -> Callable[[Any], Any]:
    """Whether a severity (an expression; in the escalation's domain) has the clock
    (``runs(policy)``)."""
    def sevs(domain: str | None) -> list[str]:
        return [s.value for s in Severity if runs(timers.policy(s, domain))]

    def condition(severity: Any) -> Any:
        own = sorted(timers.domain_sev)
        default = severity.in_(sevs(None))
        if own:
            default = sa.and_(E.c.domain_key.not_in(own), default)
        return sa.or_(default, *(sa.and_(E.c.domain_key == d, severity.in_(sevs(d)))
                                 for d in own))

    return condition


def clock_compliance(session: Session, *, period: Period, domain: str | None, clock: str,
                     settled_by: str, cadenced: Callable[[Any], Any],
                     per_requester: bool = False
                     ) -> list[Compliance]:
    """Dues of ``clock`` settled in the period (on time by an audit event of kind
    ``settled_by``), per severity and person (group ``"SEV2"``): by default the
    ``owner|domain`` at the time (``"U0A|auth"``; None: nobody owned it then);
    ``per_requester``: support's side — who recorded it, or the requester for a miss. Two
    ``GROUP BY`` queries: on time, missed."""
    start, end = at(period.start), at(period.end)

    def credit(eid: Any, moment: Any) -> Any:
        if per_requester:
            return A.c.actor if moment is A.c.at else E.c.requester_id
        return owner_at(eid, moment) + "|" + E.c.domain_key

    reminded = sa.exists().where(
        N.c.escalation_id == A.c.escalation_id, N.c.kind == clock, N.c.at <= A.c.at,
        sa.or_(N.c.acted_at.is_(None), N.c.acted_at >= A.c.at))
    severity = severity_at(A.c.escalation_id, A.c.at)
    posted = sa.select(
        severity.label("sev"),
        credit(A.c.escalation_id, A.c.at).label("owner"),
    ).select_from(A.join(E, E.c.id == A.c.escalation_id)).where(
        A.c.kind == settled_by, A.c.at >= start, A.c.at < end, cadenced(severity),
        sa.not_(reminded))
    on_time_rows = _scoped(posted, domain).subquery()
    on_time = sa.select(on_time_rows.c.sev, on_time_rows.c.owner, sa.func.count()).group_by(
        on_time_rows.c.sev, on_time_rows.c.owner)
    # Missed: a clock basis whose first recorded reminder fell due in the period.
    earlier = N.alias("earlier")
    first = sa.select(N.c.escalation_id.label("eid"), N.c.basis,
                      sa.func.min(N.c.due_at).label("due")).where(
        N.c.kind == clock, N.c.due_at >= start, N.c.due_at < end,
        ~sa.exists().where(earlier.c.escalation_id == N.c.escalation_id,
                           earlier.c.kind == clock, earlier.c.basis == N.c.basis,
                           earlier.c.due_at < start)).group_by(N.c.escalation_id, N.c.basis
                                                               ).subquery()
    fired = _scoped(sa.select(
        severity_at(first.c.eid, first.c.due).label("sev"),
        credit(first.c.eid, first.c.due).label("owner"),
    ).select_from(first.join(E, E.c.id == first.c.eid)), domain).subquery()
    missed = sa.select(fired.c.sev, fired.c.owner, sa.func.count()).group_by(
        fired.c.sev, fired.c.owner)
    counts: dict[tuple[str, str | None], list[int]] = {}
    for index, query in ((0, on_time), (1, missed)):
        for sev, owner, n in session.execute(query):
            counts.setdefault((str(sev), owner), [0, 0])[index] += int(n)
    return [Compliance(sev, ok, ok + miss, owner)
            for (sev, owner), (ok, miss) in sorted(counts.items(), key=lambda i: str(i[0]))]


def update_compliance(session: Session, *, period: Period, domain: str | None = None,
                      timers: TimerSettings = DEFAULT_TIMERS) -> list[Compliance]:
    """Status updates on time and due (the SEV's ``update`` cadence; none: not counted)."""
    return clock_compliance(session, period=period, domain=domain,
                            clock=TimerKind.UPDATE.value, settled_by=UPDATE_POSTED,
                            cadenced=_cadenced(timers, lambda p: p.update is not None))


def customer_compliance(session: Session, *, period: Period, domain: str | None = None,
                        timers: TimerSettings = DEFAULT_TIMERS) -> list[Compliance]:
    """Customer updates on time and due (the SEV's customer-update cadence), per SEV and per
    support agent: they are support's promise (the requester's), not the specialist's."""
    return clock_compliance(session, period=period, domain=domain,
                            clock=TimerKind.CUSTOMER.value, settled_by=CUSTOMER_TOLD,
                            cadenced=_cadenced(timers, lambda p: p.customer_cadence is not None),
                            per_requester=True)
