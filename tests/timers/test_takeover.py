"""A dead peer's timer deadlines are taken over within seconds, like its outbox items — the
commands against the real database (SQLite and PostgreSQL) with a controlled clock.

Replica A leases a due reminder and dies before acting on it (a SIGKILL between the sweep's
claim and its commit). Its lease runs 2 minutes; its heartbeat stops at once. A replica that
sees A silent for ``peer_timeout`` (10 s) sweeps the reminder then — exactly once, also when
two replicas notice at the same instant, and also when A was only paused and wakes up.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from commands import workers
from commands.context import Context
from commands.timers import _process, sweep
from storage import deadlines as dl
from storage import workers as worker_rows
from storage.database import Database
from tests.fakes import InMemorySlack
from tests.test_commands import Clock
from tests.timers.test_sweep import DOMAINS, clocks, ledger, posted

M = timedelta(minutes=1)
LEASE = 2 * M


@pytest.fixture
def slack() -> InMemorySlack:
    return InMemorySlack(groups={"S0AUTHSPEC": frozenset({"U0SPEC1", "U0SPEC2"})})


def replica(db: Database, slack: InMemorySlack, clock: Clock, name: str) -> Context:
    """One bot process as bot.app builds it, registered in the worker roster."""
    ctx = Context(db=db, slack=slack, domains=DOMAINS, clock=clock,
                  worker=workers.owner_name(name, "boot1"), lease=LEASE,
                  peer_timeout=timedelta(seconds=10))
    workers.start(ctx, identity=name, boot_id="boot1", pid=hash(name) % 10_000,
                  is_alive=lambda pid: False)
    return ctx


def beat(ctx: Context) -> worker_rows.Orphans:
    return workers.heartbeat(ctx, identity=ctx.worker.split("#")[0], boot_id="boot1", pid=1)


def dies_mid_sweep(ctx: Context) -> list[dl.Claimed]:
    """``ctx`` leases every due deadline (as its sweep does) and is never heard of again."""
    with ctx.db.transaction() as session:
        return dl.claim_due(session, now=ctx.now(), worker=ctx.worker, lease_for=ctx.lease,
                            limit=100, dead_before=ctx.dead_before())


def setup(db: Database, slack: InMemorySlack, clock: Clock, n: int = 1
          ) -> tuple[list[int], Context, list[dl.Claimed]]:
    seed = Context(db=db, slack=slack, domains=DOMAINS, clock=clock, worker="seed")
    ids = [posted(seed, key=f"V{i}") for i in range(n)]
    clock.advance(minutes=31)  # every claim clock is due
    a = replica(db, slack, clock, "host-a")
    return ids, a, dies_mid_sweep(a)


def test_a_silent_peer_s_reminder_fires_within_seconds_once(
        db: Database, slack: InMemorySlack, now: datetime) -> None:
    clock = Clock(now)
    [esc], _a, held = setup(db, slack, clock)
    assert [c.kind for c in held] == ["claim"]
    b = replica(db, slack, clock, "host-b")
    clock.advance(seconds=8)
    assert not beat(b) and sweep(b).claimed == 0  # A may still be alive: its lease holds
    clock.advance(seconds=3)  # 11 s without a beat from A
    assert beat(b) == worker_rows.Orphans(deadlines=1)
    result = sweep(b)
    assert (result.claimed, result.fired) == (1, 1)
    assert slack.nudge_actions() == ["claim_channel"]
    assert [n.action for n in ledger(b, esc)] == ["claim_channel"]
    assert clocks(b, esc)["claim"].lease_owner is None
    assert not beat(b)
    clock.advance(minutes=3)  # A's own lease long expired: nothing is left to fire again
    sweep(b)
    assert slack.nudge_actions() == ["claim_channel"]


def test_a_beating_peer_keeps_its_deadlines(db: Database, slack: InMemorySlack,
                                            now: datetime) -> None:
    """A slow peer is not a dead one: while it beats, nobody takes its reminder."""
    clock = Clock(now)
    _, a, _ = setup(db, slack, clock)
    b = replica(db, slack, clock, "host-b")
    for _ in range(10):  # 50 s of a slow sweep, well inside the 2-minute lease
        clock.advance(seconds=5)
        beat(a)
        assert not beat(b) and sweep(b).claimed == 0
    assert slack.nudges == []


def test_a_paused_peer_that_wakes_up_fires_nothing(db: Database, slack: InMemorySlack,
                                                   now: datetime) -> None:
    """Taken for dead (it stopped beating 11 s) but only paused: after the takeover its own
    processing of the row is fenced off by the lease owner — one nudge, not two."""
    clock = Clock(now)
    [esc], a, held = setup(db, slack, clock)
    b = replica(db, slack, clock, "host-b")
    clock.advance(seconds=11)
    assert sweep(b).fired == 1
    with db.transaction() as session:  # A resumes where it stopped
        outcome, items, _ = _process(a, session, held[0], clock())
    assert (outcome, items) == ("stale", [])
    assert slack.nudge_actions() == ["claim_channel"] and len(ledger(b, esc)) == 1


def test_two_replicas_noticing_at_once_fire_each_reminder_once(
        db: Database, slack: InMemorySlack, now: datetime) -> None:
    """B and C see A dead at the same instant and sweep together (a barrier): every one of
    A's twelve reminders fires once — taken over by one replica or the other, never both."""
    clock = Clock(now)
    ids, _a, held = setup(db, slack, clock, n=12)
    assert len(held) == 12
    b, c = replica(db, slack, clock, "host-b"), replica(db, slack, clock, "host-c")
    clock.advance(seconds=11)
    barrier = threading.Barrier(2)
    fired: dict[str, int] = {}

    def run(ctx: Context) -> None:
        barrier.wait()
        fired[ctx.worker] = sweep(ctx, limit=3).fired

    threads = [threading.Thread(target=run, args=(r,)) for r in (b, c)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(fired.values()) == 12
    assert len(slack.nudges) == 12 and len({n.id for _, n in slack.nudges}) == 12
    assert all(len(ledger(b, esc)) == 1 for esc in ids)


def test_outbox_and_deadlines_are_taken_over_by_one_rule(db: Database, slack: InMemorySlack,
                                                         now: datetime) -> None:
    """The heartbeat counts a dead peer's leases of both kinds; a worker still holding one is
    not forgotten by housekeeping (its leases stay recognisable as a dead peer's)."""
    clock = Clock(now)
    [esc], a, _ = setup(db, slack, clock)
    b = replica(db, slack, clock, "host-b")
    clock.advance(seconds=11)
    assert beat(b) == worker_rows.Orphans(outbox=0, deadlines=1)
    with db.transaction() as session:
        assert worker_rows.forget_silent(session, cutoff=clock()) == 0  # A holds a lease
    sweep(b)
    with db.transaction() as session:
        assert not worker_rows.dead_leases(session, now=clock(), dead_before=b.dead_before())
        assert worker_rows.forget_silent(session, cutoff=clock()) == 1  # now A may go
        assert [r.owner for r in worker_rows.incarnations(
            session, identity="host-a", besides="")] == []
    assert a.worker not in {c.lease_owner for c in clocks(b, esc).values()}
