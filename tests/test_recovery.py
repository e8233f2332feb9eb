"""Crash recovery, heartbeats and a Claim click that proves the packet exists — the commands
against the real database (SQLite and PostgreSQL), an in-memory Slack and a controlled clock."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select as sa_select

from commands import escalate, workers
from commands.claim import claim
from commands.context import Context
from commands.deliver import deliver_due
from storage import repository as repo
from storage import workers as worker_rows
from storage.database import Database
from tests.fakes import InMemorySlack
from tests.test_commands import DOMAINS, Clock, audit_kinds, submit


@pytest.fixture
def clock(now: datetime) -> Clock:
    return Clock(now)


@pytest.fixture
def slack() -> InMemorySlack:
    return InMemorySlack()


def process(db: Database, slack: InMemorySlack, clock: Clock, identity: str, boot: str,
            ) -> Context:
    """One bot process as bot.app builds it (default lease of 2 minutes, peers dead at 10 s)."""
    return Context(db=db, slack=slack, domains=DOMAINS, clock=clock,
                   worker=workers.owner_name(identity, boot), lease=timedelta(minutes=2),
                   peer_timeout=timedelta(seconds=10))


def crashed_mid_post(db: Database, slack: InMemorySlack, clock: Clock, identity: str,
                     boot: str) -> tuple[Context, int]:
    """A process that leased the packet's post and died before recording anything."""
    ctx = process(db, slack, clock, identity, boot)
    workers.start(ctx, identity=identity, boot_id=boot, pid=101, is_alive=lambda pid: False)
    esc = submit(ctx).escalation_id
    with db.transaction() as session:
        [item_id] = repo.due_outbox_ids(session, now=clock())
        assert repo.lease(session, outbox_id=item_id, worker=ctx.worker, now=clock(),
                          duration=ctx.lease) is not None
    return ctx, esc


class TestRestart:
    def test_restart_takes_back_its_own_leases_at_once(
            self, db: Database, slack: InMemorySlack, clock: Clock) -> None:
        """After a SIGKILL, the restart (same identity, new boot) posts the packet without
        waiting out the 2-minute lease — exactly once, looking in Slack first."""
        _, esc = crashed_mid_post(db, slack, clock, "host-a", "boot1")
        clock.advance(seconds=3)
        restarted = process(db, slack, clock, "host-a", "boot2")
        assert deliver_due(restarted) == 0  # before start-up: the dead lease still blocks
        assert workers.start(restarted, identity="host-a", boot_id="boot2", pid=202,
                             is_alive=lambda pid: False) == 1
        assert deliver_due(restarted) >= 1
        assert len(slack.packets()) == 1 and slack.lookups == 1  # looked before posting
        assert audit_kinds(restarted, esc).count("posted") == 1
        with db.transaction() as session:
            assert [r.owner for r in worker_rows.incarnations(
                session, identity="host-a", besides="")] == [restarted.worker]

    def test_landed_post_is_found_not_repeated(self, db: Database, slack: InMemorySlack,
                                               clock: Clock) -> None:
        """The killed post had landed in Slack: the restart records it, posts nothing new."""
        ctx, esc = crashed_mid_post(db, slack, clock, "host-a", "boot1")
        loaded = escalate.load(ctx, esc)
        slack.post_packet(loaded)  # what the dead process's call did
        restarted = process(db, slack, clock, "host-a", "boot2")
        workers.start(restarted, identity="host-a", boot_id="boot2", pid=202,
                      is_alive=lambda pid: False)
        deliver_due(restarted)
        assert len(slack.packets()) == 1
        assert claim(restarted, escalation_id=esc, user="U0SPEC").won

    def test_restart_takes_back_its_deadline_leases_too(
            self, db: Database, slack: InMemorySlack, clock: Clock) -> None:
        """A reminder sweep the dead run had leased is free for the restart at once."""
        from storage.tables import DeadlineRow

        dead = process(db, slack, clock, "host-a", "boot1")
        workers.start(dead, identity="host-a", boot_id="boot1", pid=101,
                      is_alive=lambda pid: False)
        with db.transaction() as session:
            session.add(DeadlineRow(key="cal:test", kind="weekly_digest", basis="b",
                                    due_at=clock(), lease_owner=dead.worker,
                                    lease_until=clock() + timedelta(minutes=2),
                                    updated_at=clock()))
        restarted = process(db, slack, clock, "host-a", "boot2")
        workers.start(restarted, identity="host-a", boot_id="boot2", pid=202,
                      is_alive=lambda pid: False)
        with db.transaction() as session:
            row = session.exec(sa_select(DeadlineRow)).one()
            assert row.lease_owner is None and row.lease_until is None

    def test_a_live_twin_under_the_same_name_keeps_its_leases(
            self, db: Database, slack: InMemorySlack, clock: Clock) -> None:
        """Two processes started with one name on one host: the second takes nothing."""
        crashed_mid_post(db, slack, clock, "host-a", "boot1")
        twin = process(db, slack, clock, "host-a", "boot2")
        assert workers.start(twin, identity="host-a", boot_id="boot2", pid=202,
                             is_alive=lambda pid: pid == 101) == 0
        assert deliver_due(twin) == 0 and slack.packets() == []

    def test_clean_stop_frees_leases(self, db: Database, slack: InMemorySlack,
                                     clock: Clock) -> None:
        ctx, _ = crashed_mid_post(db, slack, clock, "host-a", "boot1")
        workers.stop(ctx)
        other = process(db, slack, clock, "host-b", "x")
        assert deliver_due(other) >= 1 and len(slack.packets()) == 1


