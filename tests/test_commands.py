"""The commands against a real database (SQLite and PostgreSQL) and an in-memory Slack."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from commands import escalate
from commands.claim import claim
from commands.context import Context
from commands.deliver import deliver_due
from commands.ports import DeliveryError
from core.checklist import Step
from core.model import Domain, Level, State
from storage import repository as repo
from storage.database import Database
from tests.builders import good_answers
from tests.fakes import InMemorySlack

DOMAINS = {
    "auth": Domain("auth", "Authentication & SSO", "C0AUTH0001"),
    "billing": Domain("billing", "Billing", "C0BILL0001", specialists="S0BILLSPEC"),
}


class Clock:
    def __init__(self, start: datetime) -> None:
        self.at = start

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **kw: float) -> None:
        self.at += timedelta(**kw)


@pytest.fixture
def clock(now: datetime) -> Clock:
    return Clock(now)


@pytest.fixture
def slack() -> InMemorySlack:
    return InMemorySlack()


@pytest.fixture
def ctx(db: Database, slack: InMemorySlack, clock: Clock) -> Iterator[Context]:
    yield Context(db=db, slack=slack, domains=DOMAINS, clock=clock, worker="test")


def audit_kinds(ctx: Context, escalation_id: int) -> list[str]:
    with ctx.db.transaction() as session:
        return [e.kind for e in repo.audit_trail(session, escalation_id=escalation_id)]


def submit(ctx: Context, key: str = "V1", **changes: object) -> escalate.Submitted:
    return escalate.submit(ctx, key=key, requester="U0AGENT",
                           answers=good_answers(ctx.now(), **changes))


class TestSubmit:
    def test_stores_before_posting(self, ctx: Context, slack: InMemorySlack) -> None:
        """A submitted escalation is stored with its answers even before Slack is called."""
        result = submit(ctx)
        assert result.created and result.public_id == f"ESC-{result.escalation_id}"
        assert slack.messages == []
        esc = escalate.load(ctx, result.escalation_id)
        assert esc is not None and esc.state is State.OPEN and esc.message_ts is None
        assert esc.answers == good_answers(ctx.now())
        assert esc.decision.target is Level.L4  # SEV2 leap to L3, enterprise tier one more
        assert audit_kinds(ctx, result.escalation_id) == ["created"]

    def test_same_key_twice_is_one_escalation(self, ctx: Context) -> None:
        """A retried final submission returns the stored escalation instead of a second one."""
        first, second = submit(ctx), submit(ctx)
        assert first.escalation_id == second.escalation_id and not second.created

    def test_unready_answers_are_refused(self, ctx: Context) -> None:
        """An escalation without a blocker is not stored; the error names the field."""
        with pytest.raises(escalate.NotReady) as refused:
            submit(ctx, blocker=None)
        assert "blocker" in refused.value.errors

    def test_concurrent_submissions_store_once(self, ctx: Context) -> None:
        """Two replicas handling the same submission at once store one escalation."""
        results: list[escalate.Submitted] = []
        threads = [threading.Thread(target=lambda: results.append(submit(ctx)))
                   for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len({r.escalation_id for r in results}) == 1
        assert sum(r.created for r in results) == 1


class TestDrafts:
    def test_steps_merge_and_back_keeps_typing(self, ctx: Context) -> None:
        """Values of each step are kept as the agent moves between steps."""
        escalate.record_step(ctx, key="V9", user="U1", step=Step.PROBLEM,
                             values={"problem": "Export fails", "customer": "Acme"})
        escalate.record_step(ctx, key="V9", user="U1", step=Step.REPRODUCTION,
                             values={"expected": "A CSV file"})
        answers = escalate.draft(ctx, key="V9")
        assert (answers.problem, answers.customer, answers.expected) == \
            ("Export fails", "Acme", "A CSV file")

    def test_clearing_a_field_on_its_step_clears_it(self, ctx: Context) -> None:
        """A field emptied on its own step is emptied in the draft, others stay."""
        escalate.record_step(ctx, key="V9", user="U1", step=Step.PROBLEM,
                             values={"problem": "Export fails", "customer": "Acme"})
        answers = escalate.record_step(ctx, key="V9", user="U1", step=Step.PROBLEM,
                                       values={"problem": "Export fails"})
        assert answers.customer is None and answers.problem == "Export fails"


class TestRedactionBeforeStorage:
    def test_original_text_is_never_stored(self, ctx: Context) -> None:
        """PII typed into a field is redacted before the draft row is written."""
        recorded = escalate.record(ctx, key="V7", user="U1", step=Step.REPRODUCTION, values={
            "logs": "user jane@acme.com paid with 4111 1111 1111 1111", "region": "eu-west-1",
            "environment": "production"})
        assert recorded.answers.logs == "user [email] paid with [card ••••1111]"
        assert recorded.removed["logs"].summary() == \
            "2 items removed: an email address, a card number"
        assert set(recorded.removed) == {"logs"}
        with ctx.db.transaction() as session:
            row = repo.get_draft(session, key="V7")
            assert row is not None
            assert "jane@acme.com" not in row.answers and "4111" not in row.answers

    def test_allow_list_from_the_config_is_respected(self, ctx: Context) -> None:
        from core.redaction import AllowList
        ctx.redaction = AllowList(domains=frozenset({"ourco.com"}))
        answers = escalate.record_step(ctx, key="V8", user="U1", step=Step.PROBLEM, values={
            "background": "Reported by support@ourco.com for buyer@acme.com"})
        assert answers.background == "Reported by support@ourco.com for [email]"


class TestDelivery:
    def test_posts_once_and_notifies(self, ctx: Context, slack: InMemorySlack) -> None:
        """The packet lands in the domain channel once; the requester gets the link."""
        result = submit(ctx)
        deliver_due(ctx)
        deliver_due(ctx)
        assert [m.channel for m in slack.packets()] == ["C0AUTH0001"]
        esc = escalate.load(ctx, result.escalation_id)
        assert esc is not None and esc.message_ts == slack.packets()[0].ts
        assert esc.permalink and slack.dms["U0AGENT"] == [f"posted ESC-{esc.id} {esc.permalink}"]
        assert audit_kinds(ctx, esc.id) == ["created", "posted"]

    def test_failure_is_retried_later_and_audited(self, ctx: Context, slack: InMemorySlack,
                                                  clock: Clock) -> None:
        """A failed post stays owed, is audited, and lands after the backoff."""
        slack.fail("post_packet", DeliveryError("rate limited"), times=2)
        result = submit(ctx)
        deliver_due(ctx)
        deliver_due(ctx)  # not due yet: backoff
        assert slack.packets() == []
        clock.advance(seconds=6)
        deliver_due(ctx)
        clock.advance(seconds=11)
        deliver_due(ctx)
        assert len(slack.packets()) == 1
        kinds = audit_kinds(ctx, result.escalation_id)
        assert kinds == ["created", "post_failed", "post_failed", "posted"]

    def test_unknown_outcome_is_looked_up_not_reposted(self, ctx: Context, slack: InMemorySlack,
                                                       clock: Clock) -> None:
        """When Slack posted but the answer was lost, the retry finds the packet instead."""
        slack.lose_response_once = True
        result = submit(ctx)
        deliver_due(ctx)
        clock.advance(minutes=1)
        deliver_due(ctx)
        assert len(slack.packets()) == 1 and slack.lookups == 1
        esc = escalate.load(ctx, result.escalation_id)
        assert esc is not None and esc.message_ts == slack.packets()[0].ts

    def test_permanent_failure_tells_requester(self, ctx: Context, slack: InMemorySlack) -> None:
        """A channel the bot cannot post to is reported to the requester at once."""
        slack.fail("post_packet", DeliveryError("channel_not_found", retryable=False))
        submit(ctx)
        deliver_due(ctx)
        assert slack.dms["U0AGENT"][0].startswith("problem ESC-")
        assert "channel_not_found" in slack.dms["U0AGENT"][0]

    def test_two_workers_never_double_post(self, db: Database, slack: InMemorySlack,
                                           clock: Clock) -> None:
        """Two replicas sweeping the outbox at the same time post each packet once."""
        workers = [Context(db=db, slack=slack, domains=DOMAINS, clock=clock, worker=f"w{i}")
                   for i in range(2)]
        for i in range(5):
            submit(workers[0], key=f"V{i}")
        threads = [threading.Thread(target=deliver_due, args=(w,)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(m.escalation_id or 0 for m in slack.packets()) == \
            sorted({m.escalation_id or 0 for m in slack.packets()})
        assert len(slack.packets()) == 5


class TestClaim:
    def posted(self, ctx: Context, **changes: object) -> int:
        result = submit(ctx, **changes)
        deliver_due(ctx)
        return result.escalation_id

    def test_one_click_one_owner(self, ctx: Context, slack: InMemorySlack, clock: Clock) -> None:
        """The clicker owns the escalation, the packet and the requester are told."""
        esc_id = self.posted(ctx)
        clock.advance(minutes=12)
        result = claim(ctx, escalation_id=esc_id, user="U0SPEC")
        assert result.won and result.text == f"You own ESC-{esc_id} now. (12m after it was posted)"
        esc = escalate.load(ctx, esc_id)
        assert esc is not None and esc.owner == "U0SPEC" and esc.state is State.CLAIMED
        assert slack.packets()[0].owner == "U0SPEC"
        assert slack.dms["U0AGENT"][-1] == f"claimed ESC-{esc_id} by U0SPEC"
        with ctx.db.transaction() as session:
            claimed = [e for e in repo.audit_trail(session, escalation_id=esc_id)
                       if e.kind == "claimed"]
        assert claimed[0].actor == "U0SPEC" and json.loads(claimed[0].detail) == \
            {"time_to_claim_s": 720}

    def test_twenty_concurrent_clicks_make_one_owner(self, ctx: Context) -> None:
        """20 people clicking at once: exactly one owner, 19 told who has it."""
        esc_id = self.posted(ctx)
        barrier = threading.Barrier(20)
        results: dict[str, object] = {}

        def click(user: str) -> None:
            barrier.wait()
            results[user] = claim(ctx, escalation_id=esc_id, user=user)

        threads = [threading.Thread(target=click, args=(f"U{i:03d}",)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        winners = [u for u, r in results.items() if r.won]  # type: ignore[attr-defined]
        assert len(winners) == 1
        losers = [r.text for r in results.values() if not r.won]  # type: ignore[attr-defined]
        assert len(losers) == 19
        assert all(f"already claimed by <@{winners[0]}> at 12:00 UTC" in t for t in losers)
        assert audit_kinds(ctx, esc_id).count("claimed") == 1

    def test_double_click_by_owner(self, ctx: Context) -> None:
        """The owner clicking again is told they own it, nothing changes."""
        esc_id = self.posted(ctx)
        claim(ctx, escalation_id=esc_id, user="U0SPEC")
        again = claim(ctx, escalation_id=esc_id, user="U0SPEC")
        assert not again.won and again.text.startswith("You already own")

    def test_only_specialists_may_claim(self, ctx: Context, slack: InMemorySlack) -> None:
        """With a specialists group configured, others are refused and told why."""
        slack.groups["S0BILLSPEC"] = frozenset({"U0BILLER"})
        esc_id = self.posted(ctx, domain="billing")
        refused = claim(ctx, escalation_id=esc_id, user="U0RANDOM")
        assert not refused.won and "<!subteam^S0BILLSPEC>" in refused.text
        assert claim(ctx, escalation_id=esc_id, user="U0BILLER").won

    def test_cannot_claim_before_posted(self, ctx: Context) -> None:
        """An escalation whose packet is not posted yet cannot be claimed."""
        result = submit(ctx)
        refused = claim(ctx, escalation_id=result.escalation_id, user="U0SPEC")
        assert not refused.won and "still being posted" in refused.text
