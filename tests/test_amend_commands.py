"""SEV1 fast lane and Add details against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from commands import amend, escalate
from commands.context import Context
from commands.deliver import deliver_due
from core.checklist import Step, missing_items
from core.codec import answers_to_dict
from core.model import Answers, Domain, Severity
from storage import repository as repo
from storage.database import Database
from tests.builders import good_answers
from tests.fakes import InMemorySlack

DOMAINS = {"auth": Domain("auth", "Authentication & SSO", "C0AUTH0001",
                          specialists="S0AUTHSPEC", incident_commander="U0IC")}
STEP1 = ("problem", "background", "domain", "severity", "customer", "tier", "affected_users",
         "first_reported_at", "signals")


@pytest.fixture
def ctx(db: Database, now: datetime) -> Iterator[Context]:
    yield Context(db=db, slack=InMemorySlack(), domains=DOMAINS, clock=lambda: now,
                  worker="test")


def step_one(now: datetime) -> Answers:
    full = good_answers(now, severity=Severity.SEV1)
    return Answers(**{k: getattr(full, k) for k in STEP1}, case_owner="U0AGENT")


def audit_kinds(ctx: Context, escalation_id: int) -> list[str]:
    with ctx.db.transaction() as session:
        return [e.kind for e in repo.audit_trail(session, escalation_id=escalation_id)]


def values_of(answers: Answers, step: Step) -> dict[str, str]:
    from core.checklist import fields_of
    keys = {f.key for f in fields_of(step)}
    return {k: v for k, v in answers_to_dict(answers).items() if k in keys}


class TestFastLane:
    def test_page_now_posts_after_step_one_and_completes_in_place(
            self, ctx: Context, now: datetime) -> None:
        """SEV1 posts after step 1, marked incomplete; later steps update it; the final step
        completes the same escalation (one escalation, one packet)."""
        slack = ctx.slack
        assert isinstance(slack, InMemorySlack)
        key = "V1"
        escalate.record(ctx, key=key, user="U0AGENT", step=Step.PROBLEM,
                        values=answers_to_dict(step_one(now)))
        paged = escalate.submit(ctx, key=key, requester="U0AGENT", answers=step_one(now),
                                fast_lane=True)
        assert paged.created
        deliver_due(ctx)
        assert len(slack.packets("C0AUTH0001")) == 1
        esc = escalate.load(ctx, paged.escalation_id)
        assert esc is not None
        assert "Reproduction steps" in missing_items(esc.answers, now=esc.created_at)
        assert escalate.draft(ctx, key=key).problem  # the draft is kept for the other steps

        full = good_answers(now, severity=Severity.SEV1, case_owner="U0AGENT")
        draft = escalate.record_step(ctx, key=key, user="U0AGENT", step=Step.REPRODUCTION,
                                     values=values_of(full, Step.REPRODUCTION))
        assert amend.save_step(ctx, key=key, user="U0AGENT", step=Step.REPRODUCTION,
                                answers=draft) == paged.escalation_id
        esc = escalate.load(ctx, paged.escalation_id)
        assert esc is not None and esc.answers.repro_steps == full.repro_steps
        missing = missing_items(esc.answers, now=esc.created_at)
        assert "Reproduction steps" not in missing and "Blocker: why support cannot resolve it" \
            in missing

        draft = escalate.record_step(ctx, key=key, user="U0AGENT", step=Step.HANDOFF,
                                     values=values_of(full, Step.HANDOFF))
        done = escalate.submit(ctx, key=key, requester="U0AGENT", answers=draft)
        assert done.completed and done.escalation_id == paged.escalation_id
        esc = escalate.load(ctx, paged.escalation_id)
        assert esc is not None and missing_items(esc.answers, now=esc.created_at) == []
        assert audit_kinds(ctx, paged.escalation_id) == [
            "created", "posted", "step_saved", "completed"]
        deliver_due(ctx)
        assert len(slack.packets("C0AUTH0001")) == 1  # updated in place, never reposted
        # A retried final submission changes nothing.
        again = escalate.submit(ctx, key=key, requester="U0AGENT", answers=draft)
        assert not again.completed and not again.created

    def test_page_now_is_for_sev1_only(self, ctx: Context, now: datetime) -> None:
        answers = step_one(now)
        answers.severity = Severity.SEV2
        with pytest.raises(escalate.NotReady) as refused:
            escalate.submit(ctx, key="V2", requester="U0AGENT", answers=answers, fast_lane=True)
        assert "SEV1 only" in refused.value.errors["severity"]

    def test_page_now_needs_a_ready_step_one(self, ctx: Context, now: datetime) -> None:
        answers = step_one(now)
        answers.background = "customer is a nightmare"
        with pytest.raises(escalate.NotReady) as refused:
            escalate.submit(ctx, key="V3", requester="U0AGENT", answers=answers, fast_lane=True)
        assert "background" in refused.value.errors


class TestAddDetails:
    def posted(self, ctx: Context) -> int:
        result = escalate.submit(ctx, key="V9", requester="U0AGENT",
                                 answers=good_answers(ctx.now(), case_owner="U0OWNER"))
        deliver_due(ctx)
        return result.escalation_id

    def test_requester_adds_details_packet_and_thread_follow(self, ctx: Context) -> None:
        slack = ctx.slack
        assert isinstance(slack, InMemorySlack)
        esc_id = self.posted(ctx)
        outcome = amend.add_details(ctx, escalation_id=esc_id, user="U0AGENT", values={
            "logs": "10:05Z ERROR saml.acs: audience mismatch for tenant 48213",
            "tried": "Re-uploaded the IdP metadata: same 500. Rolled back the flag on staging: "
                     "login works there."}, request_key="V100:h1")
        assert outcome.ok and set(outcome.changed) == {"Logs and data",
                                                       "What was tried, and why each failed"}
        deliver_due(ctx)
        esc = escalate.load(ctx, esc_id)
        assert esc is not None and esc.answers.logs and "tenant 48213" in esc.answers.logs
        # Untouched answers stay as they were.
        assert esc.answers.blocker == good_answers(ctx.now()).blocker
        replies = [m.text for m in slack.messages if m.thread_ts is not None]
        assert any("details added: Logs and data" in r for r in replies)
        assert "details_added" in audit_kinds(ctx, esc_id)
        # The same request again (a Slack retry) adds nothing.
        again = amend.add_details(ctx, escalation_id=esc_id, user="U0AGENT", values={
            "logs": "10:05Z ERROR saml.acs: audience mismatch for tenant 48213"},
            request_key="V100:h1")
        assert again.ok
        assert audit_kinds(ctx, esc_id).count("details_added") == 1

    def test_details_for_an_escalation_that_does_not_exist(self, ctx: Context) -> None:
        self.posted(ctx)
        outcome = amend.add_details(ctx, escalation_id=999, user="U0AGENT",
                                    values={"region": "eu-west-1"}, request_key="x")
        assert not outcome.ok and outcome.text == "ESC-999 does not exist."
        with ctx.db.read() as session:
            assert repo.get_escalation(session, escalation_id=999) is None

    def test_case_owner_may_others_may_not(self, ctx: Context) -> None:
        esc_id = self.posted(ctx)
        ok = amend.add_details(ctx, escalation_id=esc_id, user="U0OWNER",
                                values={"region": "eu-west-1 / cluster-9"}, request_key="a")
        assert ok.ok
        refused = amend.add_details(ctx, escalation_id=esc_id, user="U0STRANGER",
                                     values={"region": "us-east-1"}, request_key="b")
        assert not refused.ok and "Only the requester <@U0AGENT>" in refused.text
        esc = escalate.load(ctx, esc_id)
        assert esc is not None and esc.answers.region == "eu-west-1 / cluster-9"

    def test_guardrails_and_redaction_apply(self, ctx: Context) -> None:
        esc_id = self.posted(ctx)
        tone = amend.add_details(ctx, escalation_id=esc_id, user="U0AGENT", values={
            "posture": "Their admin is a real piece of work."}, request_key="c")
        assert not tone.ok and "posture" in tone.errors
        pii = amend.add_details(ctx, escalation_id=esc_id, user="U0AGENT", values={
            "logs": "failed for jane@acme.com"}, request_key="d")
        assert not pii.ok and pii.removed["logs"].summary() == "1 item removed: an email address"
        assert pii.values["logs"] == "failed for [email]"
        esc = escalate.load(ctx, esc_id)
        assert esc is not None and "jane@acme.com" not in (esc.answers.logs or "")
        assert "details_added" not in audit_kinds(ctx, esc_id)

    def test_files_are_added_to_earlier_ones(self, ctx: Context) -> None:
        esc_id = self.posted(ctx)
        for n, name in enumerate(("a.png", "b.mp4")):
            amend.add_details(ctx, escalation_id=esc_id, user="U0AGENT", values={
                "evidence_files": f"{name}\thttps://acme.slack.com/files/U0AGENT/F{n}/{name}"},
                request_key=f"f{n}")
        esc = escalate.load(ctx, esc_id)
        assert esc is not None
        assert (esc.answers.evidence_files or "").count("https://") == 2