class TestHeartbeat:
    def test_a_silent_peer_s_leases_are_free_after_the_timeout(
            self, db: Database, slack: InMemorySlack, clock: Clock) -> None:
        """A replica notices a dead peer within seconds (10 s silence), not after 2 minutes."""
        _, esc = crashed_mid_post(db, slack, clock, "host-a", "boot1")
        peer = process(db, slack, clock, "host-b", "boot9")
        workers.start(peer, identity="host-b", boot_id="boot9", pid=303,
                      is_alive=lambda pid: False)
        me = {"identity": "host-b", "boot_id": "boot9", "pid": 303}
        clock.advance(seconds=8)
        assert not workers.heartbeat(peer, **me) and deliver_due(peer) == 0  # still alive
        clock.advance(seconds=3)  # 11 s since host-a's last beat
        assert workers.heartbeat(peer, **me) == worker_rows.Orphans(outbox=1)
        assert deliver_due(peer) >= 1 and len(slack.packets()) == 1
        assert audit_kinds(peer, esc).count("posted") == 1

    def test_beating_keeps_leases(self, db: Database, slack: InMemorySlack,
                                  clock: Clock) -> None:
        ctx, _ = crashed_mid_post(db, slack, clock, "host-a", "boot1")
        peer = process(db, slack, clock, "host-b", "boot9")
        for _ in range(10):
            clock.advance(seconds=5)
            workers.heartbeat(ctx, identity="host-a", boot_id="boot1", pid=101)
            assert deliver_due(peer) == 0
        assert slack.packets() == []

    def test_forgotten_row_is_registered_again(self, db: Database, slack: InMemorySlack,
                                               clock: Clock) -> None:
        ctx = process(db, slack, clock, "host-a", "boot1")
        workers.heartbeat(ctx, identity="host-a", boot_id="boot1", pid=1)
        with db.transaction() as session:
            assert worker_rows.beat(session, owner=ctx.worker, now=clock())


class TestClaimProvesThePacket:
    def test_click_on_a_landed_but_unmarked_packet(self, db: Database, slack: InMemorySlack,
                                                   clock: Clock) -> None:
        """The packet is in the channel but not marked posted (its poster died): the click
        records it from its channel and ts, and the claim goes through. The outbox never
        posts it again."""
        _ctx, esc = crashed_mid_post(db, slack, clock, "host-a", "boot1")
        clicker = process(db, slack, clock, "host-b", "boot9")
        refused = claim(clicker, escalation_id=esc, user="U0SPEC")
        assert not refused.won and "still being posted" in refused.text
        wrong = claim(clicker, escalation_id=esc, user="U0SPEC", channel="C0OTHER",
                      message_ts="1700000000.000001")
        assert not wrong.won
        result = claim(clicker, escalation_id=esc, user="U0SPEC", channel="C0AUTH0001",
                       message_ts="1700000000.000001")
        assert result.won, result.text
        loaded = escalate.load(clicker, esc)
        assert loaded.message_ts == "1700000000.000001" and loaded.owner == "U0SPEC"
        kinds = audit_kinds(clicker, esc)
        assert kinds.count("posted") == 1 and kinds.count("claimed") == 1
        clock.advance(minutes=5)  # the dead lease long gone
        deliver_due(clicker)
        assert slack.packets() == []  # never posted a second packet
        with db.transaction() as session:
            post = next(o for o in repo.outbox_for(session, escalation_id=esc)
                    if o.kind == "post_packet")
        assert post.status == "done"

    def test_second_click_does_not_move_the_packet(self, db: Database, slack: InMemorySlack,
                                                   clock: Clock, ) -> None:
        ctx, esc = crashed_mid_post(db, slack, clock, "host-a", "boot1")
        claim(ctx, escalation_id=esc, user="U0SPEC", channel="C0AUTH0001",
              message_ts="1700000000.000001")
        later = claim(ctx, escalation_id=esc, user="U0OTHER", channel="C0AUTH0001",
                      message_ts="1700000000.000999")
        assert not later.won and "already claimed" in later.text
        loaded = escalate.load(ctx, esc)
        assert loaded.message_ts == "1700000000.000001"


def test_installation_key_is_made_once(db: Database, slack: InMemorySlack,
                                       clock: Clock) -> None:
    ctx = process(db, slack, clock, "h", "b")
    first = workers.installation_key(ctx)
    assert first == workers.installation_key(ctx) and len(first) == 16
