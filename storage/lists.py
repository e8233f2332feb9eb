"""The lists of escalations a person sees (App Home, ``/escalation mine|queue``): read-only
queries on the escalation row, each capped by ``limit``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from core.model import State
from storage.tables import EscalationRow


def owned_by(session: Session, *, user: str, limit: int = 50) -> Sequence[EscalationRow]:
    """Active escalations ``user`` owns, the most urgent next update first."""
    active = [s.value for s in State if s not in (State.OPEN, State.RESOLVED, State.CLOSED,
                                                   State.CANCELLED, State.MERGED)]
    return session.exec(select(EscalationRow)
                        .where(EscalationRow.owner_id == user,
                               col(EscalationRow.state).in_(active))
                        .order_by(col(EscalationRow.next_update_due).is_(None),
                                  col(EscalationRow.next_update_due), col(EscalationRow.id))
                        .limit(limit)).all()


def raised_by(session: Session, *, user: str, limit: int = 50) -> Sequence[EscalationRow]:
    return session.exec(select(EscalationRow).where(EscalationRow.requester_id == user)
                        .order_by(col(EscalationRow.id).desc()).limit(limit)).all()


def waiting_for(session: Session, *, user: str, limit: int = 50) -> Sequence[EscalationRow]:
    """Needs-info questions for ``user`` (requester or case owner) and handoffs to them."""
    asks = sa.and_(col(EscalationRow.state) == State.NEEDS_INFO.value,
                   sa.or_(col(EscalationRow.requester_id) == user,
                          col(EscalationRow.case_owner_id) == user))
    return session.exec(select(EscalationRow)
                        .where(sa.or_(asks, col(EscalationRow.handoff_to) == user))
                        .order_by(col(EscalationRow.id)).limit(limit)).all()


def unclaimed(session: Session, *, domains: Sequence[str] | None = None,
              limit: int = 50) -> Sequence[EscalationRow]:
    """Posted, unclaimed escalations (of some domains), oldest first."""
    query = select(EscalationRow).where(EscalationRow.state == State.OPEN.value,
                                        col(EscalationRow.message_ts).is_not(None))
    if domains is not None:
        query = query.where(col(EscalationRow.domain_key).in_(list(domains)))
    return session.exec(query.order_by(col(EscalationRow.id)).limit(limit)).all()


def recently_resolved(session: Session, *, user: str, since: datetime,
                      limit: int = 20) -> Sequence[EscalationRow]:
    """Resolved or closed since ``since``, raised or owned by ``user``, newest first."""
    mine = sa.or_(col(EscalationRow.requester_id) == user, col(EscalationRow.owner_id) == user)
    done = sa.or_(col(EscalationRow.resolved_at) >= since, col(EscalationRow.closed_at) >= since)
    return session.exec(select(EscalationRow)
                        .where(mine, done, col(EscalationRow.state).in_(
                            [State.RESOLVED.value, State.CLOSED.value]))
                        .order_by(col(EscalationRow.id).desc()).limit(limit)).all()
