"""Workers (running processes) and their heartbeats; the installation's own key.

A lease in the outbox names its worker (``identity#boot``). A worker beats its row every few
seconds; a lease whose worker stopped beating is as good as expired (see
:func:`storage.repository.lease`), and a restarted process takes back its previous
incarnation's leases at once. All functions work inside the caller's transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage.tables import DeadlineRow, InstallationRow, OutboxRow, WorkerRow


def register(session: Session, *, owner: str, identity: str, boot_id: str, pid: int,
             now: datetime) -> None:
    session.add(WorkerRow(owner=owner, identity=identity, boot_id=boot_id, pid=pid,
                          started_at=now, beat_at=now))
    session.flush()


def incarnations(session: Session, *, identity: str, besides: str) -> Sequence[WorkerRow]:
    """Other rows under the same identity: earlier runs of this process (or a twin)."""
    return session.exec(select(WorkerRow).where(col(WorkerRow.identity) == identity,
                                                col(WorkerRow.owner) != besides)).all()


def beat(session: Session, *, owner: str, now: datetime) -> bool:
    """Record a heartbeat; False when the row is gone (forgotten as dead by a peer)."""
    result = session.execute(sa.update(WorkerRow).where(col(WorkerRow.owner) == owner)
                             .values(beat_at=now))
    return int(getattr(result, "rowcount", 0) or 0) == 1


def release_leases(session: Session, *, owners: Sequence[str]) -> int:
    """Free the pending outbox items leased by ``owners``; returns how many.

    ``in_flight`` stays as the lease left it (set): the next attempt looks in Slack before
    posting again, since the dead worker's call may have landed.
    """
    if not owners:
        return 0
    result = session.execute(
        sa.update(OutboxRow)
        .where(col(OutboxRow.lease_owner).in_(list(owners)), col(OutboxRow.status) == "pending")
        .values(lease_owner=None, lease_until=None))
    # The timers' deadlines are leased the same way: a dead run's sweep is retried too.
    session.execute(sa.update(DeadlineRow).where(col(DeadlineRow.lease_owner).in_(list(owners)))
                    .values(lease_owner=None, lease_until=None))
    return int(getattr(result, "rowcount", 0) or 0)


def forget(session: Session, *, owners: Sequence[str]) -> None:
    if owners:
        session.execute(sa.delete(WorkerRow).where(col(WorkerRow.owner).in_(list(owners))))


def dead_owners_query(dead_before: datetime) -> sa.Select[Any]:
    """Lease owners whose heartbeat is older than ``dead_before`` (a subquery)."""
    return sa.select(col(WorkerRow.owner)).where(col(WorkerRow.beat_at) < dead_before)


def dead_leases(session: Session, *, now: datetime, dead_before: datetime) -> int:
    """How many pending items are leased (and unexpired) by workers that stopped beating."""
    query = sa.select(sa.func.count()).select_from(OutboxRow).where(
        col(OutboxRow.status) == "pending", col(OutboxRow.lease_until) >= now,
        col(OutboxRow.lease_owner).in_(dead_owners_query(dead_before)))
    return int(session.execute(query).scalar_one())


def forget_silent(session: Session, *, cutoff: datetime) -> int:
    """Forget workers silent since ``cutoff`` that hold no lease any more."""
    held = sa.select(col(OutboxRow.lease_owner)).where(col(OutboxRow.lease_owner).is_not(None))
    result = session.execute(sa.delete(WorkerRow).where(
        col(WorkerRow.beat_at) < cutoff, col(WorkerRow.owner).not_in(held)))
    return int(getattr(result, "rowcount", 0) or 0)


def installation_key(session: Session, *, now: datetime) -> str:
    """This installation's own key (made once, kept forever): it marks our packets in Slack."""
    row = session.get(InstallationRow, 1)
    if row is not None:
        return row.key
    from storage.repository import _insert_ignore

    _insert_ignore(session, InstallationRow, id=1, key=secrets.token_hex(8), created_at=now)
    row = session.get(InstallationRow, 1, populate_existing=True)
    assert row is not None
    return row.key
