"""Drafting from a thread as a command: the real database (SQLite and PostgreSQL) and an
in-memory Slack that holds the thread."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from benchmarks.drafter_corpus import load_corpus, replies
from commands import escalate, intake
from commands.context import Context
from commands.deliver import deliver_due
from commands.ports import ThreadUnreadable
from core.checklist import Step
from core.model import Domain
from storage import repository as repo
from storage import threads
from storage.database import Database
from tests.builders import good_answers
from tests.fakes import InMemorySlack

DOMAINS = {"auth": Domain("auth", "Authentication & SSO", "C0AUTH0001")}
CASE = next(c for c in load_corpus() if c.key.startswith("01_"))  # SSO, PII, a remark
PAGE = replies(CASE)
PARENT = PAGE["messages"][0]["ts"]


@pytest.fixture
def slack() -> InMemorySlack:
    fake = InMemorySlack()
    half = len(PAGE["messages"]) // 2  # two pages; Slack repeats the parent on each
    fake.threads[("C0SUPPORT", PARENT)] = [
        {"ok": True, "messages": PAGE["messages"][:half], "has_more": True,
         "response_metadata": {"next_cursor": "next"}},
        {"ok": True, "messages": [PAGE["messages"][0], *PAGE["messages"][half:]],
         "has_more": False}]
    return fake


@pytest.fixture
def ctx(db: Database, slack: InMemorySlack, now: datetime) -> Iterator[Context]:
    yield Context(db=db, slack=slack, domains=DOMAINS, clock=lambda: now, worker="test")


def test_the_draft_fills_the_modal_and_keeps_what_the_agent_typed(ctx: Context) -> None:
    escalate.record_step(ctx, key="V1", user="U0AGENT", step=Step.PROBLEM,
                         values={"customer": "ACME Corporation (EU)", "problem": ""})
    result = intake.draft_from_thread(ctx, key="V1", user="U0AGENT", channel="C0SUPPORT",
                                      thread_ts=PARENT)
    assert result.draft.message_count == len(PAGE["messages"])
    assert result.answers.customer == "ACME Corporation (EU)"  # typed: the agent wins
    assert "customer" not in result.filled
    assert result.answers.problem and "SSO" in result.answers.problem  # blank: drafted
    stored = escalate.draft(ctx, key="V1")
    assert stored == result.answers
    assert "jane.doe@acmecorp.com" not in repr(stored) and "piece of work" not in repr(stored)
    with ctx.db.transaction() as session:
        row = threads.get_thread_source(session, key="V1")
        assert row is not None and row.thread_ts == PARENT
        sources = threads.sources_of(row)
    assert "customer" not in sources
    assert sources["linked_tickets"][0] and set(sources["linked_tickets"][0]) <= {
        m["ts"] for m in PAGE["messages"]}


def test_an_unreadable_thread_stores_nothing(ctx: Context) -> None:
    with pytest.raises(ThreadUnreadable):
        intake.draft_from_thread(ctx, key="V2", user="U0AGENT", channel="G0PRIVATE",
                                 thread_ts="1.000001")
    assert escalate.draft(ctx, key="V2") == escalate.draft(ctx, key="never-used")
    with ctx.db.transaction() as session:
        assert threads.get_thread_source(session, key="V2") is None


def test_the_packet_gets_one_sources_reply_marking_edits(ctx: Context, slack: InMemorySlack,
                                                         now: datetime) -> None:
    result = intake.draft_from_thread(ctx, key="V3", user="U0AGENT", channel="C0SUPPORT",
                                      thread_ts=PARENT)
    good = good_answers(now)
    answers = result.answers
    for key in ("domain", "workflow", "asks", "case_owner", "first_reported_at", "severity",
                "workaround", "repro_steps", "expected", "actual"):
        setattr(answers, key, getattr(good, key))
    answers.problem = "SSO login returns HTTP 500 for every Acme Corp user since web 4.2.0"
    submitted = escalate.submit(ctx, key="V3", requester="U0AGENT", answers=answers)
    deliver_due(ctx, escalation_id=submitted.escalation_id)
    deliver_due(ctx, escalation_id=submitted.escalation_id)
    [(esc_id, items, link)] = slack.sources
    assert esc_id == submitted.escalation_id
    labels = [i.label for i in items]
    assert "Problem statement (edited by the agent)" in labels
    assert "Linked tickets" in labels and "Logs and data" in labels
    assert link and all(u.startswith(link.split("/p")[0]) for i in items for u in i.links)
    esc = escalate.load(ctx, submitted.escalation_id)
    assert esc is not None and esc.extra["thread_link"] == link
    with ctx.db.transaction() as session:
        kinds = [o.kind for o in repo.outbox_for(session, escalation_id=esc.id)]
    assert kinds.count("post_sources") == 1


def test_a_form_typed_by_hand_gets_no_sources_reply(ctx: Context, slack: InMemorySlack,
                                                    now: datetime) -> None:
    submitted = escalate.submit(ctx, key="V4", requester="U0AGENT", answers=good_answers(now))
    deliver_due(ctx, escalation_id=submitted.escalation_id)
    assert slack.sources == []
