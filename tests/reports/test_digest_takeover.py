"""A replica that dies while it holds the weekly digest's post: a peer posts it once, as soon
as the dead one's heartbeat has been silent for the peer timeout (10 s) — not after the
2-minute lease. Controlled clock, real database (SQLite and PostgreSQL), in-memory Slack."""

from __future__ import annotations

from datetime import timedelta

from commands import digest, workers
from commands.context import Context
from commands.digest import deliver_digests
from storage import digests as store
from storage import workers as worker_rows
from storage.database import Database
from tests.fakes import InMemorySlack
from tests.reports.test_digest_post import DUE, Clock, make_ctx

M = timedelta(minutes=1)


def replica(db: Database, slack: InMemorySlack, clock: Clock, name: str) -> Context:
    ctx = make_ctx(db, slack, clock, worker=workers.owner_name(name, "boot1"))
    ctx.lease, ctx.peer_timeout = 2 * M, timedelta(seconds=10)
    workers.start(ctx, identity=name, boot_id="boot1", pid=1, is_alive=lambda pid: False)
    digest.start(ctx)
    return ctx


def beat(ctx: Context) -> worker_rows.Orphans:
    return workers.heartbeat(ctx, identity=ctx.worker.split("#")[0], boot_id="boot1", pid=1)


def test_a_dead_peer_s_digest_post_is_taken_over_within_seconds(db: Database) -> None:
    slack, clock = InMemorySlack(), Clock(DUE - M)
    a, b = replica(db, slack, clock, "host-a"), replica(db, slack, clock, "host-b")
    clock.at = DUE + M
    beat(a), beat(b)
    with db.transaction() as session:  # A's sweep owes the digest (the calendar job) …
        digest._run(a, session, DUE, clock())  # … its follow-up (the post) never runs
    with db.transaction() as session:  # A leases the post, and is SIGKILLed
        [key] = store.due_keys(session, now=clock())
        assert store.lease(session, key=key, worker=a.worker, now=clock(),
                           duration=a.lease) is not None
    clock.at += timedelta(seconds=8)
    assert not beat(b) and deliver_digests(b) == 0  # A may be alive: its lease holds
    assert slack.digests() == []
    clock.at += timedelta(seconds=3)
    assert beat(b) == worker_rows.Orphans(digests=1)
    assert deliver_digests(b) == 1
    assert len(slack.digests("C0DIGEST01")) == 1 and len(slack.files) == 2
    clock.at += 3 * M  # A's lease long expired: nothing is posted again
    assert deliver_digests(b) == 0 and len(slack.digests()) == 1
    with db.read() as session:
        post = store.get(session, key=key)
    assert post is not None and post.status == "done" and post.lease_owner is None
