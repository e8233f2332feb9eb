"""Data functions for the Jira link of an escalation (keyword-only, inside the caller's
transaction, like :mod:`storage.repository`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from core.jira_sync import IssueSnapshot
from core.model import State
from storage.repository import _insert_ignore, _rowcount
from storage.tables import AuditEventRow, EscalationRow, InboundDeliveryRow, JiraIssueRow

# Escalations in these states no longer follow their Jira issue.
_FINISHED = (State.CLOSED.value, State.CANCELLED.value)


def get(session: Session, *, escalation_id: int) -> JiraIssueRow | None:
    return session.get(JiraIssueRow, escalation_id, populate_existing=True)


def by_key(session: Session, *, issue_key: str) -> JiraIssueRow | None:
    return session.exec(select(JiraIssueRow)
                        .where(col(JiraIssueRow.issue_key) == issue_key.upper())).first()


def link(session: Session, *, escalation_id: int, issue_key: str, issue_id: str | None,
         url: str, origin: str, linked_by: str, now: datetime,
         snapshot: IssueSnapshot | None = None) -> bool:
    """Link the issue; False when the escalation has one already (first link wins), or the
    issue belongs to another escalation."""
    values: dict[str, object] = {
        "escalation_id": escalation_id, "issue_key": issue_key.upper(), "issue_id": issue_id,
        "url": url, "origin": origin, "linked_by": linked_by, "linked_at": now}
    if snapshot is not None:
        values.update(_snapshot_values(snapshot), synced_at=now)
    return _insert_ignore(session, JiraIssueRow, **values) is not None


def _snapshot_values(snapshot: IssueSnapshot) -> dict[str, object]:
    return {"status": snapshot.status[:64], "status_category": snapshot.status_category[:32],
            "assignee": (snapshot.assignee or None) and snapshot.assignee[:255],
            "fix_versions": ", ".join(snapshot.fix_versions)[:500] or None}


def known_snapshot(row: JiraIssueRow) -> IssueSnapshot | None:
    if row.status is None:
        return None
    versions = tuple(v for v in (row.fix_versions or "").split(", ") if v)
    return IssueSnapshot(key=row.issue_key, status=row.status,
                         status_category=row.status_category or "new", assignee=row.assignee,
                         fix_versions=versions)


def record_snapshot(session: Session, *, escalation_id: int, before: IssueSnapshot | None,
                    after: IssueSnapshot, now: datetime) -> bool:
    """Store Jira's new state; True if this call changed it. A compare-and-set on everything
    the bot knew, so a webhook and a poll seeing the same change act on it once."""
    query = sa.update(JiraIssueRow).where(col(JiraIssueRow.escalation_id) == escalation_id)
    known = _snapshot_values(before) if before is not None else \
        {"status": None, "status_category": None, "assignee": None, "fix_versions": None}
    if known == _snapshot_values(after):
        mark_synced(session, escalation_id=escalation_id, now=now)
        return False
    for name, value in known.items():
        column = col(getattr(JiraIssueRow, name))
        query = query.where(column.is_(None) if value is None else column == value)
    changed = _rowcount(session.execute(query.values(**_snapshot_values(after), synced_at=now,
                                                     sync_error=None))) == 1
    if not changed:
        mark_synced(session, escalation_id=escalation_id, now=now)
    return changed


def mark_synced(session: Session, *, escalation_id: int, now: datetime,
                error: str | None = None) -> None:
    values: dict[str, object] = {"sync_error": error[:500] if error else None}
    if error is None:
        values["synced_at"] = now
    session.execute(sa.update(JiraIssueRow)
                    .where(col(JiraIssueRow.escalation_id) == escalation_id).values(**values))


def due_for_poll(session: Session, *, older_than: datetime, limit: int) -> Sequence[JiraIssueRow]:
    """Linked issues of live escalations not synced since ``older_than``, stalest first."""
    return session.exec(
        select(JiraIssueRow)
        .join(EscalationRow, col(EscalationRow.id) == col(JiraIssueRow.escalation_id))
        .where(col(EscalationRow.state).not_in(_FINISHED),
               sa.or_(col(JiraIssueRow.synced_at).is_(None),
                      col(JiraIssueRow.synced_at) < older_than))
        .order_by(col(JiraIssueRow.synced_at).asc().nulls_first())
        .limit(limit)
    ).all()


def oldest_sync(session: Session) -> datetime | None:
    """The stalest sync among live escalations' issues (for the sync-lag metric)."""
    return session.exec(
        select(sa.func.min(JiraIssueRow.synced_at))
        .join(EscalationRow, col(EscalationRow.id) == col(JiraIssueRow.escalation_id))
        .where(col(EscalationRow.state).not_in(_FINISHED))
    ).first()


def set_comment_cursor(session: Session, *, escalation_id: int, audit_id: int) -> None:
    session.execute(sa.update(JiraIssueRow)
                    .where(col(JiraIssueRow.escalation_id) == escalation_id)
                    .values(comment_cursor=audit_id))


def unsent_write_backs(session: Session, *, kinds: frozenset[str], limit: int
                       ) -> list[tuple[AuditEventRow, JiraIssueRow]]:
    """Audit events of linked escalations after their comment cursor, of ``kinds``."""
    rows = session.exec(
        select(AuditEventRow, JiraIssueRow)
        .join(JiraIssueRow, col(JiraIssueRow.escalation_id) == col(AuditEventRow.escalation_id))
        .where(col(AuditEventRow.id) > col(JiraIssueRow.comment_cursor),
               col(AuditEventRow.kind).in_(sorted(kinds)))
        .order_by(col(AuditEventRow.id)).limit(limit)
    ).all()
    return [(event, link) for event, link in rows]


# Events newer than this are looked at again next time: a transaction that took its audit id
# earlier but committed later (two replicas) is still seen. Dedupe keys make repeats harmless.
SETTLE = timedelta(seconds=30)


def advance_write_back_cursor(session: Session, *, now: datetime) -> None:
    settled = session.exec(
        select(AuditEventRow.escalation_id, sa.func.max(AuditEventRow.id))
        .join(JiraIssueRow, col(JiraIssueRow.escalation_id) == col(AuditEventRow.escalation_id))
        .where(col(AuditEventRow.at) < now - SETTLE,
               col(AuditEventRow.id) > col(JiraIssueRow.comment_cursor))
        .group_by(col(AuditEventRow.escalation_id))
    ).all()
    for escalation_id, top in settled:
        if escalation_id is not None and top is not None:
            session.execute(sa.update(JiraIssueRow)
                            .where(col(JiraIssueRow.escalation_id) == escalation_id,
                                   col(JiraIssueRow.comment_cursor) < top)
                            .values(comment_cursor=top))


def audit_event(session: Session, *, audit_id: int) -> AuditEventRow | None:
    return session.get(AuditEventRow, audit_id)


def forget_delivery(session: Session, *, key: str) -> None:
    session.execute(sa.delete(InboundDeliveryRow).where(col(InboundDeliveryRow.key) == key))
