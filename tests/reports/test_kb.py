"""The knowledge loop: a KB draft on resolve, reviewed by the L1 agent, exported when approved."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from commands import feedback, kb, resolution
from commands.context import Context
from commands.deliver import deliver_due
from core import kb as rules
from core.forms import AcceptInput, ResolutionCategory
from storage.database import Database
from tests.builders import good_answers
from tests.fakes import InMemorySlack
from tests.loop_helpers import LEAD, OWNER, REQUESTER, RESOLVE, Clock, claimed, make_ctx
from tests.markdown_lint import lint


@pytest.fixture
def clock(now: datetime) -> Clock:
    return Clock(now)


@pytest.fixture
def slack() -> InMemorySlack:
    return InMemorySlack()


@pytest.fixture
def ctx(db: Database, slack: InMemorySlack, clock: Clock) -> Iterator[Context]:
    ctx = make_ctx(db, slack, clock)
    ctx.extra["kb_channel"] = "C0KBREVIEW"
    yield ctx


def resolve(ctx: Context, key: str = "V1", **form: object) -> int:
    esc_id = claimed(ctx, key)
    assert feedback.accept(ctx, escalation_id=esc_id, user=OWNER, form=AcceptInput()).ok
    outcome = resolution.resolve(ctx, escalation_id=esc_id, user=OWNER,
                                 form=replace(RESOLVE, **form))  # type: ignore[arg-type]
    assert outcome.ok, outcome.text
    deliver_due(ctx)
    return esc_id


class TestDraft:
    def test_draft_has_every_part_and_no_customer_details(self, now: datetime) -> None:
        answers = good_answers(now)
        article = rules.draft(answers, rules.ResolutionFacts(
            "known_issue", "Strict audience check compares URNs case-sensitively", None,
            "Acme signed in after the flag change", "Check the IdP audience URN first"),
            domain="auth", escalation_id=42, now=now)
        assert article.title.startswith("SSO login fails with HTTP 500")
        assert "HTTP 500 on /saml/acs" in article.symptoms
        assert "audience mismatch" in article.symptoms  # the key error line
        assert "web 4.2.1" in article.applies_to and "production" in article.applies_to
        assert article.cause.startswith("Strict audience")
        assert article.resolution.startswith("Known issue.")
        assert article.before_escalating == "Check the IdP audience URN first"
        text = " ".join(str(v) for v in vars(article).values())
        assert "48213" not in text and "U0AGENT" not in text

    def test_markdown_with_front_matter_lints_clean(self, now: datetime) -> None:
        article = replace(rules.draft(good_answers(now), rules.ResolutionFacts(
            "user_error", "Wrong IdP URL", None, None, "Check the IdP URL"), domain="auth",
            escalation_id=7, now=now), id=3)
        text = rules.to_markdown(article, public_ids=["ESC-7"])
        assert text.startswith('---\ntitle: "SSO login fails')
        assert 'source_escalations: ["ESC-7"]' in text and 'domain: "auth"' in text
        assert lint(text.split("---\n", 2)[2]) == []

    @pytest.mark.parametrize(("category", "warranted", "expected"), [
        ("known_issue", False, True), ("documentation_gap", False, True),
        ("user_error", False, True), ("configuration_change", False, True),
        ("code_fix", False, False), ("code_fix", True, True), ("wont_fix", False, False),
    ])
    def test_which_resolutions_draft_an_article(self, category: str, warranted: bool,
                                                expected: bool) -> None:
        assert rules.warranted(category, warranted) is expected


class TestKnowledgeLoop:
    def test_resolve_drafts_once_and_sends_it_to_the_agent_and_channel(
            self, ctx: Context, slack: InMemorySlack) -> None:
        resolve(ctx)
        recipients = [to for to, _ in slack.kb_drafts]
        assert recipients == [REQUESTER, "C0KBREVIEW"]
        article = slack.kb_drafts[0][1]
        assert article.status == "draft" and article.before_escalating.startswith(
            "Check the audience URN")

    def test_no_draft_for_a_plain_code_fix(self, ctx: Context, slack: InMemorySlack) -> None:
        resolve(ctx, kb_warranted=False, category=ResolutionCategory.CODE_FIX)
        assert slack.kb_drafts == []

    def test_known_issue_drafts_without_the_box_ticked(self, ctx: Context,
                                                       slack: InMemorySlack) -> None:
        resolve(ctx, kb_warranted=False, category=ResolutionCategory.KNOWN_ISSUE,
                fix_version=None)
        assert len(slack.kb_drafts) == 2

    def test_approve_once_by_the_agent_then_export(self, ctx: Context, slack: InMemorySlack,
                                                   tmp_path: Path) -> None:
        esc_id = resolve(ctx)
        article_id = slack.kb_drafts[0][1].id
        assert article_id is not None
        stranger = kb.decide(ctx, article_id=article_id, user="U0STRANGER", approve=True)
        assert not stranger.ok and "agent who escalated" in stranger.text
        assert kb.decide(ctx, article_id=article_id, user=REQUESTER, approve=True).ok
        again = kb.decide(ctx, article_id=article_id, user=LEAD, approve=False)
        assert not again.ok and "approved already" in again.text
        [path] = kb.export(ctx, tmp_path / "kb")
        text = path.read_text()
        assert f'source_escalations: ["ESC-{esc_id}"]' in text
        assert "## Before you escalate, check" in text

    def test_edit_then_discard_and_nothing_is_exported(self, ctx: Context,
                                                       slack: InMemorySlack,
                                                       tmp_path: Path) -> None:
        resolve(ctx)
        article = slack.kb_drafts[0][1]
        assert article.id is not None
        values = {k: str(getattr(article, k)) for k in rules.EditForm.FIELDS}
        assert kb.save_edit(ctx, article_id=article.id, user=REQUESTER,
                            values={**values, "cause": ""}) == {
            "cause": "Required: readers need this part."}
        assert kb.save_edit(ctx, article_id=article.id, user=REQUESTER,
                            values={**values, "title": "SAML 500 after 4.2"}) == {}
        edited = kb.load(ctx, article.id)
        assert edited is not None and edited.title == "SAML 500 after 4.2"
        assert kb.decide(ctx, article_id=article.id, user=LEAD, approve=False).ok
        assert kb.export(ctx, tmp_path / "kb") == []
