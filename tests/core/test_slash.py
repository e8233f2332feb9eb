"""The /escalation command's text → what the user asked for."""

from __future__ import annotations

import pytest

from core.model import Level, Severity
from core.slash import HELP, USAGE, ActOn, Help, Mine, Queue, Usage, parse, parse_id
from core.workflow import Action


class TestIds:
    @pytest.mark.parametrize("token", ["ESC-42", "esc-42", "42", "Esc-42", "ESC42", "#42"])
    def test_every_spelling_of_an_id(self, token: str) -> None:
        """ESC-42, esc-42 and 42 all name escalation 42."""
        assert parse_id(token) == 42

    @pytest.mark.parametrize("token", ["ESC-", "ESC-0", "0", "forty-two", "ESC-4x", "-42", ""])
    def test_non_ids(self, token: str) -> None:
        """Words, zero and half ids are not ids."""
        assert parse_id(token) is None


class TestActions:
    @pytest.mark.parametrize(("text", "action"), [
        ("ESC-42 accept", Action.ACCEPT), ("esc-42 update", Action.POST_UPDATE),
        ("42 info", Action.NEEDS_INFO), ("42 eta", Action.SET_ETA),
        ("42 reproduced", Action.REPRODUCED),
        ("42 cannot-reproduce", Action.CANNOT_REPRODUCE), ("42 level", Action.ESCALATE_LEVEL),
        ("42 resolve", Action.RESOLVE), ("42 reopen", Action.REOPEN),
        ("42 verify", Action.VERIFY), ("42 export", Action.EXPORT), ("42 claim", Action.CLAIM),
        ("42 ACCEPT", Action.ACCEPT), ("42 needs-info", Action.NEEDS_INFO),
        ("42 cannot_reproduce", Action.CANNOT_REPRODUCE), ("  42   update  ", Action.POST_UPDATE),
    ])
    def test_plain_actions(self, text: str, action: Action) -> None:
        """Each action word (any case, common spellings) names its action on the id."""
        assert parse(text) == ActOn(42, action)

    def test_action_before_the_id(self) -> None:
        """`accept ESC-42` is understood like `ESC-42 accept`."""
        assert parse("accept ESC-42") == ActOn(42, Action.ACCEPT)

    @pytest.mark.parametrize("word", ["SEV1", "sev1", "1", "Sev-1"])
    def test_severity_argument(self, word: str) -> None:
        """`severity SEV1` carries the new severity."""
        assert parse(f"ESC-42 severity {word}") == ActOn(42, Action.CHANGE_SEVERITY,
                                                          severity=Severity.SEV1)

    def test_severity_without_argument_opens_the_form(self) -> None:
        """`severity` alone is fine: the modal asks which."""
        assert parse("42 severity") == ActOn(42, Action.CHANGE_SEVERITY)

    def test_bad_severity(self) -> None:
        """An unknown severity is a usage problem naming the valid ones."""
        result = parse("42 severity SEV9")
        assert isinstance(result, Usage) and "SEV1, SEV2, SEV3 or SEV4" in result.problem

    def test_level_argument(self) -> None:
        """`level L4` names the target level; L5 is refused (Leadership is never owner)."""
        assert parse("42 level L4") == ActOn(42, Action.ESCALATE_LEVEL, level=Level.L4)
        assert isinstance(parse("42 level L5"), Usage)

    @pytest.mark.parametrize("mention", ["<@U0DANA|dana>", "<@U0DANA>", "&lt;@U0DANA&gt;",
                                         "U0DANA12"])
    def test_reassign_mentions(self, mention: str) -> None:
        """A mention as Slack escapes it (or a bare user id) names the new owner."""
        expected = "U0DANA12" if mention == "U0DANA12" else "U0DANA"
        assert parse(f"ESC-42 reassign {mention}") == ActOn(42, Action.REASSIGN, user=expected)

    def test_reassign_plain_name_is_refused_with_a_hint(self) -> None:
        """`@dana` typed as plain text cannot be resolved: the hint says to pick the person."""
        result = parse("ESC-42 reassign @dana")
        assert isinstance(result, Usage) and "mention" in result.problem

    def test_merge(self) -> None:
        """`merge ESC-17` names the surviving escalation."""
        assert parse("ESC-42 merge esc-17") == ActOn(42, Action.MERGE, target_id=17)

    @pytest.mark.parametrize("text", ["ESC-42 merge", "ESC-42 merge foo", "ESC-42 merge 42"])
    def test_bad_merge(self, text: str) -> None:
        """A merge needs one other escalation id."""
        assert isinstance(parse(text), Usage)

    def test_extra_words_on_a_plain_action(self) -> None:
        """Free text after an action that uses a form is refused, not silently dropped."""
        result = parse("ESC-42 accept now please")
        assert isinstance(result, Usage) and "accept" in result.problem


class TestOtherCommands:
    def test_mine_queue_help(self) -> None:
        """mine, queue, queue <domain> and help are understood; empty text is help."""
        assert parse("mine") == Mine()
        assert parse("queue") == Queue()
        assert parse("queue Billing") == Queue(domain="billing")
        assert parse("help") == Help()
        assert parse("") == Help()
        assert parse("   ") == Help()

    @pytest.mark.parametrize("text", ["hello", "ESC-42", "ESC-42 explode", "queue a b",
                                      "mine too", "ESC-42 severity", "`rm -rf` x"])
    def test_unknown_input_is_usage_never_a_crash(self, text: str) -> None:
        """Anything else is a short usage problem (one line), never an exception."""
        result = parse(text)
        if text == "ESC-42 severity":
            assert isinstance(result, ActOn)
            return
        assert isinstance(result, Usage)
        assert "\n" not in result.problem and len(result.problem) < 200

    def test_quoted_input_cannot_break_the_quote(self) -> None:
        """A backtick typed by the user cannot close the bot's code quote."""
        result = parse("`<!channel>` now")
        assert isinstance(result, Usage) and result.problem.count("`") == 2

    def test_usage_and_help_name_every_action(self) -> None:
        """The usage and help texts mention every action word the parser accepts."""
        for action in (Action.ACCEPT, Action.POST_UPDATE, Action.NEEDS_INFO, Action.SET_ETA,
                       Action.REPRODUCED, Action.CANNOT_REPRODUCE, Action.ESCALATE_LEVEL,
                       Action.CHANGE_SEVERITY, Action.REASSIGN, Action.RESOLVE, Action.REOPEN,
                       Action.VERIFY, Action.EXPORT, Action.MERGE, Action.CUSTOMER_TOLD):
            assert action.value in USAGE and action.value in HELP

    def test_the_rating_is_not_a_typed_action(self) -> None:
        """The handoff rating is answered in its DM, not typed."""
        assert isinstance(parse("ESC-42 rate"), Usage)
