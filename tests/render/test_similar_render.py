"""The readiness step's deflection suggestions: escaped, within Slack's limits, never blocking."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.render.modal import step_view
from core.checklist import Step
from core.model import Domain
from core.similar import Suggestion, SuggestionKind
from tests.builders import good_answers
from tests.slack_contracts import check_view

DOMAINS = [Domain("auth", "Authentication & SSO", "C0AUTH0001")]
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
ESC = Suggestion(SuggestionKind.ESCALATION, 17, title="SAML login <!channel> returns 500",
                 category="known_issue", resolved_at=datetime(2026, 11, 20, tzinfo=UTC),
                 cause="Strict audience check compares URNs *case-sensitively*",
                 check_first="Compare the IdP audience URN @here " + "x" * 4000)
KB = Suggestion(SuggestionKind.ARTICLE, 4, title="Okta SAML login returns 500 <@U123>",
                fix="Lower-case the audience URN", check_first="Check the IdP metadata")


def view(*similar: Suggestion) -> dict[str, object]:
    out = step_view(Step.HANDOFF, good_answers(NOW), domains=DOMAINS, requester="U",
                    channel=None, similar=similar).to_dict()
    check_view(out)
    return out


def test_matches_are_shown_on_the_readiness_step_and_escalate_stays() -> None:
    shown = view(KB, ESC)
    blocks = shown["blocks"]
    assert isinstance(blocks, list)
    ids = [b.get("block_id") for b in blocks]
    assert ids.index("readiness") < ids.index("similar") < ids.index("similar_1") \
        < ids.index("similar_2") < ids.index("similar_note")
    first = blocks[ids.index("similar_1")]["text"]["text"]
    second = blocks[ids.index("similar_2")]["text"]["text"]
    assert "*KB: Okta SAML login returns 500 &lt;@U123&gt;*" in first
    assert "workaround: Lower-case the audience URN" in first
    assert "*Similar: ESC-17, resolved as known issue on 2026-11-20*" in second
    assert "cause: Strict audience check" in second
    assert "<!channel>" not in str(shown) and "@here" not in second
    assert len(second) <= 3000
    assert shown["submit"]["text"] == "Escalate"  # type: ignore[index]


def test_no_matches_no_blocks_and_other_steps_never_show_them() -> None:
    assert "similar" not in str(view())
    other = step_view(Step.PROBLEM, good_answers(NOW), domains=DOMAINS, requester="U",
                      channel=None, similar=(ESC,)).to_dict()
    assert "similar" not in str([b.get("block_id") for b in other["blocks"]])
