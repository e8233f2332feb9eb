"""What the modal says about a draft from a thread."""

from __future__ import annotations

from dataclasses import replace

from bot.render import drafting
from bot.render.modal import step_view
from commands.intake import Drafted
from core.checklist import Step
from core.drafting.model import Draft, Hint, Item
from core.model import Answers, Domain
from tests.slack_contracts import check_view

DRAFT = Draft(items={"customer": Item("Acme", ("1.1",)), "severity": Item("SEV2", ("1.1",)),
                     "tried": Item("• Tried X: same 500", ("2.1",))},
              message_count=14, thread_ts="1.1", severity_reason="Major degradation: 1,200 "
              "users affected.", redacted="2 items removed: an email address, a card number",
              remarks_dropped=1, duplicate=Hint("Known issue MOB-884: link it", ("3.1",)))


def test_the_modal_says_what_was_drafted_removed_and_suggested() -> None:
    text = drafting.drafted(Drafted(Answers(), DRAFT, ("customer", "severity", "tried"), None))
    assert "Drafted from 14 messages* (rules drafter): 3 items filled" in text
    assert "redacted 2 items removed: an email address, a card number" in text
    assert "dropped 1 remark" in text
    assert "Possible duplicate.* Known issue MOB-884" in text
    assert "Suggested SEV2: Major degradation" in text
    assert "next steps: What was tried" in text
    view = step_view(Step.PROBLEM, Answers(customer="Acme"), domains=[Domain("a", "A", "C1")],
                     requester="U1", channel="C1", notice=text).to_dict()
    check_view(view)


def test_the_modal_says_when_the_llm_fell_back() -> None:
    fell_back = replace(DRAFT, notes=("The LLM drafter timed out after 20 s; this draft is "
                                      "from the rules drafter instead.",))
    text = drafting.drafted(Drafted(Answers(), fell_back, ("customer",), None))
    assert ":warning: The LLM drafter timed out after 20 s" in text


def test_while_drafting_and_when_the_thread_cannot_be_read() -> None:
    assert "Drafting from 14 messages…" in drafting.drafting(14)
    assert "Drafting from the thread…" in drafting.drafting(None)
    text = drafting.unreadable("G0PRIV", "channel_not_found")
    assert "private channel the bot is not in" in text and "/invite @escalation-bot" in text
