"""The KB draft message and its Edit modal: valid Block Kit, user text defused."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

from bot.render.kb import APPROVE, DISCARD, EDIT, draft_message, edit_view
from core import kb as rules
from core.model import Domain, Escalation, Level, LevelDecision, State
from tests.builders import good_answers
from tests.slack_contracts import check_message, check_view


def article(now: datetime) -> rules.Article:
    return replace(rules.draft(good_answers(now, actual="<!channel> blank page after login"),
                               rules.ResolutionFacts("known_issue", "Cert rotation", None, None,
                                                     "Check the cert date"),
                               domain="auth", escalation_id=42, now=now), id=9)


def escalation(now: datetime) -> Escalation:
    return Escalation(id=42, answers=good_answers(now), requester="U0AGENT",
                      domain=Domain("auth", "Auth", "C0AUTH0001"),
                      decision=LevelDecision(Level.L3, False, "why"), state=State.RESOLVED,
                      created_at=now)


def test_draft_message_is_valid_and_offers_the_three_choices(now: datetime) -> None:
    text, blocks = draft_message(escalation(now), article(now))
    check_message({"channel": "U0AGENT", "text": text, "blocks": [b.to_dict() for b in blocks]})
    body = json.dumps([b.to_dict() for b in blocks])
    for action in (APPROVE, EDIT, DISCARD):
        assert f'"action_id": "{action}"' in body and '"value": "9"' in body
    assert "<!channel>" not in body
    assert "ESC-42" in text


def test_edit_modal_is_valid_and_prefilled(now: datetime) -> None:
    view = edit_view(article(now)).to_dict()
    check_view(view)
    assert view["private_metadata"] == "9"
    titles = [b["element"]["initial_value"] for b in view["blocks"] if b["block_id"] == "title"]
    assert titles == [article(now).title]
