"""Double clicks, Slack retries and replicas: every loop action changes things once.

Conflicting clicks are made to read the same version before either writes (a barrier in the
Slack port's user-group lookup, which every command does between its read and its write),
so the race is real on every run, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import pytest

from commands import feedback, levels, ownership, resolution
from commands.act import Outcome
from commands.context import Context
from commands.deliver import deliver_due
from commands.ports import DeliveryError
from core.forms import ReassignInput, SeverityInput
from core.model import Severity
from storage.database import Database
from tests.fakes import InMemorySlack
from tests.loop_helpers import (
    LEAD,
    NEWBIE,
    OWNER,
    REQUESTER,
    RESOLVE,
    Clock,
    claimed,
    kinds,
    make_ctx,
)


@dataclass
class RacingSlack(InMemorySlack):
    """Holds every caller of ``group_members`` until ``parties`` of them have arrived."""

    barrier: threading.Barrier | None = None
    _armed: threading.Event = field(default_factory=threading.Event)

    def arm(self, parties: int) -> None:
        self.barrier = threading.Barrier(parties, timeout=10)
        self._armed.set()

    def group_members(self, group_id: str) -> frozenset[str] | None:
        if self._armed.is_set() and self.barrier is not None and group_id == "S0BILLSPEC":
            self.barrier.wait()
        return super().group_members(group_id)


@pytest.fixture
def clock(now: datetime) -> Clock:
    return Clock(now)


@pytest.fixture
def slack() -> RacingSlack:
    racing = RacingSlack()
    racing.groups["S0BILLSPEC"] = frozenset({OWNER, NEWBIE})
    racing.groups["S0BILLLEAD"] = frozenset({LEAD})
    return racing


@pytest.fixture
def ctx(db: Database, slack: RacingSlack, clock: Clock) -> Iterator[Context]:
    yield make_ctx(db, slack, clock)


def accepted_billing(ctx: Context) -> int:
    esc_id = claimed(ctx, domain="billing")
    assert feedback.accept(ctx, escalation_id=esc_id, user=OWNER).ok
    return esc_id


def race(slack: RacingSlack, *calls: Callable[[], Outcome]) -> list[Outcome]:
    slack.arm(len(calls))
    results: list[Outcome | None] = [None] * len(calls)

    def run(i: int) -> None:
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


REASSIGN = ReassignInput(NEWBIE, "Reproduced on staging; next: compare the audience URN")


class TestConflictingClicks:
    def test_resolve_vs_reassign(self, ctx: Context, slack: RacingSlack) -> None:
        """Exactly one applies; the other is told who did what, and nothing else changes."""
        esc_id = accepted_billing(ctx)
        out = race(slack,
                   lambda: resolution.resolve(ctx, escalation_id=esc_id, user=OWNER,
                                              form=RESOLVE),
                   lambda: ownership.reassign(ctx, escalation_id=esc_id, user=LEAD,
                                              form=REASSIGN))
        assert sorted(o.ok for o in out) == [False, True]
        loser = next(o for o in out if not o.ok)
        assert loser.conflict and loser.text.startswith("Not applied: <@")
        winner_kind = "resolved" if out[0].ok else "handoff_requested"
        assert kinds(ctx, esc_id)[-1] == winner_kind
        assert kinds(ctx, esc_id).count("resolved") + \
            kinds(ctx, esc_id).count("handoff_requested") == 1

    def test_two_severity_changes(self, ctx: Context, slack: RacingSlack) -> None:
        esc_id = accepted_billing(ctx)
        reason = "Every Acme user is locked out, including the admins"
        out = race(slack,
                   lambda: levels.change_severity(ctx, escalation_id=esc_id, user=OWNER,
                                                  form=SeverityInput(Severity.SEV1, reason)),
                   lambda: levels.change_severity(ctx, escalation_id=esc_id, user=REQUESTER,
                                                  form=SeverityInput(Severity.SEV1, reason)))
        assert sorted(o.ok for o in out) == [False, True]
        assert kinds(ctx, esc_id).count("severity_changed") == 1
        loser = next(o for o in out if not o.ok)
        assert "changed the severity of" in loser.text
        # one DM to the requester, not two
        assert [d.kind for d in slack.notices[REQUESTER]].count("severity_changed") == 1

    def test_accept_vs_reassign(self, ctx: Context, slack: RacingSlack) -> None:
        esc_id = claimed(ctx, domain="billing")
        out = race(slack,
                   lambda: feedback.accept(ctx, escalation_id=esc_id, user=OWNER),
                   lambda: ownership.reassign(ctx, escalation_id=esc_id, user=LEAD,
                                              form=REASSIGN))
        assert sorted(o.ok for o in out) == [False, True]
        assert kinds(ctx, esc_id).count("accepted") + \
            kinds(ctx, esc_id).count("handoff_requested") == 1


class TestRetries:
    def test_a_retried_request_changes_nothing_twice(self, ctx: Context,
                                                     slack: InMemorySlack) -> None:
        esc_id = claimed(ctx)
        first = feedback.accept(ctx, escalation_id=esc_id, user=OWNER, request_key="A1")
        second = feedback.accept(ctx, escalation_id=esc_id, user=OWNER, request_key="A1")
        assert first.ok and not first.duplicate
        assert second.ok and second.duplicate
        assert kinds(ctx, esc_id).count("accepted") == 1
        assert [d.kind for d in slack.notices[REQUESTER]] == ["accepted"]

    def test_concurrent_retries_of_one_request(self, ctx: Context, slack: RacingSlack) -> None:
        """Slack redelivers while the first delivery is still running: one change."""
        esc_id = claimed(ctx, domain="billing")
        out = race(slack,
                   lambda: feedback.accept(ctx, escalation_id=esc_id, user=OWNER,
                                           request_key="A2"),
                   lambda: feedback.accept(ctx, escalation_id=esc_id, user=OWNER,
                                           request_key="A2"))
        assert all(o.ok for o in out) and sum(o.duplicate for o in out) == 1
        assert kinds(ctx, esc_id).count("accepted") == 1

    def test_a_failed_dm_is_retried_once_and_never_repeated(
            self, ctx: Context, slack: InMemorySlack, clock: Clock) -> None:
        esc_id = claimed(ctx)
        slack.fail("send_dm", DeliveryError("ratelimited"))
        assert feedback.accept(ctx, escalation_id=esc_id, user=OWNER).ok
        assert slack.notices[REQUESTER] == []
        clock.advance(seconds=10)
        deliver_due(ctx)
        deliver_due(ctx)
        clock.advance(minutes=30)
        deliver_due(ctx)
        assert [d.kind for d in slack.notices[REQUESTER]] == ["accepted"]

    def test_two_replicas_sweeping_send_each_item_once(self, db: Database, clock: Clock,
                                                       slack: InMemorySlack) -> None:
        ctx = make_ctx(db, slack, clock)
        esc_id = claimed(ctx)
        slack.fail("send_dm", DeliveryError("timeout", outcome_unknown=False))
        slack.fail("post_timeline", DeliveryError("timeout", outcome_unknown=False))
        feedback.accept(ctx, escalation_id=esc_id, user=OWNER)
        clock.advance(minutes=1)
        workers = [make_ctx(db, slack, clock, worker=f"w{i}") for i in range(2)]
        threads = [threading.Thread(target=deliver_due, args=(w,)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [d.kind for d in slack.notices[REQUESTER]] == ["accepted"]
        assert [m.kind for m in slack.thread(esc_id)].count("accepted") == 1

    def test_rating_is_stored_once(self, ctx: Context) -> None:
        from core.forms import HandoffRating, RateInput

        esc_id = accepted_billing(ctx)
        resolution.resolve(ctx, escalation_id=esc_id, user=OWNER, form=RESOLVE)
        assert resolution.rate_handoff(ctx, escalation_id=esc_id, user=OWNER,
                                       form=RateInput(HandoffRating.YES)).ok
        again = resolution.rate_handoff(ctx, escalation_id=esc_id, user=OWNER,
                                        form=RateInput(HandoffRating.HAD_TO_ASK))
        assert not again.ok and "rated already" in again.text
        assert kinds(ctx, esc_id).count("handoff_rated") == 1


def test_deliver_later_stores_now_and_sends_after(ctx: Context, slack: RacingSlack) -> None:
    """``deliver=False``: the change is stored (and answerable) before anything is sent."""
    esc_id = claimed(ctx)
    out = feedback.accept(ctx, escalation_id=esc_id, user=OWNER, deliver=False)
    assert out.ok and kinds(ctx, esc_id)[-1] == "accepted"
    assert slack.notices[REQUESTER] == []
    out.deliver()
    assert [d.kind for d in slack.notices[REQUESTER]] == ["accepted"]
