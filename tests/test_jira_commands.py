"""Jira create / link / sync and Zendesk notes: the commands against a real database (SQLite
and PostgreSQL), the in-memory Slack, and the fake Jira and Zendesk over real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from bot.jira.client import JiraClient
from bot.jira.config import JiraConfig
from bot.zendesk import ZendeskClient
from commands import escalate, jira_sync
from commands import jira as jira_cmd
from commands.claim import claim
from commands.context import Context
from commands.deliver import deliver_due
from core.jira_sync import IssueSnapshot
from core.model import State
from storage import deadlines as dl
from storage import jira as store
from storage import repository as repo
from storage.database import Database
from tests.builders import good_answers
from tests.fakejira import FakeJira
from tests.fakes import InMemorySlack
from tests.fakezendesk import FakeZendesk
from tests.test_commands import DOMAINS, Clock

CONFIG = JiraConfig(base_url="http://unused", project_per_domain={"auth": "AUTH"},
                    severity_field="customfield_10042")


@pytest.fixture
def fake_jira() -> Iterator[FakeJira]:
    with FakeJira() as fake:
        fake.add_project("AUTH")
        yield fake
        assert fake.contract_violations == [], "\n".join(fake.contract_violations)


@pytest.fixture
def fake_zendesk() -> Iterator[FakeZendesk]:
    fake = FakeZendesk(tickets=(48213,)).start()
    yield fake
    fake.stop()
    assert fake.problems == []


@pytest.fixture
def clock(now: datetime) -> Clock:
    return Clock(now)


@pytest.fixture
def slack() -> InMemorySlack:
    return InMemorySlack()


@pytest.fixture
def ctx(db: Database, slack: InMemorySlack, clock: Clock, fake_jira: FakeJira,
        fake_zendesk: FakeZendesk) -> Iterator[Context]:
    client = JiraClient(fake_jira.url, fake_jira.email, fake_jira.token, timeout=5)
    context = Context(db=db, slack=slack, domains=DOMAINS, clock=clock, worker="test")
    context.extra["jira"] = jira_cmd.JiraSetup(
        port=client, settings_for=CONFIG.ticket_settings, status_map=CONFIG.statuses(),
        poll_interval=timedelta(seconds=60), bot_account=fake_jira.account_id)
    context.extra["zendesk"] = ZendeskClient(fake_zendesk.url, fake_zendesk.email,
                                             fake_zendesk.token)
    yield context
    client.close()


def claimed(ctx: Context, owner: str = "U0SPEC") -> int:
    """An escalation posted and claimed by ``owner``; returns its id."""
    result = escalate.submit(ctx, key="V1", requester="U0AGENT",
                             answers=good_answers(ctx.now()))
    deliver_due(ctx)
    assert claim(ctx, escalation_id=result.escalation_id, user=owner).won
    deliver_due(ctx)
    return result.escalation_id


def thread(slack: InMemorySlack, esc_id: int) -> list[str]:
    return [m.text for m in slack.messages if m.escalation_id == esc_id and m.thread_ts]


def audit(ctx: Context, esc_id: int) -> list[str]:
    with ctx.db.transaction() as session:
        return [e.kind for e in repo.audit_trail(session, escalation_id=esc_id)]


class TestCreate:
    def test_the_owner_creates_a_complete_issue(self, ctx: Context, fake_jira: FakeJira,
                                                slack: InMemorySlack) -> None:
        esc_id = claimed(ctx)
        outcome = jira_cmd.request_create(ctx, escalation_id=esc_id, user="U0SPEC")
        assert outcome.ok and "AUTH-1" in outcome.text
        issue = fake_jira.issues["AUTH-1"]
        assert issue.fields["summary"].startswith("[ESC-1] SEV2 SSO login fails")
        assert issue.fields["customfield_10042"] == {"value": "SEV2"}
        assert "escalation-esc-1" in issue.fields["labels"]
        assert issue.fields["description"]["type"] == "doc"
        # The remote link points back at the packet; the packet shows key, status, assignee.
        [link] = issue.remote_links.values()
        assert link["object"]["url"].startswith("https://fake.slack.test/archives/C0AUTH0001")
        [packet] = slack.packets()
        assert packet.jira["jira_key"] == "AUTH-1" and packet.jira["jira_status"] == "To Do"
        assert any(t.startswith("jira created AUTH-1") for t in thread(slack, esc_id))
        assert audit(ctx, esc_id)[-2:] == ["jira_create_requested", "jira_linked"]

    def test_a_second_click_or_a_race_creates_one_issue(self, ctx: Context,
                                                        fake_jira: FakeJira) -> None:
        esc_id = claimed(ctx)
        answers: list[str] = []
        threads = [threading.Thread(target=lambda: answers.append(jira_cmd.request_create(
            ctx, escalation_id=esc_id, user="U0SPEC").text)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        deliver_due(ctx)
        assert list(fake_jira.issues) == ["AUTH-1"]
        again = jira_cmd.request_create(ctx, escalation_id=esc_id, user="U0SPEC")
        assert not again.ok and "already linked to" in again.text and "AUTH-1" in again.text
        assert len(fake_jira.calls_to("create")) == 1

    def test_only_the_owner_or_a_lead(self, ctx: Context, fake_jira: FakeJira) -> None:
        esc_id = claimed(ctx)
        refused = jira_cmd.request_create(ctx, escalation_id=esc_id, user="U0OTHER")
        assert not refused.ok and "Only the owner (<@U0SPEC>) or a lead" in refused.text
        ctx.extra["leads"] = ("U0LEAD",)
        assert jira_cmd.request_create(ctx, escalation_id=esc_id, user="U0LEAD").ok
        assert fake_jira.issues

    def test_jira_down_then_back_loses_nothing(self, ctx: Context, fake_jira: FakeJira,
                                               clock: Clock) -> None:
        esc_id = claimed(ctx)
        fake_jira.down()
        outcome = jira_cmd.request_create(ctx, escalation_id=esc_id, user="U0SPEC")
        assert outcome.ok and "as soon as it does" in outcome.text
        for _ in range(3):
            clock.advance(minutes=10)
            deliver_due(ctx)
        assert fake_jira.issues == {}
        fake_jira.up()
        clock.advance(minutes=10)
        deliver_due(ctx)
        assert list(fake_jira.issues) == ["AUTH-1"]

    def test_a_create_that_landed_despite_a_500_is_not_repeated(
            self, ctx: Context, fake_jira: FakeJira, clock: Clock) -> None:
        esc_id = claimed(ctx)
        fake_jira.fail("create", status=500, times=3, apply=True)
        jira_cmd.request_create(ctx, escalation_id=esc_id, user="U0SPEC")
        assert list(fake_jira.issues) == ["AUTH-1"]  # Jira created it, the bot saw a 500
        clock.advance(minutes=1)
        deliver_due(ctx)
        assert list(fake_jira.issues) == ["AUTH-1"]  # found by its label, not created again
        with ctx.db.read() as session:
            link = store.get(session, escalation_id=esc_id)
        assert link is not None and link.issue_key == "AUTH-1"

    def test_a_rate_limit_waits_its_retry_after(self, ctx: Context, fake_jira: FakeJira,
                                                clock: Clock) -> None:
        esc_id = claimed(ctx)
        fake_jira.fail("create", status=429, retry_after=120)
        jira_cmd.request_create(ctx, escalation_id=esc_id, user="U0SPEC")
        clock.advance(seconds=60)
        deliver_due(ctx)
        assert fake_jira.issues == {} and len(fake_jira.calls_to("create")) == 1
        clock.advance(seconds=61)
        deliver_due(ctx)
        assert list(fake_jira.issues) == ["AUTH-1"]


class TestLink:
    def test_link_an_existing_issue(self, ctx: Context, fake_jira: FakeJira,
                                    slack: InMemorySlack) -> None:
        key = fake_jira.add_issue("AUTH", "SAML audience check too strict",
                                  status="In Progress")
        esc_id = claimed(ctx)
        outcome = jira_cmd.link_existing(ctx, escalation_id=esc_id, user="U0SPEC",
                                         key=key.lower())
        assert outcome.ok and key in outcome.text and "In Progress" in outcome.text
        [comment] = fake_jira.issues[key].comments
        assert "Linked to escalation ESC-1" in str(comment["body"])
        assert slack.packets()[0].jira["jira_status"] == "In Progress"
        assert fake_jira.calls_to("create") == []

    @pytest.mark.parametrize(("key", "needle"), [
        ("AUTH-404", "does not exist in Jira"),
        ("not a key", "is not a Jira issue key"),
    ])
    def test_a_bad_key_is_refused(self, ctx: Context, key: str, needle: str) -> None:
        esc_id = claimed(ctx)
        outcome = jira_cmd.link_existing(ctx, escalation_id=esc_id, user="U0SPEC", key=key)
        assert not outcome.ok and needle in outcome.text

    def test_one_issue_one_escalation(self, ctx: Context, fake_jira: FakeJira) -> None:
        key = fake_jira.add_issue("AUTH", "x")
        first = claimed(ctx)
        second = escalate.submit(ctx, key="V2", requester="U0AGENT",
                                 answers=good_answers(ctx.now())).escalation_id
        deliver_due(ctx)
        claim(ctx, escalation_id=second, user="U0SPEC")
        assert jira_cmd.link_existing(ctx, escalation_id=first, user="U0SPEC", key=key).ok
        refused = jira_cmd.link_existing(ctx, escalation_id=second, user="U0SPEC", key=key)
        assert not refused.ok and "already linked to ESC-1" in refused.text


def linked(ctx: Context, fake_jira: FakeJira) -> tuple[int, str]:
    esc_id = claimed(ctx)
    assert jira_cmd.request_create(ctx, escalation_id=esc_id, user="U0SPEC").ok
    return esc_id, "AUTH-1"


def state(ctx: Context, esc_id: int) -> State:
    esc = escalate.load(ctx, esc_id)
    assert esc is not None
    return esc.state


class TestSync:
    def test_done_in_jira_resolves_and_tells_the_requester(
            self, ctx: Context, fake_jira: FakeJira, slack: InMemorySlack,
            fake_zendesk: FakeZendesk) -> None:
        esc_id, key = linked(ctx, fake_jira)
        fake_jira.transition(key, "Done", fix_versions=["4.2.2"], assignee="Dana")
        applied = jira_sync.apply_snapshot(ctx, JiraClient(
            fake_jira.url, fake_jira.email, fake_jira.token).issue(key), source="webhook")
        assert applied is not None and applied.applied
        assert state(ctx, esc_id) is State.RESOLVED
        assert "resolved in jira ESC-1 AUTH-1 4.2.2" in slack.dms["U0AGENT"]
        assert any("jira status AUTH-1 Done resolved applied" in t
                   for t in thread(slack, esc_id))
        packet = slack.packets()[0]
        assert (packet.jira["jira_status"], packet.jira["jira_assignee"]) == ("Done", "Dana")
        # The Zendesk ticket got the handoff (on post) and the wrap-up, both private.
        notes = fake_zendesk.wait_for_notes(48213, 2)
        assert [n["public"] for n in notes] == [False, False]
        assert "Escalated to Tier 2 as ESC-1" in notes[0]["body"]
        assert "Fix version: 4.2.2" in notes[1]["body"] and "Draft reply" in notes[1]["body"]

    def test_the_same_change_twice_acts_once(self, ctx: Context, fake_jira: FakeJira,
                                             slack: InMemorySlack) -> None:
        esc_id, key = linked(ctx, fake_jira)
        done = IssueSnapshot(key, "Done", "done", fix_versions=("4.2.2",))
        assert jira_sync.apply_snapshot(ctx, done, source="webhook") is not None
        assert jira_sync.apply_snapshot(ctx, done, source="poll") is None
        assert len(slack.dms["U0AGENT"]) == 3  # posted, claimed, resolved: once
        assert audit(ctx, esc_id).count("jira_status") == 1

    def test_resolved_in_jira_is_a_resolution_like_any_other(
            self, ctx: Context, fake_jira: FakeJira, clock: Clock) -> None:
        esc_id, key = linked(ctx, fake_jira)
        with ctx.db.read() as session:
            running = {d.kind for d in dl.deadlines_for(session, escalation_id=esc_id)
                       if d.due_at is not None}
        assert running  # the claimed escalation's clocks are running
        clock.advance(minutes=3)
        done = IssueSnapshot(key, "Done", "done", fix_versions=("4.2.2",))
        assert jira_sync.apply_snapshot(ctx, done, source="webhook") is not None
        with ctx.db.read() as session:
            row = repo.get_escalation(session, escalation_id=esc_id)
            assert row is not None and row.state == State.RESOLVED.value
            assert row.resolved_at is not None
            assert row.resolved_at.replace(tzinfo=None) == clock().replace(tzinfo=None)
            assert row.next_update_due is None
            still = {d.kind for d in dl.deadlines_for(session, escalation_id=esc_id)
                     if d.due_at is not None}
            assert still <= {"rca"}, still  # no accept/update nudge for a resolved case
            events = [e for e in repo.audit_trail(session, escalation_id=esc_id)
                      if e.kind == "resolved"]
        assert len(events) == 1
        assert (events[0].actor, events[0].from_state, events[0].to_state) == (
            "jira:webhook", "claimed", "resolved")
        # The same webhook again, then the poll seeing the same snapshot: nothing more.
        assert jira_sync.apply_snapshot(ctx, done, source="webhook") is None
        assert jira_sync.apply_snapshot(ctx, done, source="poll") is None
        assert audit(ctx, esc_id).count("resolved") == 1
        assert audit(ctx, esc_id).count("jira_status") == 1
        # A change Jira made is not written back to Jira as a comment (no echo).
        comments = len(fake_jira.issues[key].comments)
        jira_sync.queue_write_backs(ctx)
        deliver_due(ctx)
        assert len(fake_jira.issues[key].comments) == comments
        # Reopened in Jira: back to the owner, resolved_at cleared, clocks running again.
        clock.advance(minutes=3)
        jira_sync.apply_snapshot(ctx, IssueSnapshot(key, "Reopened", "new"), source="webhook")
        with ctx.db.read() as session:
            row = repo.get_escalation(session, escalation_id=esc_id)
            assert row is not None and row.state == State.REOPENED.value
            assert row.resolved_at is None
            assert any(d.due_at is not None and d.kind != "rca"
                       for d in dl.deadlines_for(session, escalation_id=esc_id))
        assert audit(ctx, esc_id).count("reopened") == 1

    def test_the_bots_own_events_are_echoes(self, ctx: Context, fake_jira: FakeJira) -> None:
        esc_id, key = linked(ctx, fake_jira)
        done = IssueSnapshot(key, "Done", "done")
        assert jira_sync.apply_snapshot(ctx, done, source="webhook",
                                       by_account=fake_jira.account_id) is None
        assert state(ctx, esc_id) is State.CLAIMED

    def test_a_change_the_state_does_not_allow_is_noted_only(
            self, ctx: Context, fake_jira: FakeJira, slack: InMemorySlack) -> None:
        esc_id, key = linked(ctx, fake_jira)
        applied = jira_sync.apply_snapshot(ctx, IssueSnapshot(key, "Reopened", "new"),
                                          source="poll")
        assert applied is not None and not applied.applied
        assert state(ctx, esc_id) is State.CLAIMED
        assert any("Reopened reopened" in t and "applied" not in t
                   for t in thread(slack, esc_id))

    def test_polling_picks_up_changes_and_is_paced(self, ctx: Context, fake_jira: FakeJira,
                                                   clock: Clock) -> None:
        esc_id, key = linked(ctx, fake_jira)
        fake_jira.transition(key, "Done", fix_versions=["4.2.2"])
        assert jira_sync.poll(ctx) == 0  # synced at creation, less than an interval ago
        assert fake_jira.calls_to("search") == []
        clock.advance(seconds=61)
        assert jira_sync.poll(ctx) == 1
        assert state(ctx, esc_id) is State.RESOLVED
        assert jira_sync.poll(ctx) == 0 and len(fake_jira.calls_to("search")) == 1

    def test_a_failed_poll_is_recorded_and_retried(self, ctx: Context, fake_jira: FakeJira,
                                                   clock: Clock) -> None:
        esc_id, key = linked(ctx, fake_jira)
        fake_jira.transition(key, "Done")
        clock.advance(seconds=61)
        fake_jira.down()
        jira_sync.sweep(ctx)  # logs and counts, never raises out of the job
        with ctx.db.read() as session:
            row = store.get(session, escalation_id=esc_id)
            assert row is not None and row.sync_error and "503" in row.sync_error
        fake_jira.up()
        jira_sync.sweep(ctx)
        assert state(ctx, esc_id) is State.RESOLVED


class TestWriteBack:
    def test_owner_eta_severity_and_resolution_become_comments(
            self, ctx: Context, fake_jira: FakeJira, clock: Clock) -> None:
        esc_id, key = linked(ctx, fake_jira)
        with ctx.db.transaction() as session:
            repo.add_audit(session, escalation_id=esc_id, actor="U0SPEC",
                           kind="severity_changed", at=clock(), from_severity="SEV2",
                           to_severity="SEV1",
                           reason="Now every tenant on cluster 7 is affected")
            repo.add_audit(session, escalation_id=esc_id, actor="U0SPEC", kind="eta_set",
                           at=clock(), eta="2026-11-25 18:00 UTC")
            repo.add_audit(session, escalation_id=esc_id, actor="jira:webhook",
                           kind="resolved", at=clock())
            repo.add_audit(session, escalation_id=esc_id, actor="U0SPEC",
                           kind="update_posted", at=clock())
        for _ in range(2):  # every replica's sweep may run it: each event is one comment
            jira_sync.queue_write_backs(ctx)
            deliver_due(ctx)
        bodies = [str(c["body"]) for c in fake_jira.issues[key].comments]
        assert len(bodies) == 2, bodies
        assert "severity changed by Slack user U0SPEC: SEV2 → SEV1" in bodies[0]
        assert "fix ETA set by Slack user U0SPEC: 2026-11-25 18:00 UTC" in bodies[1]
        clock.advance(minutes=5)
        jira_sync.queue_write_backs(ctx)
        deliver_due(ctx)
        assert len(fake_jira.issues[key].comments) == 2
