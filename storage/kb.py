"""Knowledge-base articles: drafts, decisions (compare-and-set on the status), sources."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from core.kb import Article
from storage.repository import _rowcount
from storage.tables import EscalationRow, KbArticleRow, KbSourceRow


def for_escalation(session: Session, *, escalation_id: int) -> KbArticleRow | None:
    """The article drafted from this escalation, if any (one per escalation)."""
    return session.exec(
        select(KbArticleRow).join(KbSourceRow, col(KbSourceRow.article_id) == KbArticleRow.id)
        .where(KbSourceRow.escalation_id == escalation_id)).first()


def add_draft(session: Session, *, article: Article, now: datetime) -> int:
    row = KbArticleRow(status="draft", title=article.title, symptoms=article.symptoms,
                       applies_to=article.applies_to, cause=article.cause,
                       resolution=article.resolution,
                       before_escalating=article.before_escalating, domain=article.domain,
                       tags=",".join(article.tags), created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    assert row.id is not None
    for escalation_id in article.sources:
        session.add(KbSourceRow(article_id=row.id, escalation_id=escalation_id))
    session.flush()
    return row.id


def get(session: Session, *, article_id: int) -> KbArticleRow | None:
    return session.get(KbArticleRow, article_id)


def sources(session: Session, *, article_id: int) -> list[int]:
    return sorted(session.exec(select(KbSourceRow.escalation_id)
                               .where(KbSourceRow.article_id == article_id)).all())


def requesters(session: Session, *, article_id: int) -> list[str]:
    return list(session.exec(
        select(EscalationRow.requester_id)
        .join(KbSourceRow, col(KbSourceRow.escalation_id) == EscalationRow.id)
        .where(KbSourceRow.article_id == article_id)).all())


def decide(session: Session, *, article_id: int, status: str, user: str, now: datetime
           ) -> bool:
    """Approve or discard a draft; False when it was decided already (first decision wins)."""
    result = session.execute(
        sa.update(KbArticleRow)
        .where(col(KbArticleRow.id) == article_id, col(KbArticleRow.status) == "draft")
        .values(status=status, decided_by=user, decided_at=now, updated_at=now,
                version=KbArticleRow.version + 1))
    return _rowcount(result) == 1


def edit(session: Session, *, article_id: int, values: dict[str, Any], now: datetime) -> bool:
    """Change a draft's text; False when it is no longer a draft."""
    result = session.execute(
        sa.update(KbArticleRow)
        .where(col(KbArticleRow.id) == article_id, col(KbArticleRow.status) == "draft")
        .values(**values, updated_at=now, version=KbArticleRow.version + 1))
    return _rowcount(result) == 1


def approved(session: Session) -> Sequence[KbArticleRow]:
    return session.exec(select(KbArticleRow).where(KbArticleRow.status == "approved")
                        .order_by(col(KbArticleRow.id))).all()


def to_core(row: KbArticleRow, source_ids: Sequence[int]) -> Article:
    return Article(title=row.title, symptoms=row.symptoms, applies_to=row.applies_to,
                   cause=row.cause, resolution=row.resolution,
                   before_escalating=row.before_escalating, domain=row.domain,
                   tags=tuple(t for t in row.tags.split(",") if t), sources=tuple(source_ids),
                   status=row.status, updated_at=row.updated_at, id=row.id)
