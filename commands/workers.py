"""Crash recovery in seconds: who this process is, its heartbeat, and taking back leases.

A process is ``identity#boot``: the identity is stable across restarts (host name and the
configured ``WORKER_NAME``), the boot id is new at every start. At start-up the process takes
back the leases of its own earlier incarnations (they are dead: it is their restart), so a
packet a SIGKILL interrupted is retried at once instead of after the lease (2 minutes). Every
process beats a heartbeat every few seconds; replicas treat the leases of a peer silent for
``ctx.peer_timeout`` as expired — outbox items, timer deadlines and digest posts alike — and
sweep as soon as they see one (the heartbeat job).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import timedelta

from commands.context import Context
from storage import workers

log = logging.getLogger(__name__)

FORGET_AFTER = timedelta(days=1)


def owner_name(identity: str, boot_id: str) -> str:
    return f"{identity[:47]}#{boot_id}"


def new_boot_id() -> str:
    return secrets.token_hex(4)


def start(ctx: Context, *, identity: str, boot_id: str, pid: int,
          is_alive: Callable[[int], bool]) -> int:
    """Register this process and take back its earlier incarnations' leases; returns how many.

    An incarnation under the same identity whose process is still alive (a second process
    started with the same name on this host) is left alone, and a warning says so.
    """
    now = ctx.now()
    taken = 0
    with ctx.db.transaction() as session:
        workers.register(session, owner=ctx.worker, identity=identity[:48], boot_id=boot_id,
                         pid=pid, now=now)
        earlier = workers.incarnations(session, identity=identity[:48], besides=ctx.worker)
        dead = []
        for row in earlier:
            fresh = row.beat_at >= ctx.dead_before()
            if fresh and row.pid != pid and is_alive(row.pid):
                log.warning("another process (pid %d) runs as worker %r on this host; set "
                            "WORKER_NAME to tell replicas apart", row.pid, identity)
                continue
            dead.append(row.owner)
        if dead:
            taken = workers.release_leases(session, owners=dead)
            workers.forget(session, owners=dead)
    if taken:
        log.info("took back %d leased item(s) from this worker's previous run", taken)
    return taken


def heartbeat(ctx: Context, *, identity: str, boot_id: str, pid: int) -> workers.Orphans:
    """Beat; returns how many outbox items, deadlines and digest posts dead peers still hold
    (the caller delivers / sweeps when there are any)."""
    now = ctx.now()
    with ctx.db.transaction() as session:
        if not workers.beat(session, owner=ctx.worker, now=now):
            workers.register(session, owner=ctx.worker, identity=identity[:48],
                             boot_id=boot_id, pid=pid, now=now)
    with ctx.db.read() as session:
        return workers.dead_leases(session, now=now, dead_before=ctx.dead_before())


def stop(ctx: Context) -> None:
    """A clean shutdown: free this process's leases and leave the roster."""
    with ctx.db.transaction() as session:
        workers.release_leases(session, owners=[ctx.worker])
        workers.forget(session, owners=[ctx.worker])


def forget_silent(ctx: Context) -> int:
    with ctx.db.transaction() as session:
        return workers.forget_silent(session, cutoff=ctx.now() - FORGET_AFTER)


def installation_key(ctx: Context) -> str:
    with ctx.db.transaction() as session:
        return workers.installation_key(session, now=ctx.now())
