"""The Markdown export: seed 003's deliverables, linted by a real Markdown linter, and an
Incident Timeline Table whose rows are exactly the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from pymarkdown.api import PyMarkdownApi

from commands import export, feedback, levels, ownership, resolution
from commands.context import Context
from core.export import md
from core.forms import NeedsInfoInput, ReassignInput, SeverityInput
from core.model import Severity
from storage import repository as repo
from storage.database import Database
from tests.fakes import InMemorySlack
from tests.loop_helpers import NEWBIE, OWNER, REPRO, RESOLVE, UPDATE, Clock, claimed, make_ctx


@pytest.fixture
def ctx(db: Database, now: datetime) -> Iterator[Context]:
    yield make_ctx(db, InMemorySlack(), Clock(now))


def lint(document: str) -> list[str]:
    """pymarkdownlnt's failures; only the line-length rule is off (tables are long)."""
    result = PyMarkdownApi().disable_rule_by_identifier("md013").scan_string(document)
    return [f"{f.line_number}: {f.rule_id} {f.rule_description} {f.extra_error_information}"
            for f in result.scan_failures]


def table_rows(document: str) -> list[list[str]]:
    section = document.split("## Incident Timeline\n", 1)[1].split("\n## ", 1)[0]
    lines = [ln for ln in section.splitlines() if ln.startswith("| ")][2:]
    return [[c.strip() for c in ln.strip("|").split(" | ")] for ln in lines]


def worked(ctx: Context) -> int:
    clock = ctx.clock
    assert isinstance(clock, Clock)
    esc_id = claimed(ctx)
    feedback.accept(ctx, escalation_id=esc_id, user=OWNER)
    feedback.post_update(ctx, escalation_id=esc_id, user=OWNER, form=UPDATE)
    feedback.needs_info(ctx, escalation_id=esc_id, user=OWNER, form=NeedsInfoInput(
        "Which IdP metadata URL does Acme use | and when was it *changed*?"))
    from core.forms import AnswerInput

    feedback.answer_info(ctx, escalation_id=esc_id, user="U0AGENT", form=AnswerInput(
        "https://acme.okta.example/metadata — rotated Friday, see <ticket> #4"))
    levels.change_severity(ctx, escalation_id=esc_id, user=OWNER, form=SeverityInput(
        Severity.SEV1, "Every Acme user is locked out, including admins"))
    feedback.reproduced(ctx, escalation_id=esc_id, user=OWNER, form=REPRO)
    from core.forms import EtaInput

    feedback.set_eta(ctx, escalation_id=esc_id, user=OWNER,
                     form=EtaInput(clock.at + timedelta(hours=4)))
    ownership.reassign(ctx, escalation_id=esc_id, user=OWNER, form=ReassignInput(
        NEWBIE, "Reproduced on staging; next: ship the case-insensitive URN compare"))
    ownership.accept_handoff(ctx, escalation_id=esc_id, user=NEWBIE)
    clock.advance(hours=3)
    feedback.post_update(ctx, escalation_id=esc_id, user=NEWBIE, form=UPDATE)
    resolution.resolve(ctx, escalation_id=esc_id, user=NEWBIE, form=RESOLVE)
    return esc_id


class TestExport:
    def test_passes_the_markdown_linter(self, ctx: Context) -> None:
        document = export.markdown(ctx, worked(ctx))
        assert document is not None
        assert lint(document) == []

    def test_has_seed_003s_deliverables(self, ctx: Context) -> None:
        esc_id = worked(ctx)
        document = export.markdown(ctx, esc_id)
        assert document is not None
        for heading in ("## Incident Timeline", "## Reproduction Recipe", "## Handoff Packet",
                        "## Status Update Drafts", "## Resolution"):
            assert heading in document
        assert "- [ ] Env: `production` build web 4.2.1 (a1b2c3d)" in document
        assert "- [x] Reproduced by @U0OWNER" in document
        assert "- **Next Update Due:**" in document
        assert document.count("- **Audience:** customers") == 2
        assert "**Root cause:** The strict audience check" in document
        # The internal note of the update never reaches the customer drafts.
        assert "ip-10-0-3-17" not in document.split("## Status Update Drafts")[1]

    def test_timeline_rows_equal_the_audit_trail(self, ctx: Context) -> None:
        """Detection (first report) first, then exactly one row per audit event, in order."""
        esc_id = worked(ctx)
        document = export.markdown(ctx, esc_id)
        assert document is not None
        rows = table_rows(document)
        with ctx.db.read() as session:
            trail = repo.audit_trail(session, escalation_id=esc_id)
        assert rows[0][0] == "Detection"
        assert len(rows) == 1 + len(trail)
        for row, event in zip(rows[1:], trail, strict=True):
            assert row[1] == event.at.strftime("%Y-%m-%dT%H:%MZ")
            assert row[2] == (f"@{event.actor}" if event.actor != "bot" else "bot")
        milestones = [r[0] for r in rows]
        for expected in ("Triage", "Claim", "Acceptance", "Severity change", "Mitigation / ETA",
                         "Handoff", "Resolution"):
            assert expected in milestones

    def test_user_text_cannot_break_the_table(self) -> None:
        assert md("a | b <x> *y* #z") == r"a \| b \<x\> \*y\* \#z"
        assert md("see https://x.example/a_b.") == "see <https://x.example/a_b>."

    def test_unknown_escalation(self, ctx: Context) -> None:
        assert export.markdown(ctx, 4242) is None


class TestPeopleByName:
    """A Markdown file cannot show a Slack mention: people are @names from the bot's cache."""

    def test_cached_names_escaped_else_the_id(self, ctx: Context) -> None:
        from storage import names as store

        esc_id = worked(ctx)
        with ctx.db.transaction() as s:
            store.save(s, user=OWNER, name="Dana | *Scully* <!channel>", now=ctx.now())
            store.save(s, user=NEWBIE, name="Fox Mulder", now=ctx.now())
        document = export.markdown(ctx, esc_id)
        assert document is not None and lint(document) == []
        dana = r"@Dana \| \*Scully\* \<!channel\>"
        rows = table_rows(document)
        assert all(len(r) == 4 for r in rows)  # a name's "|" adds no cell
        claim = next(r for r in rows if r[0] == "Claim")
        assert claim[2] == dana
        assert f"- [x] Reproduced by {dana}" in document
        handoff = next(r for r in rows if r[0] == "Handoff")
        assert "@Fox Mulder" in handoff[3]  # a mention in a timeline line
        assert "@U0OWNER" not in document and "@U0NEWBIE" not in document
        assert "@U0AGENT" in document  # the requester: no name cached, the id

    def test_dm_export_asks_slack_first_the_cli_does_not(self, db: Database,
                                                         now: datetime) -> None:
        slack = InMemorySlack(names={OWNER: "Dana Scully", NEWBIE: "Fox Mulder",
                                     "U0AGENT": "Agent Smith"})
        ctx = make_ctx(db, slack, Clock(now))
        esc_id = worked(ctx)
        cached_only = export.markdown(ctx, esc_id)  # the CLI's path: no Slack
        assert cached_only is not None and "@U0AGENT" in cached_only
        assert slack.name_lookups == []
        document = export.markdown(ctx, esc_id, ask_slack=True)  # the DM, from the outbox
        assert document is not None
        assert "@Agent Smith" in document and "@Dana Scully" in document
        assert {OWNER, NEWBIE, "U0AGENT"} <= set(slack.name_lookups)
