"""Digest posts: owed once per scope and occurrence, leased for delivery like the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from core.digest import OwedDigest
from storage.repository import _insert_ignore, _rowcount
from storage.tables import DigestPostRow
from storage.workers import lease_free


def owe(session: Session, *, digest: OwedDigest, late_note: str | None, now: datetime
        ) -> bool:
    """Record the digest as owed; False when this occurrence was recorded already."""
    created = _insert_ignore(
        session, DigestPostRow, key=digest.key, scope=digest.scope, channel=digest.channel,
        due_at=digest.due_at, period_start=digest.period.start, period_end=digest.period.end,
        status="pending", attempts=0, next_attempt_at=now, in_flight=False,
        late_note=late_note, chart_done=False, report_done=False, created_at=now)
    return created is not None


def due_keys(session: Session, *, now: datetime, limit: int = 20,
             dead_before: datetime | None = None) -> list[str]:
    query = (select(DigestPostRow.key)
             .where(col(DigestPostRow.status) == "pending",
                    col(DigestPostRow.next_attempt_at) <= now,
                    lease_free(DigestPostRow, now=now, dead_before=dead_before))
             .order_by(col(DigestPostRow.due_at)).limit(limit))
    return list(session.exec(query).all())


def lease(session: Session, *, key: str, worker: str, now: datetime, duration: timedelta,
          dead_before: datetime | None = None) -> DigestPostRow | None:
    """Take the post for ``duration`` (free, expired, or a silent worker's: see
    :func:`storage.workers.lease_free`); a snapshot as the previous attempt left it, or None."""
    result = session.execute(
        sa.update(DigestPostRow)
        .where(col(DigestPostRow.key) == key, col(DigestPostRow.status) == "pending",
               col(DigestPostRow.next_attempt_at) <= now,
               lease_free(DigestPostRow, now=now, dead_before=dead_before))
        .values(lease_owner=worker, lease_until=now + duration,
                attempts=DigestPostRow.attempts + 1))
    if _rowcount(result) != 1:
        return None
    row = session.get(DigestPostRow, key, populate_existing=True)
    assert row is not None
    return DigestPostRow.model_validate(row.model_dump())


def update(session: Session, *, key: str, worker: str, **values: Any) -> bool:
    """Record a step of the leased post; False when the lease was lost meanwhile."""
    result = session.execute(
        sa.update(DigestPostRow)
        .where(col(DigestPostRow.key) == key, col(DigestPostRow.lease_owner) == worker)
        .values(**values))
    return _rowcount(result) == 1


def get(session: Session, *, key: str) -> DigestPostRow | None:
    return session.get(DigestPostRow, key)


def all_posts(session: Session) -> Sequence[DigestPostRow]:
    return session.exec(select(DigestPostRow).order_by(col(DigestPostRow.due_at))).all()
