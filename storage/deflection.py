"""What the /escalate readiness step suggested, and the deflection report's intake figures.

A modal is recorded once (its draft key, which is the escalation's idempotency key when it is
submitted), with each suggestion it was shown; showing the step again adds only what is new,
so Slack retries, Back and forward, and two replicas record it once. "Escalated anyway" is an
escalation with the modal's key; "not escalated" the rest — both counted with ``GROUP BY``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from core.period import Period
from core.report_data import DeflectionFigures, Suggested
from core.similar import Suggestion, SuggestionKind
from storage.repository import _insert_ignore
from storage.similar_tables import DeflectionShownRow, DeflectionSuggestionRow
from storage.sqlfn import at
from storage.tables import EscalationRow, KbArticleRow

SHOWN = DeflectionShownRow.__table__  # type: ignore[attr-defined]
SUGGESTION = DeflectionSuggestionRow.__table__  # type: ignore[attr-defined]
E = EscalationRow.__table__  # type: ignore[attr-defined]
K = KbArticleRow.__table__  # type: ignore[attr-defined]
TOP_SUGGESTED = 10


def record_shown(session: Session, *, key: str, user: str, domain: str | None,
                 suggestions: Sequence[Suggestion], now: datetime) -> None:
    """Record that modal ``key`` was shown ``suggestions`` (idempotent; first time kept)."""
    _insert_ignore(session, DeflectionShownRow, key=key, user_id=user, domain_key=domain,
                   shown_at=now)
    for position, found in enumerate(suggestions, start=1):
        _insert_ignore(session, DeflectionSuggestionRow, key=key, kind=found.kind.value,
                       ref_id=found.ref_id, position=position)


def shown_ids(session: Session, *, key: str) -> list[tuple[str, int]]:
    """(kind, id) of everything modal ``key`` was shown, in the order first shown."""
    rows = session.execute(sa.select(SUGGESTION.c.kind, SUGGESTION.c.ref_id)
                           .where(SUGGESTION.c.key == key)
                           .order_by(SUGGESTION.c.position, SUGGESTION.c.kind))
    return [(str(kind), int(ref)) for kind, ref in rows]


def _scope(query: Any, period: Period, domain: str | None) -> Any:
    query = query.where(SHOWN.c.shown_at >= at(period.start), SHOWN.c.shown_at < at(period.end))
    return query if domain is None else query.where(SHOWN.c.domain_key == domain)


def intake_figures(session: Session, *, period: Period, domain: str | None = None,
                   top: int = TOP_SUGGESTED) -> DeflectionFigures:
    """Intakes shown suggestions in ``period``, how many escalated anyway, and the articles and
    escalations suggested most (with how often the agent went on regardless)."""
    went_on = E.c.id.is_not(None)
    counts = _scope(sa.select(sa.func.count(), sa.func.count(E.c.id))
                    .select_from(SHOWN.outerjoin(E, E.c.idempotency_key == SHOWN.c.key)),
                    period, domain)
    shown, escalated = session.execute(counts).one()
    grouped = _scope(
        sa.select(SUGGESTION.c.kind.label("kind"), SUGGESTION.c.ref_id.label("ref_id"),
                  sa.func.count().label("n"),
                  sa.func.sum(sa.case((went_on, 1), else_=0)).label("went_on"))
        .select_from(SUGGESTION.join(SHOWN, SHOWN.c.key == SUGGESTION.c.key)
                     .outerjoin(E, E.c.idempotency_key == SHOWN.c.key))
        .group_by(SUGGESTION.c.kind, SUGGESTION.c.ref_id), period, domain).subquery()
    source = E.alias("source")
    title = sa.case((grouped.c.kind == SuggestionKind.ARTICLE.value, K.c.title),
                    else_=source.c.problem)
    query = (sa.select(grouped.c.kind, grouped.c.ref_id, title, grouped.c.n, grouped.c.went_on)
             .select_from(grouped
                          .outerjoin(K, sa.and_(grouped.c.kind == SuggestionKind.ARTICLE.value,
                                                K.c.id == grouped.c.ref_id))
                          .outerjoin(source, sa.and_(
                              grouped.c.kind == SuggestionKind.ESCALATION.value,
                              source.c.id == grouped.c.ref_id)))
             .order_by(grouped.c.n.desc(), grouped.c.kind, grouped.c.ref_id).limit(top))
    suggested = tuple(Suggested(kind=str(kind), ref_id=int(ref), title=str(name or ""),
                                shown=int(n), went_on=int(on or 0))
                      for kind, ref, name, n, on in session.execute(query))
    return DeflectionFigures(shown=int(shown), went_on=int(escalated), suggested=suggested)
