"""A worker whose outbox lease was taken over sends nothing: every external call a delivery
makes first re-checks (and extends) the lease. Two workers, one database, a controlled clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from commands import escalate
from commands.context import Context
from commands.deliver import deliver_due, run_leased
from commands.ports import DeliveryError
from core.model import Escalation
from storage import repository as repo
from storage import workers
from storage.database import Database
from storage.tables import OutboxRow
from tests.builders import good_answers
from tests.fakes import InMemorySlack
from tests.loop_helpers import REQUESTER, Clock, make_ctx


def submitted(ctx: Context) -> int:
    """An escalation whose packet is owed (not delivered yet)."""
    return escalate.submit(ctx, key="V1", requester=REQUESTER,
                           answers=good_answers(ctx.now())).escalation_id


def take(ctx: Context, esc_id: int) -> tuple[OutboxRow, Escalation]:
    """Lease the packet's outbox item as ``ctx``'s worker (and load the escalation, as the
    delivery does before it calls Slack)."""
    with ctx.db.transaction() as session:
        [owed] = [o for o in repo.outbox_for(session, escalation_id=esc_id)
                  if o.kind == "post_packet"]
        item = repo.lease(session, outbox_id=owed.id or 0, worker=ctx.worker, now=ctx.now(),
                          duration=ctx.lease, dead_before=ctx.dead_before())
    assert item is not None
    esc = escalate.load(ctx, esc_id)
    assert esc is not None
    return item, esc


def test_a_worker_whose_lease_expired_and_was_taken_over_does_not_post(
        db: Database, now: datetime) -> None:
    clock, slack = Clock(now), InMemorySlack()
    a, b = make_ctx(db, slack, clock, "a"), make_ctx(db, slack, clock, "b")
    esc_id = submitted(a)
    item, esc = take(a, esc_id)
    clock.advance(seconds=a.lease.total_seconds() + 1)  # A stalled past its lease
    assert deliver_due(b, escalation_id=esc_id) >= 1  # B takes the item over and posts
    assert not run_leased(a, item, esc)  # A wakes up: its lease is B's now
    assert len(slack.packets()) == 1


def registered(db: Database, now: datetime, *names: str) -> None:
    with db.transaction() as session:
        for name in names:
            workers.register(session, owner=name, identity=name, boot_id="1", pid=1, now=now)


def test_a_worker_taken_for_dead_by_its_peers_does_not_post(db: Database, now: datetime
                                                             ) -> None:
    """The lease has not expired, but A's heartbeat fell silent past the peer timeout and B
    took the item over: A, waking up, does not post."""
    clock, slack = Clock(now), InMemorySlack()
    a, b = make_ctx(db, slack, clock, "a"), make_ctx(db, slack, clock, "b")
    registered(db, now, "a", "b")
    esc_id = submitted(a)
    item, esc = take(a, esc_id)
    clock.advance(seconds=a.peer_timeout.total_seconds() + 1)  # well inside the lease
    with db.transaction() as session:
        workers.beat(session, owner="b", now=clock())  # B beats; A has been silent
    assert deliver_due(b, escalation_id=esc_id) >= 1
    assert not run_leased(a, item, esc)
    assert len(slack.packets()) == 1


def test_a_silent_worker_that_calls_first_keeps_its_item(db: Database, now: datetime
                                                         ) -> None:
    """A was silent past the peer timeout but nobody took its item yet: its call renews the
    lease and says it is alive, so B, sweeping while A's post is in flight, leaves it alone."""
    clock, slack = Clock(now), HookedSlack()
    a, b = make_ctx(db, slack, clock, "a"), make_ctx(db, slack, clock, "b")
    registered(db, now, "a", "b")
    esc_id = submitted(a)
    item, esc = take(a, esc_id)
    clock.advance(seconds=a.peer_timeout.total_seconds() + 1)
    with db.transaction() as session:
        workers.beat(session, owner="b", now=clock())

    def b_sweeps() -> None:
        assert deliver_due(b, escalation_id=esc_id) == 0

    slack.during_post = b_sweeps
    assert run_leased(a, item, esc)
    assert len(slack.packets()) == 1


class HookedSlack(InMemorySlack):
    """Runs ``during_find`` as the next look-before-repost answers (the call was slow), and
    ``during_post`` inside the next packet post."""

    during_find: Callable[[], None] | None = None
    during_post: Callable[[], None] | None = None

    def find_packet(self, esc: Escalation, *, since: datetime) -> object:  # type: ignore[override]
        found = super().find_packet(esc, since=since)
        hook, self.during_find = self.during_find, None
        if hook is not None:
            hook()
        return found

    def post_packet(self, esc: Escalation) -> object:  # type: ignore[override]
        hook, self.during_post = self.during_post, None
        if hook is not None:
            hook()
        return super().post_packet(esc)


def test_a_lease_lost_between_two_calls_stops_the_second(db: Database, now: datetime) -> None:
    """A's first call (the look before reposting) outlives its lease; B takes the item over
    and posts. A's next call — the post — is not made: one packet, not two."""
    clock, slack = Clock(now), HookedSlack()
    a, b = make_ctx(db, slack, clock, "a"), make_ctx(db, slack, clock, "b")
    esc_id = submitted(a)
    slack.fail("post_packet", DeliveryError("read timeout", outcome_unknown=True))
    assert deliver_due(a, escalation_id=esc_id) == 0  # the outcome is unknown: look first
    clock.advance(seconds=10)
    item, esc = take(a, esc_id)
    assert item.in_flight

    def stall_and_take_over() -> None:
        clock.advance(seconds=a.lease.total_seconds() + 1)
        assert deliver_due(b, escalation_id=esc_id) >= 1

    slack.during_find = stall_and_take_over
    assert not run_leased(a, item, esc)
    assert len(slack.packets()) == 1
    with db.read() as session:  # B's record stands: A's lost attempt changed nothing
        [row] = [o for o in repo.outbox_for(session, escalation_id=esc_id)
                 if o.kind == "post_packet"]
    assert row.status == "done"


def test_each_call_extends_the_lease(db: Database, now: datetime) -> None:
    """A slow delivery that keeps calling keeps its lease: B cannot take the item between
    two of A's calls although more than a lease has passed since A took it."""
    clock, slack = Clock(now), HookedSlack()
    a, b = make_ctx(db, slack, clock, "a"), make_ctx(db, slack, clock, "b")
    esc_id = submitted(a)
    slack.fail("post_packet", DeliveryError("read timeout", outcome_unknown=True))
    deliver_due(a, escalation_id=esc_id)
    clock.advance(seconds=10)
    item, esc = take(a, esc_id)
    clock.advance(seconds=a.lease.total_seconds() - 1)  # A is slow before its first call

    def later() -> None:
        clock.advance(seconds=2)  # past A's first lease, inside the one its call renewed
        assert deliver_due(b, escalation_id=esc_id) == 0

    slack.during_find = later
    assert run_leased(a, item, esc)
    assert len(slack.packets()) == 1
