"""What every report query shares: the tables, the audit event kinds, the domain filter and
the escalations that may have been open in a span (all index look-ups)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from core.model import State
from storage.sqlfn import at, json_text
from storage.tables import AuditEventRow, EscalationRow

E = EscalationRow.__table__  # type: ignore[attr-defined]
A = AuditEventRow.__table__  # type: ignore[attr-defined]

# Audit event kinds the reports read (written by the commands that change an escalation).
CLAIMED = "claimed"
ACCEPTED = "accepted"
RESOLVED = "resolved"
ENDING = ("resolved", "verified", "closed", "cancelled", "merged")
REOPENED = "reopened"
# States in which an escalation is no longer anyone's open work; every other state is open
# (listed from the enum, so a query can use the state index).
DONE_STATES = ("resolved", "closed", "cancelled", "merged")
OPEN_STATES = tuple(s.value for s in State if s.value not in DONE_STATES)


def _scoped(query: Any, domain: str | None) -> Any:
    return query if domain is None else query.where(E.c.domain_key == domain)


LIFECYCLE = (*ENDING, REOPENED)


def _candidates(since: datetime, before: datetime, domain: str | None) -> Any:
    """Ids of escalations that may have been open at some time in ``[since, before)``.

    Open now, or with an ending/reopening at or after ``since``: an escalation that is done
    now and whose every lifecycle event is older than ``since`` was done before it. Both
    halves are index look-ups (state; kind and time), so two years of history stay unread.
    A superset: the ids are not checked against the escalation rows here (created before
    ``before``, the reopening's domain) — every caller reads those rows anyway
    (``E.c.id.in_(…)`` beside its own conditions), and joining the ids back to the
    escalations here made PostgreSQL hash a scan of the whole table (and a creation-time
    condition beside the state made SQLite walk the creation-time index instead).
    """
    del before  # the callers' own conditions bound the creation time (see above)
    open_now = _scoped(sa.select(E.c.id).where(E.c.state.in_(OPEN_STATES)), domain)
    late = sa.select(A.c.escalation_id).where(A.c.kind.in_(LIFECYCLE), A.c.at >= at(since))
    return sa.union(open_now, late)


def plan_for_memory(session: Session) -> None:
    """PostgreSQL: plan the rest of this transaction's report queries for data in memory or
    on SSD (``random_page_cost`` 1.1 instead of the default 4, which assumes spinning disks
    and makes the planner prefer hashing a scan of every escalation to looking up the few
    thousand candidates by key). ``SET LOCAL``: it ends with the transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SET LOCAL random_page_cost = 1.1"))




# Ownership changes in the audit trail: a claim and an accepted handoff make the actor the
# owner; a return to the queue leaves nobody owning it (reopen and merge keep the owner).
OWNERSHIP = ("claimed", "handoff_accepted", "returned_to_queue")
NOBODY = "returned_to_queue"


def owner_at(escalation_id: Any, moment: Any) -> Any:
    """Who owned the escalation at ``moment`` (columns of the outer query), from the audit
    trail: the last ownership change at or before it. Escalations with no ownership event
    (data older than the trail) fall back to the current owner; NULL when nobody owned it."""
    own = A.alias("own")
    last = (sa.select(sa.case((own.c.kind == NOBODY, ""), else_=own.c.actor))
            .where(own.c.escalation_id == escalation_id, own.c.kind.in_(OWNERSHIP),
                   own.c.at <= moment)
            .order_by(own.c.at.desc(), own.c.id.desc()).limit(1).scalar_subquery())
    return sa.func.nullif(sa.func.coalesce(last, E.c.owner_id), "")


SEVERITY_CHANGED = "severity_changed"


def severity_at(escalation_id: Any, moment: Any) -> Any:
    """The escalation's severity at ``moment`` (columns of the outer query), from the audit
    trail: the last change at or before it (its ``to_severity``), else the first change after
    it (its ``from_severity``), else the current severity (it never changed)."""
    before, after = A.alias("sev_before"), A.alias("sev_after")
    last = (sa.select(json_text(before.c.detail, "to_severity"))
            .where(before.c.escalation_id == escalation_id, before.c.kind == SEVERITY_CHANGED,
                   before.c.at <= moment)
            .order_by(before.c.at.desc(), before.c.id.desc()).limit(1).scalar_subquery())
    first = (sa.select(json_text(after.c.detail, "from_severity"))
             .where(after.c.escalation_id == escalation_id, after.c.kind == SEVERITY_CHANGED,
                    after.c.at > moment)
             .order_by(after.c.at, after.c.id).limit(1).scalar_subquery())
    return sa.func.coalesce(last, first, E.c.severity)
