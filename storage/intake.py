"""Data functions for intake after posting: answers replaced in place, details-added events."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from core.codec import answers_to_dict
from core.model import Answers
from storage.repository import add_audit_returning as add_audit_returning  # its old home
from storage.tables import AuditEventRow, ChecklistAnswerRow, EscalationRow


def replace_answers(session: Session, *, escalation_id: int, answers: Answers) -> None:
    """Store ``answers`` as the escalation's checklist (a row per item), and the columns the
    queries and lists read (problem, affected users, case owner)."""
    session.execute(sa.delete(ChecklistAnswerRow).where(
        col(ChecklistAnswerRow.escalation_id) == escalation_id))
    for field, value in answers_to_dict(answers).items():
        session.add(ChecklistAnswerRow(escalation_id=escalation_id, field=field, value=value))
    row = session.get(EscalationRow, escalation_id)
    if row is not None:
        if answers.problem:
            row.problem = answers.problem
        row.affected_users = answers.affected_users_count() or row.affected_users
        if answers.case_owner:
            row.case_owner_id = answers.case_owner
        session.add(row)
    session.flush()


def audit_detail(session: Session, *, audit_id: int
                 ) -> tuple[str, datetime, dict[str, Any]] | None:
    """(actor, at, detail) of one audit event."""
    row = session.get(AuditEventRow, audit_id)
    if row is None:
        return None
    detail = json.loads(row.detail or "{}")
    return row.actor, row.at, detail if isinstance(detail, dict) else {}
