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

The status-update clock (``update``) runs while the owner works on it; the customer-update
clock (``customer_update``: the requester owes the customer an update, at the SEV's
``customer_update`` cadence, default the ``update`` one) runs from the claim and restarts at
every status update, whose customer-safe draft is what the requester passes on. A customer
update is therefore on time when a status update gave the requester a fresh draft before the
customer-update reminder went to them, and missed when that reminder fired. Whether the
requester then pasted the draft into the ticket is not something the bot sees.
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
from storage.report_scope import A, E, _scoped, owner_at
from storage.sqlfn import at
from storage.tables import NudgeRow

N = NudgeRow.__table__  # type: ignore[attr-defined]
UPDATE_POSTED = "update_posted"


def _cadenced(timers: TimerSettings, runs: Callable[[TimerPolicy], bool]) -> Any:
    """Escalations whose severity (in their domain) has the clock (``runs(policy)``)."""
    def sevs(domain: str | None) -> list[str]:
        return [s.value for s in Severity if runs(timers.policy(s, domain))]

    own = sorted(timers.domain_sev)
    default = E.c.severity.in_(sevs(None))
    if own:
        default = sa.and_(E.c.domain_key.not_in(own), default)
    return sa.or_(default, *(sa.and_(E.c.domain_key == d, E.c.severity.in_(sevs(d)))
                             for d in own))


def clock_compliance(session: Session, *, period: Period, domain: str | None, clock: str,
                     cadenced: Any) -> list[Compliance]:
    """Dues of ``clock`` settled in the period, per severity and ``owner|domain`` at the time
    (group ``"SEV2"``, owner ``"U0A|auth"``; owner None: nobody owned it then). Two
    ``GROUP BY`` queries: on time, missed."""
    start, end = at(period.start), at(period.end)
    reminded = sa.exists().where(
        N.c.escalation_id == A.c.escalation_id, N.c.kind == clock, N.c.at <= A.c.at,
        sa.or_(N.c.acted_at.is_(None), N.c.acted_at >= A.c.at))
    posted = sa.select(
        E.c.severity.label("sev"),
        (owner_at(A.c.escalation_id, A.c.at) + "|" + E.c.domain_key).label("owner"),
    ).select_from(A.join(E, E.c.id == A.c.escalation_id)).where(
        A.c.kind == UPDATE_POSTED, A.c.at >= start, A.c.at < end, cadenced, sa.not_(reminded))
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
        E.c.severity.label("sev"),
        (owner_at(first.c.eid, first.c.due) + "|" + E.c.domain_key).label("owner"),
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
                            clock=TimerKind.UPDATE.value,
                            cadenced=_cadenced(timers, lambda p: p.update is not None))


def customer_compliance(session: Session, *, period: Period, domain: str | None = None,
                        timers: TimerSettings = DEFAULT_TIMERS) -> list[Compliance]:
    """Customer updates on time and due (the SEV's customer-update cadence)."""
    return clock_compliance(session, period=period, domain=domain,
                            clock=TimerKind.CUSTOMER.value,
                            cadenced=_cadenced(timers, lambda p: p.customer_cadence is not None))
