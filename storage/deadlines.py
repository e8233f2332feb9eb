"""Keyword-only data functions for the timers: the deadline table, the nudge ledger and the
per-escalation timer facts (snooze, RCA link, back-in-queue time).

The sweep's claim is one statement: ``UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING`` —
on PostgreSQL the inner SELECT is ``FOR UPDATE SKIP LOCKED``, so replicas sweeping at once
take disjoint rows without waiting; on SQLite the write transaction (BEGIN IMMEDIATE)
serializes them. Finishing a row is fenced by its lease owner and generation.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage.repository import _insert_ignore, _rowcount
from storage.tables import DeadlineRow, EscalationTimerRow, NudgeRow
from storage.workers import lease_free


def clock_key(escalation_id: int, kind: str) -> str:
    return f"esc:{escalation_id}:{kind}"


@dataclass(frozen=True)
class Claimed:
    """A due deadline this worker leased."""

    id: int
    key: str
    escalation_id: int | None
    kind: str
    basis: str
    stage: int
    due_at: datetime
    generation: int


# ---------------------------------------------------------------- deadlines


def deadlines_for(session: Session, *, escalation_id: int) -> Sequence[DeadlineRow]:
    return session.exec(select(DeadlineRow).where(DeadlineRow.escalation_id == escalation_id)
                        .order_by(col(DeadlineRow.id))).all()


def get_deadline(session: Session, *, key: str) -> DeadlineRow | None:
    return session.exec(select(DeadlineRow).where(DeadlineRow.key == key)).first()


def set_deadline(session: Session, *, key: str, escalation_id: int | None, kind: str,
                 basis: str, stage: int, due_at: datetime | None, now: datetime) -> bool:
    """Create or move the clock ``key``; True when something changed (generation bumped).

    Moving a clock clears any lease, so a sweep holding the old version finishes nothing.
    """
    row = get_deadline(session, key=key)
    if row is None:
        new_id = _insert_ignore(session, DeadlineRow, key=key, escalation_id=escalation_id,
                                kind=kind, basis=basis, stage=stage, due_at=due_at,
                                generation=1, attempts=0, updated_at=now,
                                outcome=None if due_at else "done")
        if new_id is not None:
            return True
        row = get_deadline(session, key=key)
        assert row is not None
    if (row.basis, row.stage, row.due_at) == (basis, stage, due_at):
        return False
    session.execute(
        sa.update(DeadlineRow).where(col(DeadlineRow.id) == row.id).values(
            basis=basis, stage=stage, due_at=due_at, generation=DeadlineRow.generation + 1,
            lease_owner=None, lease_until=None, updated_at=now,
            outcome=None if due_at is not None else "done"))
    return True


def cancel_deadline(session: Session, *, deadline_id: int, now: datetime,
                    outcome: str = "cancelled") -> None:
    session.execute(
        sa.update(DeadlineRow).where(col(DeadlineRow.id) == deadline_id,
                                     col(DeadlineRow.due_at).is_not(None)).values(
            due_at=None, generation=DeadlineRow.generation + 1, lease_owner=None,
            lease_until=None, outcome=outcome, updated_at=now))


def claim_due(session: Session, *, now: datetime, worker: str, lease_for: timedelta,
              limit: int, dead_before: datetime | None = None) -> list[Claimed]:
    """Lease up to ``limit`` due deadlines, oldest due first: unleased ones, expired ones,
    and (given ``dead_before``) those of workers whose heartbeat stopped — the takeover of a
    dead peer's sweep is this same statement (:func:`storage.workers.lease_free`)."""
    due = (
        sa.select(col(DeadlineRow.id))
        .where(col(DeadlineRow.due_at) <= now,
               lease_free(DeadlineRow, now=now, dead_before=dead_before))
        .order_by(col(DeadlineRow.due_at), col(DeadlineRow.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    table = DeadlineRow.__table__  # type: ignore[attr-defined]
    statement = (
        sa.update(table)
        .where(table.c.id.in_(due.scalar_subquery()))
        .values(lease_owner=worker, lease_until=now + lease_for,
                attempts=table.c.attempts + 1)
        .returning(table.c.id, table.c.key, table.c.escalation_id, table.c.kind,
                   table.c.basis, table.c.stage, table.c.due_at, table.c.generation)
    )
    rows = session.execute(statement).all()
    return sorted((Claimed(*row) for row in rows), key=lambda c: (c.due_at, c.id))


def any_due(session: Session, *, now: datetime) -> bool:
    """The idle tick's question, answered from the (due_at, id) index alone."""
    query = (sa.select(col(DeadlineRow.due_at)).where(col(DeadlineRow.due_at) <= now)
             .order_by(col(DeadlineRow.due_at)).limit(1))
    return session.execute(query).first() is not None


def finish(session: Session, *, claimed: Claimed, worker: str, basis: str, stage: int,
           due_at: datetime | None, outcome: str, now: datetime, sent: bool) -> bool:
    values: dict[str, Any] = {"basis": basis, "stage": stage, "due_at": due_at,
                              "lease_owner": None, "lease_until": None, "outcome": outcome,
                              "updated_at": now, "attempts": 0}
    if sent:
        values["sent_at"] = now
    result = session.execute(
        sa.update(DeadlineRow).where(col(DeadlineRow.id) == claimed.id,
                                     col(DeadlineRow.generation) == claimed.generation,
                                     col(DeadlineRow.lease_owner) == worker).values(**values))
    return _rowcount(result) == 1


def release(session: Session, *, claimed: Claimed, worker: str, retry_at: datetime) -> None:
    """Give a row back after a failure: it is tried again at ``retry_at``."""
    session.execute(
        sa.update(DeadlineRow).where(col(DeadlineRow.id) == claimed.id,
                                     col(DeadlineRow.lease_owner) == worker).values(
            lease_owner=None, lease_until=retry_at))


def live_escalation_ids_without_clocks(session: Session, *, states: Iterable[str],
                                       limit: int = 1000) -> list[int]:
    from storage.tables import EscalationRow

    has_clock = sa.select(col(DeadlineRow.id)).where(
        col(DeadlineRow.escalation_id) == col(EscalationRow.id)).exists()
    query = (sa.select(col(EscalationRow.id))
             .where(col(EscalationRow.state).in_(list(states)), ~has_clock)
             .order_by(col(EscalationRow.id)).limit(limit))
    return [int(i) for i in session.execute(query).scalars().all()]


# ---------------------------------------------------------------- nudge ledger


def record_nudge(session: Session, *, escalation_id: int, kind: str, basis: str, stage: int,
                 action: str, due_at: datetime, at: datetime, audience: str,
                 recipients: Sequence[str], superseded: int, **detail: Any) -> int | None:
    """Log a nudge; None if this (clock, basis, stage) was nudged already (never twice)."""
    new_id: int | None = _insert_ignore(
        session, NudgeRow, escalation_id=escalation_id, kind=kind, basis=basis, stage=stage,
        action=action, due_at=due_at, at=at, audience=audience,
        recipients=",".join(recipients)[:1000], superseded=superseded,
        detail=json.dumps(detail, sort_keys=True, default=str), cancelled=False)
    return new_id


def get_nudge(session: Session, *, nudge_id: int) -> NudgeRow | None:
    return session.get(NudgeRow, nudge_id)


def nudges_for(session: Session, *, escalation_id: int) -> Sequence[NudgeRow]:
    return session.exec(select(NudgeRow).where(NudgeRow.escalation_id == escalation_id)
                        .order_by(col(NudgeRow.id))).all()


def mark_acted(session: Session, *, escalation_id: int, kinds: Iterable[str], at: datetime,
               by: str) -> int:
    """The nudges this act answers (the next claim, accept or update after them)."""
    result = session.execute(
        sa.update(NudgeRow).where(col(NudgeRow.escalation_id) == escalation_id,
                                  col(NudgeRow.kind).in_(list(kinds)),
                                  col(NudgeRow.acted_at).is_(None),
                                  col(NudgeRow.at) <= at).values(acted_at=at, acted_by=by))
    return _rowcount(result)


def cancel_nudge(session: Session, *, nudge_id: int) -> None:
    session.execute(sa.update(NudgeRow).where(col(NudgeRow.id) == nudge_id)
                    .values(cancelled=True))


# ---------------------------------------------------------------- timer facts


def get_timer(session: Session, *, escalation_id: int) -> EscalationTimerRow | None:
    return session.get(EscalationTimerRow, escalation_id, populate_existing=True)


def update_timer(session: Session, *, escalation_id: int, **values: Any) -> None:
    _insert_ignore(session, EscalationTimerRow, escalation_id=escalation_id)
    session.execute(sa.update(EscalationTimerRow)
                    .where(col(EscalationTimerRow.escalation_id) == escalation_id)
                    .values(**values))
