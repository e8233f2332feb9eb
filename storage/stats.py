"""Read-only aggregates for the ``/metrics`` endpoint (cheap queries, run at scrape time)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage.tables import EscalationRow, OutboxRow


def escalations_by_state(session: Session) -> list[tuple[str, str, int]]:
    rows = session.exec(select(EscalationRow.state, EscalationRow.severity,
                               sa.func.count()).group_by(col(EscalationRow.state),
                                                         col(EscalationRow.severity))).all()
    return [(state, sev, int(n)) for state, sev, n in rows]


def outbox_backlog(session: Session) -> list[tuple[str, int, datetime | None]]:
    """Per kind: pending items and the oldest one's creation time."""
    rows = session.exec(select(OutboxRow.kind, sa.func.count(), sa.func.min(OutboxRow.created_at))
                        .where(col(OutboxRow.status) == "pending")
                        .group_by(col(OutboxRow.kind))).all()
    out: list[tuple[str, int, datetime | None]] = []
    for kind, n, oldest in rows:
        if isinstance(oldest, datetime) and oldest.tzinfo is None:
            from datetime import UTC
            oldest = oldest.replace(tzinfo=UTC)
        out.append((kind, int(n), oldest))
    return out


def outbox_dead(session: Session) -> int:
    return int(session.exec(select(sa.func.count()).select_from(OutboxRow)
                            .where(col(OutboxRow.status) == "dead")).one())
