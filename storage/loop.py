"""Data functions of the feedback loop (keyword-only, inside the caller's transaction).

Compare-and-set on the escalation's version, audit events with from/to states and request
keys, and the loop's own tables: status updates, info requests, reproductions, fix ETAs,
handoffs, resolutions, handoff ratings, merges. :func:`progress` builds the core's
:class:`~core.model.Progress` for one escalation. The lists people see are
:mod:`storage.lists`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from core.checklist import split_items
from core.customer_safe import build_draft
from core.export import ReproductionNote, Resolution
from core.forms import ResolutionCategory, ResolveInput, UpdateInput
from core.model import Domain, PendingHandoff, Progress, Severity, State
from core.progress import Impact, StatusUpdate, add_impact
from core.timeline import Event
from storage.repository import _insert_ignore, _rowcount, load_answers
from storage.tables import (
    AuditEventRow,
    EscalationRow,
    FixEtaRow,
    HandoffRatingRow,
    HandoffRow,
    InfoRequestRow,
    MergeRow,
    OutboxRow,
    ReproductionRow,
    ResolutionRow,
    StatusUpdateRow,
)

# ---------------------------------------------------------------- the escalation row


def compare_and_set(session: Session, *, escalation_id: int, version: int,
                    values: dict[str, Any]) -> bool:
    """Apply ``values`` and bump the version only if it is still ``version``."""
    result = session.execute(
        sa.update(EscalationRow)
        .where(col(EscalationRow.id) == escalation_id, col(EscalationRow.version) == version)
        .values(**values, version=EscalationRow.version + 1)
    )
    return _rowcount(result) == 1


def set_fields(session: Session, *, escalation_id: int, values: dict[str, Any]) -> None:
    """Set derived columns (e.g. next_update_due) without a version bump."""
    session.execute(sa.update(EscalationRow).where(col(EscalationRow.id) == escalation_id)
                    .values(**values))


# ---------------------------------------------------------------- audit


def add_event(session: Session, *, escalation_id: int, actor: str, kind: str, at: datetime,
              from_state: State | None, to_state: State | None, request_key: str | None,
              details: dict[str, Any]) -> int:
    row = AuditEventRow(escalation_id=escalation_id, actor=actor, kind=kind, at=at,
                        from_state=from_state.value if from_state else None,
                        to_state=to_state.value if to_state else None,
                        request_key=request_key[:255] if request_key else None,
                        detail=json.dumps(details, sort_keys=True, default=str))
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def event_by_request_key(session: Session, *, key: str) -> AuditEventRow | None:
    return session.exec(select(AuditEventRow)
                        .where(AuditEventRow.request_key == key[:255])).first()


def get_event(session: Session, *, event_id: int) -> AuditEventRow | None:
    return session.get(AuditEventRow, event_id)


def last_event(session: Session, *, escalation_id: int) -> AuditEventRow | None:
    return session.exec(select(AuditEventRow)
                        .where(AuditEventRow.escalation_id == escalation_id)
                        .order_by(col(AuditEventRow.id).desc())).first()


def events(session: Session, *, escalation_id: int) -> list[Event]:
    rows = session.exec(select(AuditEventRow)
                        .where(AuditEventRow.escalation_id == escalation_id)
                        .order_by(col(AuditEventRow.id))).all()
    return [to_event(r) for r in rows]


def to_event(row: AuditEventRow) -> Event:
    try:
        details = json.loads(row.detail or "{}")
    except ValueError:
        details = {}
    return Event(id=row.id or 0, at=row.at, actor=row.actor, kind=row.kind,
                 from_state=State(row.from_state) if row.from_state else None,
                 to_state=State(row.to_state) if row.to_state else None,
                 details=details if isinstance(details, dict) else {})


def outbox_item(session: Session, *, outbox_id: int) -> OutboxRow:
    row = session.get(OutboxRow, outbox_id)
    assert row is not None
    return OutboxRow.model_validate(row.model_dump())


def payload(item: OutboxRow) -> dict[str, Any]:
    try:
        data = json.loads(item.payload or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


# ---------------------------------------------------------------- status updates


def add_status_update(session: Session, *, escalation_id: int, at: datetime, author: str,
                      form: UpdateInput, next_update_at: datetime | None) -> int:
    row = StatusUpdateRow(escalation_id=escalation_id, at=at, author=author,
                          known=form.known.strip(), unknown=form.unknown.strip(),
                          next_steps=form.next_steps.strip(), next_update_at=next_update_at,
                          customer_action=form.customer_action.strip(),
                          internal_note=(form.internal_note or "").strip() or None)
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def status_updates(session: Session, *, escalation_id: int) -> Sequence[StatusUpdateRow]:
    return session.exec(select(StatusUpdateRow)
                        .where(StatusUpdateRow.escalation_id == escalation_id)
                        .order_by(col(StatusUpdateRow.id))).all()


def get_status_update(session: Session, *, update_id: int) -> StatusUpdateRow | None:
    return session.get(StatusUpdateRow, update_id)


# ---------------------------------------------------------------- needs info


def add_info_request(session: Session, *, escalation_id: int, at: datetime, by: str,
                     question: str, return_state: State) -> int:
    row = InfoRequestRow(escalation_id=escalation_id, asked_at=at, asked_by=by,
                         question=question, return_state=return_state.value)
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def open_info_request(session: Session, *, escalation_id: int) -> InfoRequestRow | None:
    return session.exec(select(InfoRequestRow)
                        .where(InfoRequestRow.escalation_id == escalation_id,
                               col(InfoRequestRow.answered_at).is_(None))
                        .order_by(col(InfoRequestRow.id).desc())).first()


def answer_info_request(session: Session, *, escalation_id: int, at: datetime, by: str,
                        answer: str) -> None:
    session.execute(sa.update(InfoRequestRow)
                    .where(col(InfoRequestRow.escalation_id) == escalation_id,
                           col(InfoRequestRow.answered_at).is_(None))
                    .values(answered_at=at, answered_by=by, answer=answer))


def info_requests(session: Session, *, escalation_id: int) -> Sequence[InfoRequestRow]:
    return session.exec(select(InfoRequestRow)
                        .where(InfoRequestRow.escalation_id == escalation_id)
                        .order_by(col(InfoRequestRow.id))).all()


# ---------------------------------------------------------------- reproduction, ETAs


def add_reproduction(session: Session, *, escalation_id: int, at: datetime, by: str,
                     reproduced: bool, notes: str, environment: str) -> None:
    session.add(ReproductionRow(escalation_id=escalation_id, at=at, by=by,
                                reproduced=reproduced, notes=notes, environment=environment))


def reproductions(session: Session, *, escalation_id: int) -> Sequence[ReproductionRow]:
    return session.exec(select(ReproductionRow)
                        .where(ReproductionRow.escalation_id == escalation_id)
                        .order_by(col(ReproductionRow.id))).all()


def add_fix_eta(session: Session, *, escalation_id: int, eta: datetime, at: datetime, by: str,
                reason: str | None) -> None:
    session.add(FixEtaRow(escalation_id=escalation_id, eta=eta, set_at=at, set_by=by,
                          reason=reason))


def fix_etas(session: Session, *, escalation_id: int) -> Sequence[FixEtaRow]:
    return session.exec(select(FixEtaRow).where(FixEtaRow.escalation_id == escalation_id)
                        .order_by(col(FixEtaRow.id))).all()


# ---------------------------------------------------------------- handoffs


def add_handoff(session: Session, *, escalation_id: int, from_user: str | None, to_user: str,
                note: str, at: datetime, by: str) -> int:
    row = HandoffRow(escalation_id=escalation_id, from_user=from_user, to_user=to_user,
                     note=note, requested_at=at, requested_by=by)
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def pending_handoff(session: Session, *, escalation_id: int) -> HandoffRow | None:
    return session.exec(select(HandoffRow)
                        .where(HandoffRow.escalation_id == escalation_id,
                               HandoffRow.status == "pending")
                        .order_by(col(HandoffRow.id).desc())).first()


def close_pending_handoffs(session: Session, *, escalation_id: int, at: datetime, status: str,
                           reason: str | None = None) -> None:
    session.execute(sa.update(HandoffRow)
                    .where(col(HandoffRow.escalation_id) == escalation_id,
                           col(HandoffRow.status) == "pending")
                    .values(status=status, decided_at=at, reason=reason))


def handoffs(session: Session, *, escalation_id: int) -> Sequence[HandoffRow]:
    return session.exec(select(HandoffRow).where(HandoffRow.escalation_id == escalation_id)
                        .order_by(col(HandoffRow.id))).all()


# ---------------------------------------------------------------- resolution, rating


def add_resolution(session: Session, *, escalation_id: int, at: datetime, by: str,
                   form: ResolveInput) -> int:
    row = ResolutionRow(escalation_id=escalation_id, at=at, by=by,
                        category=form.category.value, root_cause=form.root_cause.strip(),
                        fix_version=(form.fix_version or "").strip() or None,
                        validation_notes=(form.validation_notes or "").strip() or None,
                        l1_takeaway=form.l1_takeaway.strip(), kb_warranted=form.kb_warranted)
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def latest_resolution(session: Session, *, escalation_id: int) -> ResolutionRow | None:
    return session.exec(select(ResolutionRow)
                        .where(ResolutionRow.escalation_id == escalation_id)
                        .order_by(col(ResolutionRow.id).desc())).first()


def add_rating(session: Session, *, escalation_id: int, user: str, rating: str,
               at: datetime) -> bool:
    """Store the rating once; False when one is stored already."""
    return _insert_ignore(session, HandoffRatingRow, escalation_id=escalation_id,
                          user_id=user, rating=rating, at=at) is not None


def rating(session: Session, *, escalation_id: int) -> HandoffRatingRow | None:
    return session.get(HandoffRatingRow, escalation_id)


# ---------------------------------------------------------------- merges


def add_merge(session: Session, *, duplicate_id: int, survivor_id: int, at: datetime,
              by: str) -> None:
    session.add(MergeRow(duplicate_id=duplicate_id, survivor_id=survivor_id, at=at, by=by))
    session.flush()


def merged_ids(session: Session, *, escalation_id: int) -> list[int]:
    """Duplicates merged into this escalation, directly or through merged duplicates."""
    found: list[int] = []
    frontier = [escalation_id]
    while frontier:
        rows = session.exec(select(MergeRow.duplicate_id)
                            .where(col(MergeRow.survivor_id).in_(frontier))).all()
        frontier = [r for r in rows if r not in found and r != escalation_id]
        found.extend(frontier)
    return sorted(found)


def impact(session: Session, *, escalation_id: int, extra: Sequence[int] = ()) -> Impact:
    """The escalation's impact with its merged duplicates (and ``extra`` ones) added."""
    ids = [escalation_id, *merged_ids(session, escalation_id=escalation_id)]
    for more in extra:
        ids += [more, *merged_ids(session, escalation_id=more)]
    parts = []
    for eid in dict.fromkeys(ids):
        row = session.get(EscalationRow, eid)
        if row is None:
            continue
        answers = load_answers(session, escalation_id=eid)
        parts.append((row.affected_users, row.customer,
                      split_items(answers.linked_tickets or "")))
    return add_impact(parts)


