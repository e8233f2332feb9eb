"""The loop's thread lines, status updates, wrap-ups and DMs: valid Block Kit, safe text."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bot.render import loop as render
from core.customer_safe import build_draft
from core.model import Severity, State
from core.progress import StatusUpdate, wrap_up
from core.timeline import Event, Notice, SeveritySuggestion, entry
from core.workflow import Action
from tests.render.test_renderers import escalation, message_args
from tests.slack_contracts import check_message

LONG = "x" * 5000


def update(now: datetime, text: str = "Sign-in fails for all users since Monday.") -> StatusUpdate:
    draft = build_draft(known=text, unknown=text, next_steps=text, customer_action=text,
                        next_update=now + timedelta(hours=2))
    return StatusUpdate(id=1, at=now, author="U0OWNER", known=text, unknown=text,
                        next_steps=text, next_update_at=now + timedelta(hours=2),
                        customer_action=text, internal_note=text, draft=draft)


@pytest.mark.parametrize("quote", ["<!channel> see <https://x|y> & @here", LONG])
def test_timeline_line_escapes_user_words(now: datetime, quote: str) -> None:
    esc = escalation(now)
    line = entry(Event(id=1, at=now, actor="U0OWNER", kind="info_requested",
                       from_state=State.ACCEPTED, to_state=State.NEEDS_INFO,
                       details={"question": quote}))
    message = render.timeline_line(esc, line)
    check_message(message_args(message))
    body = message.blocks[0].to_dict()["text"]["text"]
    assert "<!channel>" not in body and "<https://x|y>" not in body
    assert body.startswith("`2026-11-23 12:00 UTC` <@U0OWNER> asked the requester")


@pytest.mark.parametrize("text", ["Sign-in fails for all users since Monday.", LONG])
def test_status_update_with_draft(now: datetime, text: str) -> None:
    message = render.status_update(escalation(now), update(now, text))
    check_message(message_args(message))
    rendered = str([b.to_dict() for b in message.blocks])
    assert "Customer-safe draft" in rendered and "Next update: 2026-11-23 14:00 UTC" in rendered


def test_wrap_up(now: datetime) -> None:
    wrap = wrap_up(escalated_at=now, posted_at=now, claimed_at=now + timedelta(minutes=5),
                   accepted_at=now + timedelta(minutes=9), resolved_at=now + timedelta(hours=5),
                   updates=3, root_cause=LONG, fix_version="4.2.2", l1_takeaway="Check URNs",
                   kb_warranted=True)
    message = render.wrap_up(escalation(now), wrap)
    check_message(message_args(message))
    facts = message.blocks[1].to_dict()["fields"]
    assert [f["text"] for f in facts] == ["*Escalation → resolution*\n5h", "*Time to claim*\n5m",
                                          "*Time to accept*\n4m", "*Status updates*\n3"]


@pytest.mark.parametrize("actions", [(), (Action.ANSWER_INFO,), (Action.VERIFY, Action.REOPEN),
                                     (Action.ACCEPT_HANDOFF, Action.DECLINE_HANDOFF)])
def test_dms_carry_their_buttons(now: datetime, actions: tuple[Action, ...]) -> None:
    esc = escalation(now, permalink="https://example.slack.com/archives/C1/p1")
    line = entry(Event(id=1, at=now, actor="U0OWNER", kind="resolved",
                       details={"category_label": "Code fix", "root_cause": LONG}))
    message = render.dm(esc, Notice(to="U0AGENT", entry=line, actions=actions))
    check_message(message_args(message))
    ids = [e["action_id"] for b in message.blocks[1:] for e in b.to_dict()["elements"]]
    assert ids == [render.action_id(a) for a in actions]


def test_suggestion_and_rating(now: datetime) -> None:
    esc = replace(escalation(now), answers=replace(escalation(now).answers,
                                                   severity=Severity.SEV3))
    suggestion = render.severity_suggestion(esc, SeveritySuggestion(
        Severity.SEV2, "merged duplicates bring the impact to 1,100 users", "U0OWNER"))
    check_message(message_args(suggestion))
    assert "from SEV3 to SEV2" in suggestion.text
    rating = render.rating_question(esc)
    check_message(message_args(rating))
    ids = [e["action_id"] for e in rating.blocks[1].to_dict()["elements"]]
    assert len(set(ids)) == 3


def test_leads_notice(now: datetime) -> None:
    line = entry(Event(id=1, at=now, actor="U0OWNER", kind="level_changed",
                       details={"from_level": "L3", "to_level": "L4", "reason": LONG}))
    check_message(message_args(render.leads_notice(escalation(now), line)))
