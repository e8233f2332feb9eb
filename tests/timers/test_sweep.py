"""The sweep against a real database (SQLite and PostgreSQL) with a controlled clock.

No sleeps: ``sweep(ctx, now)`` is driven at chosen instants, like the ticker would.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from commands import escalate
from commands.claim import claim
from commands.context import Context
from commands.deliver import deliver_due
from commands.planning import plan_missing, replan
from commands.ports import DeliveryError
from commands.timers import CalendarJob, ensure_calendar, register_calendar, sweep
from core.model import Domain, Level, Severity, State
from storage import deadlines as dl
from storage import repository as repo
from storage.database import Database
from storage.tables import DeadlineRow, EscalationRow, NudgeRow
from tests.builders import good_answers
from tests.fakes import InMemorySlack

M = timedelta(minutes=1)
DOMAINS = {"auth": Domain("auth", "Authentication & SSO", "C0AUTH0001",
                          specialists="S0AUTHSPEC")}


class Clock:
    def __init__(self, start: datetime) -> None:
        self.at = start

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def slack() -> InMemorySlack:
    return InMemorySlack(groups={"S0AUTHSPEC": frozenset({"U0SPEC1", "U0SPEC2"})})


@pytest.fixture
def clock(now: datetime) -> Clock:
    return Clock(now)


@pytest.fixture
def ctx(db: Database, slack: InMemorySlack, clock: Clock) -> Iterator[Context]:
    yield Context(db=db, slack=slack, domains=DOMAINS, clock=clock, worker="w1")


def posted(ctx: Context, key: str = "V1", **changes: object) -> int:
    """A SEV2 escalation routed to L3, posted at ``now``."""
    answers = good_answers(ctx.now(), **{"tier": "business", **changes})
    from core.model import CustomerTier
    if isinstance(answers.tier, str):
        answers.tier = CustomerTier(answers.tier)
    result = escalate.submit(ctx, key=key, requester="U0AGENT", answers=answers)
    deliver_due(ctx)
    return result.escalation_id


def ledger(ctx: Context, escalation_id: int) -> list[NudgeRow]:
    with ctx.db.read() as session:
        return list(dl.nudges_for(session, escalation_id=escalation_id))


def clocks(ctx: Context, escalation_id: int) -> dict[str, DeadlineRow]:
    with ctx.db.read() as session:
        return {d.kind: d for d in dl.deadlines_for(session, escalation_id=escalation_id)}


def row(ctx: Context, escalation_id: int) -> EscalationRow:
    with ctx.db.read() as session:
        found = repo.get_escalation(session, escalation_id=escalation_id)
    assert found is not None
    return found


class TestUnclaimedLadder:
    def test_quiet_before_the_deadline(self, ctx: Context, slack: InMemorySlack,
                                       now: datetime) -> None:
        esc = posted(ctx)
        assert clocks(ctx, esc)["claim"].due_at == now + 30 * M
        result = sweep(ctx, now + 29 * M)
        assert result.claimed == 0 and slack.nudges == []

    def test_each_rung_once_then_the_level_is_raised(self, ctx: Context,
                                                     slack: InMemorySlack,
                                                     now: datetime) -> None:
        esc = posted(ctx)
        assert row(ctx, esc).target_level == Level.L3
        sweep(ctx, now + 30 * M)
        sweep(ctx, now + 31 * M)  # the same rung is not repeated
        assert slack.nudge_actions() == ["claim_channel"]
        thread = slack.nudges[0][1]
        assert thread.mentions == ("S0AUTHSPEC",)
        sweep(ctx, now + 60 * M)  # leads rung: no leads configured → logged, nobody DMed
        sweep(ctx, now + 90 * M)
        assert slack.nudge_actions() == ["claim_channel", "raise_level"]
        assert row(ctx, esc).target_level == Level.L4
        assert "unclaimed for 1h 30m" in row(ctx, esc).level_reason
        assert [n.action for n in ledger(ctx, esc)] == \
            ["claim_channel", "claim_leads", "raise_level"]
        assert ledger(ctx, esc)[1].audience == "none"
        with ctx.db.read() as session:
            kinds = [(e.actor, e.kind) for e in repo.audit_trail(session, escalation_id=esc)]
        assert kinds.count(("bot", "level_changed")) == 1
        assert sweep(ctx, now + 600 * M).claimed == 0  # ladder done: silence

    def test_downtime_over_three_rungs_acts_once(self, ctx: Context, slack: InMemorySlack,
                                                 now: datetime) -> None:
        esc = posted(ctx)
        result = sweep(ctx, now + 200 * M)
        assert (result.fired, result.superseded) == (1, 1)
        assert slack.nudge_actions() == ["raise_level"]
        assert [(n.action, n.superseded) for n in ledger(ctx, esc)] == [("raise_level", 2)]

    def test_claim_stops_the_ladder_and_marks_the_nudge_acted_on(
            self, ctx: Context, slack: InMemorySlack, clock: Clock, now: datetime) -> None:
        esc = posted(ctx)
        sweep(ctx, now + 30 * M)
        clock.at = now + 35 * M
        assert claim(ctx, escalation_id=esc, user="U0SPEC1").won
        assert clocks(ctx, esc)["claim"].due_at is None
        assert ledger(ctx, esc)[0].acted_by == "U0SPEC1"
        assert clocks(ctx, esc)["accept"].due_at == now + 65 * M


class TestAccept:
    def test_nudge_then_return_to_queue(self, ctx: Context, slack: InMemorySlack,
                                        clock: Clock, now: datetime) -> None:
        esc = posted(ctx)
        assert claim(ctx, escalation_id=esc, user="U0SPEC1").won
        sweep(ctx, now + 30 * M)
        assert slack.nudges[-1][0] == "U0SPEC1"
        assert slack.nudges[-1][1].action.value == "accept_nudge"
        sweep(ctx, now + 60 * M)
        after = row(ctx, esc)
        assert (after.state, after.owner_id) == (State.OPEN.value, None)
        assert sorted(w for w, n in slack.nudges if n.action.value == "return_to_queue") == \
            ["U0SPEC1", "thread:C0AUTH0001"]
        # Back in the queue: the claim ladder starts again from the return.
        assert clocks(ctx, esc)["claim"].due_at == now + 90 * M
        assert clocks(ctx, esc)["accept"].due_at is None
        shown = escalate.load(ctx, esc)
        assert shown is not None
        assert "returned to the queue: not accepted within 1h" in shown.extra["timer_notes"]
        with ctx.db.read() as session:
            trail = repo.audit_trail(session, escalation_id=esc)
        assert any(e.kind == "returned_to_queue" and "not accepted within 1h" in e.detail
                   for e in trail)


class TestExactlyOnce:
    def test_a_second_sweep_at_the_same_now_sends_nothing(self, ctx: Context,
                                                          slack: InMemorySlack,
                                                          now: datetime) -> None:
        posted(ctx)
        sweep(ctx, now + 30 * M)
        sweep(ctx, now + 30 * M)
        assert len(slack.nudges) == 1

    def test_two_workers_racing_send_each_reminder_once(self, db: Database,
                                                        slack: InMemorySlack,
                                                        clock: Clock, now: datetime) -> None:
        ctx1 = Context(db=db, slack=slack, domains=DOMAINS, clock=clock, worker="w1")
        ctx2 = Context(db=db, slack=slack, domains=DOMAINS, clock=clock, worker="w2")
        ids = [posted(ctx1, key=f"V{i}") for i in range(12)]
        barrier = threading.Barrier(2)

        def run(c: Context) -> None:
            barrier.wait()
            sweep(c, now + 31 * M, limit=3)

        threads = [threading.Thread(target=run, args=(c,)) for c in (ctx1, ctx2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(n.id for _, n in slack.nudges) == sorted({n.id for _, n in slack.nudges})
        assert len(slack.nudges) == len(ids)

    def test_a_replanned_row_fences_off_the_stale_sweep(self, ctx: Context,
                                                        slack: InMemorySlack,
                                                        now: datetime) -> None:
        esc = posted(ctx)
        with ctx.db.transaction() as session:
            taken = dl.claim_due(session, now=now + 31 * M, worker="w1", lease_for=2 * M,
                                 limit=10)
        assert [t.kind for t in taken] == ["claim"]
        with ctx.db.transaction() as session:  # a state change re-plans meanwhile
            session.execute(sa.update(EscalationRow).where(EscalationRow.id == esc)
                            .values(state="cancelled"))
            replan(session, escalation_id=esc, settings=ctx.policy.timers, now=now + 31 * M)
        from commands.timers import _process
        with ctx.db.transaction() as session:
            outcome, items, _ = _process(ctx, session, taken[0], now + 31 * M)
        assert (outcome, items) == ("stale", [])
        assert slack.nudges == [] and ledger(ctx, esc) == []

    def test_a_crashed_worker_lease_expires_and_another_sends_once(
            self, ctx: Context, db: Database, slack: InMemorySlack, clock: Clock,
            now: datetime) -> None:
        esc = posted(ctx)
        with ctx.db.transaction() as session:  # w0 leased the row, then died
            dl.claim_due(session, now=now + 31 * M, worker="w0", lease_for=2 * M, limit=10)
        assert sweep(ctx, now + 32 * M).claimed == 0  # still leased
        sweep(ctx, now + 34 * M)
        assert slack.nudge_actions() == ["claim_channel"]
        assert len(ledger(ctx, esc)) == 1

    def test_unknown_outcome_is_looked_up_not_reposted(self, ctx: Context,
                                                       slack: InMemorySlack, clock: Clock,
                                                       now: datetime) -> None:
        """The reply landed but the answer was lost: the retry finds it in the thread."""
        esc = posted(ctx)
        real = slack.send_nudge

        def lossy(e, n, *, look_first):  # type: ignore[no-untyped-def]
            real(e, n, look_first=look_first)
            slack.send_nudge = real  # type: ignore[method-assign]
            raise DeliveryError("read timeout", outcome_unknown=True)

        slack.send_nudge = lossy  # type: ignore[method-assign]
        sweep(ctx, now + 30 * M)
        clock.at = now + 40 * M
        deliver_due(ctx, escalation_id=esc)
        assert len([m for m in slack.messages if m.text == "nudge:claim_channel"]) == 1
        with ctx.db.read() as session:
            assert {o.status for o in repo.outbox_for(session, escalation_id=esc)} == {"done"}


class TestQuiet:
    def test_no_reminder_for_a_cancelled_escalation(self, ctx: Context, slack: InMemorySlack,
                                                    now: datetime) -> None:
        esc = posted(ctx)
        with ctx.db.transaction() as session:
            session.execute(sa.update(EscalationRow).where(EscalationRow.id == esc)
                            .values(state="cancelled"))
            replan(session, escalation_id=esc, settings=ctx.policy.timers, now=now)
        assert sweep(ctx, now + 10 * 60 * M).fired == 0 and slack.nudges == []

    def test_an_unposted_escalation_has_no_clock(self, ctx: Context, now: datetime) -> None:
        answers = good_answers(now)
        result = escalate.submit(ctx, key="V9", requester="U0AGENT", answers=answers)
        assert clocks(ctx, result.escalation_id) == {}


def test_plan_missing_gives_old_escalations_their_clocks(ctx: Context, now: datetime) -> None:
    esc = posted(ctx)
    with ctx.db.transaction() as session:
        session.execute(sa.delete(DeadlineRow))
    assert plan_missing(ctx) == 1
    assert clocks(ctx, esc)["claim"].due_at == now + 30 * M
    assert plan_missing(ctx) == 0


def test_calendar_deadline_runs_once_per_occurrence(ctx: Context, now: datetime) -> None:
    runs: list[datetime] = []
    sent: list[str] = []

    def run(c: Context, session: object, due: datetime, at: datetime):  # type: ignore[no-untyped-def]
        runs.append(due)
        return lambda: sent.append("digest")

    register_calendar("cal:test_weekly", CalendarJob(
        run=run, next_due=lambda due, at: max(due + timedelta(days=7), at + M)))
    with ctx.db.transaction() as session:
        ensure_calendar(session, kind="cal:test_weekly", first_due=now + 60 * M, now=now)
        ensure_calendar(session, kind="cal:test_weekly", first_due=now + 99 * M, now=now)
    sweep(ctx, now + 59 * M)
    sweep(ctx, now + 61 * M)
    sweep(ctx, now + 62 * M)
    assert runs == [now + 60 * M] and sent == ["digest"]
    with ctx.db.read() as session:
        assert dl.get_deadline(session, key="cal:test_weekly").due_at == \
            now + 60 * M + timedelta(days=7)  # type: ignore[union-attr]


def test_sev_rca_not_owed_for_sev2(ctx: Context) -> None:
    assert ctx.policy.timers.policy(Severity.SEV2).rca is None