# ---------------------------------------------------------------- the packet's facts


def progress(session: Session, row: EscalationRow, domain: Domain) -> Progress:
    """The core's view of what happened since the escalation was posted."""
    eid = row.id or 0
    pending = None
    if row.handoff_to:
        handoff = pending_handoff(session, escalation_id=eid)
        if handoff is not None:
            pending = PendingHandoff(to=handoff.to_user, by=handoff.requested_by,
                                     at=handoff.requested_at, note=handoff.note)
    question = None
    if row.state == State.NEEDS_INFO.value:
        request = open_info_request(session, escalation_id=eid)
        question = request.question if request else None
    merged = merged_ids(session, escalation_id=eid)
    total: int | None = None
    customers: tuple[str, ...] = ()
    tickets: tuple[str, ...] = ()
    if merged:
        summed = impact(session, escalation_id=eid)
        total, customers, tickets = summed.affected_users, summed.customers, \
            summed.linked_tickets
    ic, default_ic = row.incident_commander_id, False
    if ic is None and domain.incident_commander and Severity(row.severity).rank <= 2:
        ic, default_ic = domain.incident_commander, True
    return Progress(
        version=row.version, incident_commander=ic, incident_commander_is_default=default_ic,
        accepted_at=row.accepted_at, last_update_at=row.last_update_at,
        last_update_by=row.last_update_by, next_update_due=row.next_update_due,
        fix_eta=row.fix_eta, pending_handoff=pending, open_question=question,
        return_state=State(row.return_state) if row.return_state else None,
        info_bounces=row.info_bounces, updates=row.updates_count,
        resolved_at=row.resolved_at, closed_at=row.closed_at, verified_at=row.verified_at,
        merged_ids=tuple(merged), merged_into=row.merged_into, total_affected_users=total,
        customers=customers, linked_tickets=tickets)


# ---------------------------------------------------------------- rows → core


def to_status_update(row: StatusUpdateRow) -> StatusUpdate:
    draft = build_draft(known=row.known, unknown=row.unknown, next_steps=row.next_steps,
                        customer_action=row.customer_action, next_update=row.next_update_at)
    return StatusUpdate(id=row.id or 0, at=row.at, author=row.author, known=row.known,
                        unknown=row.unknown, next_steps=row.next_steps,
                        next_update_at=row.next_update_at, customer_action=row.customer_action,
                        internal_note=row.internal_note, draft=draft)


def to_reproduction(row: ReproductionRow) -> ReproductionNote:
    return ReproductionNote(at=row.at, by=row.by, reproduced=row.reproduced, notes=row.notes,
                            environment=row.environment)


def to_resolution(row: ResolutionRow | None) -> Resolution | None:
    if row is None:
        return None
    return Resolution(at=row.at, by=row.by,
                      category_label=ResolutionCategory(row.category).label,
                      root_cause=row.root_cause, fix_version=row.fix_version,
                      validation_notes=row.validation_notes, l1_takeaway=row.l1_takeaway,
                      kb_warranted=row.kb_warranted)
