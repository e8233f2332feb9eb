"""Escalations with known times, written straight into the tables the reports read.

The reports read stored facts (rows and audit events), so their tests build those facts
directly with a controlled clock: no Slack, no sleeping.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from storage import repository as repo
from storage.tables import (
    EscalationRow,
    HandoffRatingRow,
    HandoffRow,
    InfoRequestRow,
    ResolutionRow,
)

_keys = itertools.count(1)


def escalation(session: Session, *, created: datetime, severity: str = "SEV2",
               domain: str = "auth", posted: timedelta | None = timedelta(seconds=5),
               claimed: timedelta | None = None, owner: str | None = None,
               accepted: timedelta | None = None, resolved: timedelta | None = None,
               reported: timedelta | None = None, requester: str = "U0AGENT",
               state: str | None = None, **extra: Any) -> int:
    """One escalation; offsets are from ``created``. Writes the audit events commands write."""
    posted_at = created + posted if posted is not None else None
    claimed_at = created + claimed if claimed is not None else None
    if state is None:
        state = ("resolved" if resolved is not None else "accepted" if accepted is not None
                 else "claimed" if claimed is not None else "open")
    row = EscalationRow(
        idempotency_key=f"seed-{next(_keys)}", state=state, severity=severity,
        domain_key=domain, channel_id="C0AUTH0001", problem=extra.get("problem", "problem"),
        requester_id=requester, customer="Acme", tier="enterprise", affected_users=10,
        target_level=2, level_reason="seeded",
        first_reported_at=created - reported if reported is not None else None,
        created_at=created, posted_at=posted_at,
        message_ts="1.1" if posted_at else None,
        owner_id=owner if claimed is not None else None, claimed_at=claimed_at,
        resolved_at=created + resolved if resolved is not None else None,
        info_bounces=extra.get("bounces", 0))
    session.add(row)
    session.flush()
    assert row.id is not None
    repo.add_audit(session, escalation_id=row.id, actor=requester, kind="created", at=created)
    if posted_at:
        repo.add_audit(session, escalation_id=row.id, actor="bot", kind="posted", at=posted_at)
    if claimed_at:
        repo.add_audit(session, escalation_id=row.id, actor=owner or "U0SPEC", kind="claimed",
                       at=claimed_at)
    if accepted is not None:
        repo.add_audit(session, escalation_id=row.id, actor=owner or "U0SPEC", kind="accepted",
                       at=created + accepted)
    if resolved is not None:
        repo.add_audit(session, escalation_id=row.id, actor=owner or "U0SPEC", kind="resolved",
                       at=created + resolved)
    return row.id


def resolution(session: Session, *, escalation_id: int, at: datetime, category: str,
               root_cause: str, takeaway: str = "Check the status page first.",
               kb_warranted: bool = False) -> None:
    session.add(ResolutionRow(escalation_id=escalation_id, at=at, by="U0SPEC",
                              category=category, root_cause=root_cause, l1_takeaway=takeaway,
                              kb_warranted=kb_warranted))


def rating(session: Session, *, escalation_id: int, at: datetime, rating: str) -> None:
    session.add(HandoffRatingRow(escalation_id=escalation_id, user_id="U0SPEC", rating=rating,
                                 at=at))


def info_request(session: Session, *, escalation_id: int, at: datetime) -> None:
    session.add(InfoRequestRow(escalation_id=escalation_id, asked_at=at, asked_by="U0SPEC",
                               question="Which build?", return_state="accepted"))


def handoff(session: Session, *, escalation_id: int, at: datetime,
            decided: datetime | None = None) -> None:
    session.add(HandoffRow(escalation_id=escalation_id, from_user="U0SPEC", to_user="U0OTHER",
                           note="Over to you", requested_at=at, requested_by="U0SPEC",
                           status="pending" if decided is None else "accepted",
                           decided_at=decided))


def severity_change(session: Session, *, escalation_id: int, at: datetime, before: str,
                    after: str) -> None:
    repo.add_audit(session, escalation_id=escalation_id, actor="U0SPEC",
                   kind="severity_changed", at=at, from_severity=before, to_severity=after,
                   reason="seeded")
