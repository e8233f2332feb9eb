"""Workers (running processes) and their heartbeats; the installation's own key.

A lease — on an outbox item, a timer deadline or a digest post — names its worker
(``identity#boot``). A worker beats its row every few seconds; a lease whose worker stopped
beating is as good as expired: :func:`lease_free` is the one predicate every kind is claimed
under (:func:`storage.repository.lease`, :func:`storage.deadlines.claim_due`,
:func:`storage.digests.lease`), so taking over a dead peer's item is the claim's own single
``UPDATE`` — atomic, and won by one replica only. A restarted process takes back its previous
incarnation's leases at once. All functions work inside the caller's transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from storage.tables import DeadlineRow, DigestPostRow, InstallationRow, OutboxRow, WorkerRow


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
    """Free the rows still to do (every leased kind) leased by ``owners``; returns how many.

    ``in_flight`` stays as the lease left it (set): the next attempt looks in Slack before
    posting again, since the dead worker's call may have landed.
    """
    if not owners:
        return 0
    freed = 0
    for table, to_do in LEASED.values():
        result = session.execute(
            sa.update(table).where(col(table.lease_owner).in_(list(owners)), to_do)
            .values(lease_owner=None, lease_until=None))
        freed += int(getattr(result, "rowcount", 0) or 0)
    return freed


def forget(session: Session, *, owners: Sequence[str]) -> None:
    if owners:
        session.execute(sa.delete(WorkerRow).where(col(WorkerRow.owner).in_(list(owners))))


def dead_owners_query(dead_before: datetime) -> sa.Select[Any]:
    """Lease owners whose heartbeat is older than ``dead_before`` (a subquery)."""
    return sa.select(col(WorkerRow.owner)).where(col(WorkerRow.beat_at) < dead_before)


# Every leased kind: (table, its rows still to do). A dead worker's lease matters while the
# row is still to do. A new leased table belongs here (and its claim uses lease_free).
LEASED: dict[str, tuple[Any, Any]] = {
    "outbox": (OutboxRow, col(OutboxRow.status) == "pending"),
    "deadlines": (DeadlineRow, col(DeadlineRow.due_at).is_not(None)),
    "digests": (DigestPostRow, col(DigestPostRow.status) == "pending"),
}


def renew(session: Session, *, kind: str, row_id: int | str, worker: str, now: datetime,
          duration: timedelta) -> bool:
    """Extend ``worker``'s lease on a row still to do to ``now + duration``, right before an
    external call, and record a heartbeat (the worker is demonstrably alive: peers must not
    take its rows for a dead one's); False when the lease is no longer this worker's — taken
    over (it expired, or the worker was silent past the peer timeout) or finished meanwhile.
    The caller then does not make the call."""
    table, to_do = LEASED[kind]
    key = next(iter(table.__table__.primary_key.columns))
    result = session.execute(
        sa.update(table).where(key == row_id, col(table.lease_owner) == worker, to_do)
        .values(lease_until=now + duration))
    if int(getattr(result, "rowcount", 0) or 0) != 1:
        return False
    beat(session, owner=worker, now=now)
    return True


def lease_free(table: Any, *, now: datetime, dead_before: datetime | None) -> Any:
    """Unleased, expired, or held by a worker whose heartbeat stopped before ``dead_before``.

    The condition every claim of a leased row is made under (every kind in LEASED): a
    replica takes over a dead peer's row with the same ``UPDATE … WHERE`` that claims a free
    one. Two replicas that notice the dead peer at once race on that one statement; the
    winner's lease names a live owner, so the loser's ``WHERE`` no longer matches (PostgreSQL
    re-checks it on the updated row; SQLite serializes the writers).
    """
    until, owner = table.lease_until, table.lease_owner
    free = [col(until).is_(None), col(until) < now]
    if dead_before is not None:
        free.append(col(owner).in_(dead_owners_query(dead_before)))
    return sa.or_(*free)


@dataclass(frozen=True)
class Orphans:
    """Unexpired leases held by workers that stopped beating, per kind."""

    outbox: int = 0
    deadlines: int = 0
    digests: int = 0

    def __bool__(self) -> bool:
        return bool(self.outbox or self.deadlines or self.digests)


def dead_leases(session: Session, *, now: datetime, dead_before: datetime) -> Orphans:
    """How many rows to do are leased (and unexpired) by workers that stopped beating."""
    counts = {}
    for kind, (table, to_do) in LEASED.items():
        query = sa.select(sa.func.count()).select_from(table).where(
            to_do, col(table.lease_until) >= now,
            col(table.lease_owner).in_(dead_owners_query(dead_before)))
        counts[kind] = int(session.execute(query).scalar_one())
    return Orphans(**counts)


def forget_silent(session: Session, *, cutoff: datetime) -> int:
    """Forget workers silent since ``cutoff`` that hold no lease any more (of either kind)."""
    held = sa.union(*(sa.select(col(table.lease_owner)).where(
        col(table.lease_owner).is_not(None)) for table, _ in LEASED.values()))
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
