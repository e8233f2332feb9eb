"""Report figures over the feedback loop's tables: resolutions, handoff ratings, needs-info
bounces, reassignments and severity changes (all aggregated in the database)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from core.period import Period
from core.report_data import HandoffFigures, Opportunity
from storage.sqlfn import at, json_text, seconds_between, string_agg
from storage.tables import (
    AuditEventRow,
    EscalationRow,
    HandoffRatingRow,
    HandoffRow,
    InfoRequestRow,
    ResolutionRow,
)

E = EscalationRow.__table__  # type: ignore[attr-defined]
A = AuditEventRow.__table__  # type: ignore[attr-defined]
R = ResolutionRow.__table__  # type: ignore[attr-defined]
RATING = HandoffRatingRow.__table__  # type: ignore[attr-defined]
INFO = InfoRequestRow.__table__  # type: ignore[attr-defined]
HANDOFF = HandoffRow.__table__  # type: ignore[attr-defined]

# Resolved as one of these: L1 could have solved it with the right knowledge (seed 001 §4,
# over-escalation).
OVER_ESCALATION = ("user_error", "documentation_gap", "known_issue")
# Categories that point at a knowledge-base article to write or fix (and any resolution whose
# owner said an article is warranted).
DEFLECTABLE = ("known_issue", "documentation_gap", "user_error", "configuration_change")
STALE_HANDOFF = timedelta(days=1)
TOP_IDS = 10
SEPARATOR = "\x1f"


def _scoped(query: Any, domain: str | None) -> Any:
    return query if domain is None else query.where(E.c.domain_key == domain)


def _in(column: Any, period: Period) -> Any:
    return sa.and_(column >= at(period.start), column < at(period.end))


def handoff(session: Session, *, period: Period, domain: str | None = None) -> HandoffFigures:
    """Ratings given in the period; bounces per escalation resolved in it; weak items."""
    ratings = _scoped(sa.select(RATING.c.rating, sa.func.count())
                      .select_from(RATING.join(E, E.c.id == RATING.c.escalation_id))
                      .where(_in(RATING.c.at, period)), domain).group_by(RATING.c.rating)
    counts = {str(r): int(n) for r, n in session.execute(ratings)}
    resolved = _scoped(sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(E.c.info_bounces),
                                                                    0))
                       .where(_in(E.c.resolved_at, period)), domain)
    n, bounces = session.execute(resolved).one()
    return HandoffFigures(yes=counts.get("yes", 0), partly=counts.get("partly", 0),
                          had_to_ask=counts.get("had_to_ask", 0), bounces=int(bounces or 0),
                          escalations=int(n or 0),
                          weak_items=weak_items(session, period=period, domain=domain))


def weak_items(session: Session, *, period: Period, domain: str | None = None
               ) -> tuple[tuple[str, int], ...]:
    """Checklist items the readiness step flagged as weak at submit (the ``created`` event's
    ``weak`` list), most frequent first."""
    dialect = session.get_bind().dialect.name
    scope = "" if domain is None else " AND e.domain_key = :domain"
    if dialect == "postgresql":
        items = ("CROSS JOIN LATERAL jsonb_array_elements_text(COALESCE("
                 "CAST(a.detail AS jsonb) -> 'weak', '[]'::jsonb)) AS j(value)")
    else:
        items = "JOIN json_each(a.detail, '$.weak') AS j"
    sql = sa.text(
        f"SELECT j.value AS item, count(*) AS n FROM audit_event a "
        f"JOIN escalation e ON e.id = a.escalation_id {items} "
        f"WHERE a.kind = 'created' AND a.at >= :start AND a.at < :end{scope} "
        "GROUP BY j.value ORDER BY n DESC, item LIMIT 10"
    ).bindparams(sa.bindparam("start", type_=at(period.start).type),
                 sa.bindparam("end", type_=at(period.end).type))
    params: dict[str, Any] = {"start": period.start, "end": period.end}
    if domain is not None:
        params["domain"] = domain
    return tuple((str(item), int(n)) for item, n in session.execute(sql, params))


def failure_counts(session: Session, *, period: Period, domain: str | None = None
                   ) -> dict[str, int]:
    over = _scoped(sa.select(sa.func.count(sa.distinct(R.c.escalation_id)))
                   .select_from(R.join(E, E.c.id == R.c.escalation_id))
                   .where(_in(R.c.at, period), R.c.category.in_(OVER_ESCALATION)), domain)
    raised = _scoped(
        sa.select(sa.func.count(sa.distinct(A.c.escalation_id)))
        .select_from(A.join(E, E.c.id == A.c.escalation_id))
        .where(A.c.kind == "severity_changed", _in(A.c.at, period),
               json_text(A.c.detail, "to_severity") < json_text(A.c.detail, "from_severity")),
        domain)
    bounced = _scoped(sa.select(sa.func.count(sa.distinct(INFO.c.escalation_id)))
                      .select_from(INFO.join(E, E.c.id == INFO.c.escalation_id))
                      .where(_in(INFO.c.asked_at, period)), domain)
    had_to_ask = _scoped(sa.select(sa.func.count())
                         .select_from(RATING.join(E, E.c.id == RATING.c.escalation_id))
                         .where(_in(RATING.c.at, period), RATING.c.rating == "had_to_ask"),
                         domain)
    day = STALE_HANDOFF.total_seconds()
    stale = _scoped(
        sa.select(sa.func.count()).select_from(HANDOFF.join(E, E.c.id == HANDOFF.c.escalation_id))
        .where(HANDOFF.c.requested_at >= at(period.start - STALE_HANDOFF),
               HANDOFF.c.requested_at < at(period.end),
               seconds_between(HANDOFF.c.requested_at, at(period.end)) > day,
               seconds_between(HANDOFF.c.requested_at, at(period.start)) <= day,
               sa.or_(HANDOFF.c.decided_at.is_(None),
                      seconds_between(HANDOFF.c.requested_at, HANDOFF.c.decided_at) > day)),
        domain)
    return {key: int(session.execute(query).scalar_one()) for key, query in (
        ("over_escalated", over), ("severity_raised", raised), ("bounced", bounced),
        ("had_to_ask", had_to_ask), ("stale_handoffs", stale))}


def opportunities(session: Session, *, period: Period, domain: str | None = None,
                  limit: int = 20) -> list[Opportunity]:
    """Resolutions in the period grouped by category and root cause, most frequent first,
    with up to ten escalations and L1 takeaways each (newest first)."""
    dialect = session.get_bind().dialect.name
    cause = sa.func.lower(sa.func.trim(R.c.root_cause))
    ranked = _scoped(
        sa.select(R.c.category.label("category"), cause.label("cause"),
                  R.c.root_cause.label("root_cause"), R.c.escalation_id.label("eid"),
                  R.c.l1_takeaway.label("takeaway"),
                  sa.func.row_number().over(partition_by=(R.c.category, cause),
                                            order_by=(R.c.at.desc(), R.c.id.desc()))
                  .label("rn"),
                  sa.func.count().over(partition_by=(R.c.category, cause)).label("n"))
        .select_from(R.join(E, E.c.id == R.c.escalation_id))
        .where(_in(R.c.at, period),
               sa.or_(R.c.category.in_(DEFLECTABLE), R.c.kb_warranted.is_(True))),
        domain).subquery()
    query = (sa.select(ranked.c.category, sa.func.min(ranked.c.root_cause), ranked.c.n,
                       string_agg(dialect, sa.cast(ranked.c.eid, sa.String), ","),
                       string_agg(dialect, ranked.c.takeaway, SEPARATOR))
             .where(ranked.c.rn <= TOP_IDS)
             .group_by(ranked.c.category, ranked.c.cause, ranked.c.n)
             .order_by(ranked.c.n.desc(), ranked.c.category, ranked.c.cause).limit(limit))
    out = []
    for category, root_cause, n, ids, takeaways in session.execute(query):
        out.append(Opportunity(
            category=str(category), root_cause=" ".join(str(root_cause).split()), count=int(n),
            escalations=tuple(sorted(int(i) for i in str(ids).split(",") if i)),
            takeaways=tuple(dict.fromkeys(t.strip() for t in str(takeaways).split(SEPARATOR)
                                          if t.strip()))))
    return out

