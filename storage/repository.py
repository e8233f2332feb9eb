"""Keyword-only data functions over a session. SQL lives here and nowhere else.

Each function works inside the caller's transaction (see :class:`storage.database.Database`);
none commits. Compare-and-set updates report whether they won with a rowcount, which is
atomic on SQLite (BEGIN IMMEDIATE) and PostgreSQL (row lock) alike.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.codec import answers_from_dict, answers_to_dict
from core.model import Answers, Domain, Escalation, Level, LevelDecision, Progress, Severity, State
from storage.tables import (
    AuditEventRow,
    ChecklistAnswerRow,
    DraftRow,
    EscalationRow,
    InboundDeliveryRow,
    OutboxRow,
)

# ---------------------------------------------------------------- escalations


def find_by_key(session: Session, *, key: str) -> EscalationRow | None:
    return session.exec(select(EscalationRow).where(EscalationRow.idempotency_key == key)).first()


def insert_escalation(
    session: Session,
    *,
    key: str,
    requester: str,
    answers: Answers,
    domain: Domain,
    decision: LevelDecision,
    now: datetime,
) -> tuple[EscalationRow, bool]:
    """Store a new escalation with its answers, or return the one stored under ``key``.

    Returns ``(row, created)``. A duplicate key (a retried submission, a second replica)
    rolls back only the savepoint and hands back the existing row.
    """
    existing = find_by_key(session, key=key)
    if existing is not None:
        return existing, False
    assert answers.severity and answers.tier and answers.problem and answers.customer
    row = EscalationRow(
        idempotency_key=key,
        state=State.OPEN.value,
        severity=answers.severity.value,
        domain_key=domain.key,
        channel_id=domain.channel,
        problem=answers.problem,
        requester_id=requester,
        case_owner_id=answers.case_owner or requester,
        customer=answers.customer,
        tier=answers.tier.value,
        affected_users=answers.affected_users_count() or 0,
        target_level=int(decision.target),
        leadership_notified=decision.leadership_notified,
        level_reason=decision.reason,
        first_reported_at=answers.first_reported_at,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
            for field, value in answers_to_dict(answers).items():
                session.add(ChecklistAnswerRow(escalation_id=row.id or 0, field=field, value=value))
            session.flush()
    except IntegrityError:
        existing = find_by_key(session, key=key)
        if existing is None:
            raise
        return existing, False
    return row, True


def get_escalation(session: Session, *, escalation_id: int, lock: bool = False
                   ) -> EscalationRow | None:
    query = select(EscalationRow).where(EscalationRow.id == escalation_id)
    if lock:
        query = query.with_for_update()
    return session.exec(query).first()


def load_answers(session: Session, *, escalation_id: int) -> Answers:
    rows = session.exec(
        select(ChecklistAnswerRow).where(ChecklistAnswerRow.escalation_id == escalation_id)
    ).all()
    return answers_from_dict({r.field: r.value for r in rows})


def to_core(row: EscalationRow, answers: Answers, domain: Domain,
            progress: Progress | None = None) -> Escalation:
    """The core's escalation; its severity is the row's current one (changes replace it)."""
    assert row.id is not None
    if answers.severity is None or answers.severity.value != row.severity:
        answers = replace(answers, severity=Severity(row.severity))
    return Escalation(
        id=row.id,
        answers=answers,
        requester=row.requester_id,
        domain=domain,
        decision=LevelDecision(Level(row.target_level), row.leadership_notified, row.level_reason),
        state=State(row.state),
        created_at=row.created_at,
        posted_at=row.posted_at,
        channel=row.channel_id,
        message_ts=row.message_ts,
        permalink=row.permalink,
        owner=row.owner_id,
        claimed_at=row.claimed_at,
        progress=progress or Progress(version=row.version),
    )


def mark_posted(session: Session, *, escalation_id: int, channel: str, ts: str,
                now: datetime) -> bool:
    """Record where the packet landed; False if it was recorded already (first write wins)."""
    result = session.execute(
        sa.update(EscalationRow)
        .where(col(EscalationRow.id) == escalation_id, col(EscalationRow.message_ts).is_(None))
        .values(message_ts=ts, channel_id=channel, posted_at=now,
                version=EscalationRow.version + 1)
    )
    return _rowcount(result) == 1


def set_permalink(session: Session, *, escalation_id: int, permalink: str) -> None:
    session.execute(sa.update(EscalationRow).where(col(EscalationRow.id) == escalation_id)
                    .values(permalink=permalink))


def claim(session: Session, *, escalation_id: int, user: str, now: datetime) -> bool:
    """Compare-and-set the owner: exactly one of any number of concurrent callers wins."""
    result = session.execute(
        sa.update(EscalationRow)
        .where(
            col(EscalationRow.id) == escalation_id,
            col(EscalationRow.owner_id).is_(None),
            col(EscalationRow.state) == State.OPEN.value,
            col(EscalationRow.message_ts).is_not(None),
        )
        .values(owner_id=user, claimed_at=now, state=State.CLAIMED.value,
                version=EscalationRow.version + 1)
    )
    return _rowcount(result) == 1


def list_for_user(session: Session, *, user: str, limit: int = 20) -> Sequence[EscalationRow]:
    """Escalations the user raised or owns, newest first."""
    query = (
        select(EscalationRow)
        .where(sa.or_(col(EscalationRow.requester_id) == user, col(EscalationRow.owner_id) == user))
        .order_by(col(EscalationRow.id).desc())
        .limit(limit)
    )
    return session.exec(query).all()


# ---------------------------------------------------------------- audit


def add_audit(session: Session, *, escalation_id: int | None, actor: str, kind: str,
              at: datetime, **detail: Any) -> None:
    session.add(AuditEventRow(escalation_id=escalation_id, actor=actor, kind=kind, at=at,
                              detail=json.dumps(detail, sort_keys=True, default=str)))


def add_audit_returning(session: Session, *, escalation_id: int, actor: str, kind: str,
                        at: datetime, **detail: Any) -> int:
    """Like :func:`add_audit`, returning the event's id (outbox items that render an event
    name it in their dedupe key)."""
    row = AuditEventRow(escalation_id=escalation_id, actor=actor, kind=kind, at=at,
                        detail=json.dumps(detail, sort_keys=True, default=str))
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def audit_trail(session: Session, *, escalation_id: int) -> Sequence[AuditEventRow]:
    return session.exec(
        select(AuditEventRow).where(AuditEventRow.escalation_id == escalation_id)
        .order_by(col(AuditEventRow.id))
    ).all()


# ---------------------------------------------------------------- drafts


def get_draft(session: Session, *, key: str) -> DraftRow | None:
    return session.get(DraftRow, key)


def save_draft(session: Session, *, key: str, user: str, answers: Answers, step: str,
               now: datetime, channel: str | None = None) -> None:
    data = json.dumps(answers_to_dict(answers), sort_keys=True)
    values: dict[str, Any] = {"answers": data, "step": step, "updated_at": now}
    if channel is not None:
        values["channel_id"] = channel
    updated = session.execute(
        sa.update(DraftRow).where(col(DraftRow.key) == key).values(**values)
    )
    if _rowcount(updated) == 1:
        return
    try:
        with session.begin_nested():
            session.add(DraftRow(key=key, user_id=user, answers=data, step=step,
                                 updated_at=now, channel_id=channel))
            session.flush()
    except IntegrityError:  # another replica inserted it first: update instead
        session.execute(sa.update(DraftRow).where(col(DraftRow.key) == key).values(**values))


def delete_draft(session: Session, *, key: str) -> None:
    session.execute(sa.delete(DraftRow).where(col(DraftRow.key) == key))


def draft_answers(row: DraftRow | None) -> Answers:
    return Answers() if row is None else answers_from_dict(json.loads(row.answers))


def delete_drafts_older_than(session: Session, *, cutoff: datetime) -> int:
    result = session.execute(sa.delete(DraftRow).where(col(DraftRow.updated_at) < cutoff))
    return _rowcount(result)


# ---------------------------------------------------------------- inbound deliveries


def first_delivery(session: Session, *, key: str, now: datetime) -> bool:
    """True the first time ``key`` is seen; False for a retry or a double click."""
    return _insert_ignore(session, InboundDeliveryRow, key=key[:255], seen_at=now) is not None


def delivery_seen(session: Session, *, key: str) -> bool:
    return session.get(InboundDeliveryRow, key[:255]) is not None


def forget_deliveries_older_than(session: Session, *, cutoff: datetime) -> int:
    result = session.execute(
        sa.delete(InboundDeliveryRow).where(col(InboundDeliveryRow.seen_at) < cutoff)
    )
    return _rowcount(result)


# ---------------------------------------------------------------- outbox


def enqueue(session: Session, *, escalation_id: int, kind: str, dedupe_key: str,
            now: datetime, leased_by: str | None = None,
            lease_for: timedelta | None = None,
            payload: dict[str, Any] | None = None) -> int | None:
    """Owe a Slack delivery; returns its id, or None when ``dedupe_key`` is owed already.

    With ``leased_by`` the item is born leased to that worker (attempt 1, in flight), so the
    caller can deliver it at once without another transaction, and nobody else will.
    """
    values: dict[str, Any] = {"escalation_id": escalation_id, "kind": kind,
                              "dedupe_key": dedupe_key, "next_attempt_at": now,
                              "created_at": now, "status": "pending", "attempts": 0,
                              "in_flight": False}
    if payload is not None:
        values["payload"] = json.dumps(payload, sort_keys=True, default=str)
    if leased_by is not None:
        values.update(lease_owner=leased_by, lease_until=now + (lease_for or timedelta(0)),
                      attempts=1, in_flight=True)
    new_id: int | None = _insert_ignore(session, OutboxRow, **values)
    return new_id


def _lease_free(now: datetime, dead_before: datetime | None) -> Any:
    from storage.workers import lease_free

    return lease_free(OutboxRow, now=now, dead_before=dead_before)


def due_outbox_ids(session: Session, *, now: datetime, escalation_id: int | None = None,
                   limit: int = 50, dead_before: datetime | None = None) -> list[int]:
    query = (
        select(OutboxRow.id)
        .where(
            col(OutboxRow.status) == "pending",
            col(OutboxRow.next_attempt_at) <= now,
            _lease_free(now, dead_before),
        )
        .order_by(col(OutboxRow.id))
        .limit(limit)
    )
    if escalation_id is not None:
        query = query.where(col(OutboxRow.escalation_id) == escalation_id)
    return [i for i in session.exec(query).all() if i is not None]


def lease(session: Session, *, outbox_id: int, worker: str, now: datetime,
          duration: timedelta, dead_before: datetime | None = None) -> OutboxRow | None:
    """Take the item for ``duration`` if it is due and unleased; None if someone else has it.

    Returns a snapshot with this attempt counted in ``attempts`` and ``in_flight`` as the
    previous attempt left it (True: its outcome is unknown); the stored row is marked in
    flight for this attempt.
    """
    result = session.execute(
        sa.update(OutboxRow)
        .where(
            col(OutboxRow.id) == outbox_id,
            col(OutboxRow.status) == "pending",
            col(OutboxRow.next_attempt_at) <= now,
            _lease_free(now, dead_before),
        )
        .values(lease_owner=worker, lease_until=now + duration, attempts=OutboxRow.attempts + 1)
    )
    if _rowcount(result) != 1:
        return None
    row = session.get(OutboxRow, outbox_id, populate_existing=True)
    assert row is not None
    before = OutboxRow.model_validate(row.model_dump())
    row.in_flight = True
    session.add(row)
    return before


def outbox_done(session: Session, *, outbox_id: int, now: datetime) -> None:
    session.execute(sa.update(OutboxRow).where(col(OutboxRow.id) == outbox_id).values(
        status="done", done_at=now, lease_until=None, lease_owner=None, in_flight=False,
        last_error=None))


def outbox_retry(session: Session, *, outbox_id: int, at: datetime, error: str | None,
                 outcome_unknown: bool, count_attempt: bool = True,
                 worker: str | None = None) -> None:
    """Schedule the next attempt. Given ``worker``, only while it still holds the lease: a
    worker whose lease was taken over must not free its successor's."""
    values: dict[str, Any] = {"next_attempt_at": at, "lease_until": None, "lease_owner": None,
                              "in_flight": outcome_unknown, "last_error": error}
    if not count_attempt:
        values["attempts"] = OutboxRow.attempts - 1
    query = sa.update(OutboxRow).where(col(OutboxRow.id) == outbox_id)
    if worker is not None:
        query = query.where(col(OutboxRow.lease_owner) == worker)
    session.execute(query.values(**values))


def outbox_dead(session: Session, *, outbox_id: int, now: datetime, error: str) -> None:
    session.execute(sa.update(OutboxRow).where(col(OutboxRow.id) == outbox_id).values(
        status="dead", done_at=now, lease_until=None, lease_owner=None, last_error=error[:1000]))


def outbox_for(session: Session, *, escalation_id: int) -> Sequence[OutboxRow]:
    return session.exec(select(OutboxRow).where(OutboxRow.escalation_id == escalation_id)
                        .order_by(col(OutboxRow.id))).all()


def _insert_ignore(session: Session, model: Any, **values: Any) -> Any:
    """INSERT … ON CONFLICT DO NOTHING; the new row's primary key, or None on a conflict.

    One statement, no savepoint: the cheap way to "insert unless it exists" on both backends.
    """
    from sqlalchemy.dialects import postgresql, sqlite

    table = model.__table__
    pk = next(iter(table.primary_key.columns))
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = postgresql.insert(table) if postgres else sqlite.insert(table)
    statement = insert.values(**values).on_conflict_do_nothing().returning(pk)
    return session.execute(statement).scalar_one_or_none()


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
