"""The Slack contract checkers accept good payloads and name what is wrong with bad ones."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests import slack_contracts
from tests.shared_data import requires_shared
from tests.slack_contracts import check_message, check_method_args, check_view


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _section(text: str, block_id: str = "summary") -> dict[str, Any]:
    return {"type": "section", "block_id": block_id, "text": {"type": "mrkdwn", "text": text}}


def _input(block_id: str = "problem", **element: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": _plain("Problem in one sentence"),
        "element": {"type": "plain_text_input", "action_id": "value", "max_length": 300, **element},
    }


def _option(text: str, value: str = "auth") -> dict[str, Any]:
    return {"text": _plain(text), "value": value}


def _select(*options: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": "domain",
        "label": _plain("Domain"),
        "element": {"type": "static_select", "action_id": "value", "options": list(options)},
    }


def _button(action_id: str, text: str = "Claim", value: str = "esc-1") -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": _plain(text), "value": value}


def _modal(*blocks: dict[str, Any], **fields: Any) -> dict[str, Any]:
    view = {
        "type": "modal",
        "callback_id": "escalate",
        "title": _plain("Escalate"),
        "submit": _plain("Send"),
        "close": _plain("Cancel"),
        "private_metadata": json.dumps({"channel": "C0AUTH"}),
        "blocks": list(blocks) or [_input()],
    }
    return {**view, **fields}


def _message(*blocks: dict[str, Any], text: str = "New escalation: login fails") -> dict[str, Any]:
    return {"channel": "C0AUTH", "text": text, "blocks": list(blocks)}


def _problems(check: Any, *args: Any) -> str:
    with pytest.raises(AssertionError) as failure:
        check(*args)
    return str(failure.value)


class TestCheckView:
    def test_accepts_a_small_valid_modal(self) -> None:
        """A modal with an input, a select and a submit button passes every check."""
        check_view(_modal(_section("Fill in the checklist."), _input(), _select(_option("Auth"))))

    def test_accepts_a_home_tab(self) -> None:
        """A Home tab with a header, a section and a button row passes."""
        home = {
            "type": "home",
            "blocks": [
                {"type": "header", "text": _plain("Your escalations")},
                _section("*ESC-1* login fails"),
                {"type": "actions", "block_id": "row", "elements": [_button("open")]},
            ],
        }
        check_view(home)

    def test_rejects_more_than_100_blocks(self) -> None:
        """A view of 101 blocks fails."""
        blocks = [_section("line", block_id=f"b{i}") for i in range(101)]
        assert "101 blocks > 100" in _problems(check_view, _modal(*blocks))

    def test_rejects_option_text_over_75_chars(self) -> None:
        """An option whose text is 76 characters fails, though slack_sdk lets it through."""
        problems = _problems(check_view, _modal(_select(_option("x" * 76))))
        assert "options[0].text: 76 chars > 75" in problems

    def test_rejects_option_value_over_150_chars(self) -> None:
        """An option whose value is 151 characters fails."""
        problems = _problems(check_view, _modal(_select(_option("Auth", value="v" * 151))))
        assert "options[0].value: 151 chars > 150" in problems

    def test_rejects_inputs_without_submit(self) -> None:
        """A modal with input blocks but no submit button fails."""
        view = _modal(_input())
        del view["submit"]
        assert "submit: required" in _problems(check_view, view)

    def test_rejects_long_title(self) -> None:
        """A modal title over 24 characters fails."""
        assert "title: 25 chars > 24" in _problems(check_view, _modal(title=_plain("t" * 25)))

    def test_rejects_long_private_metadata(self) -> None:
        """private_metadata over 3000 characters fails."""
        problems = _problems(check_view, _modal(private_metadata="m" * 3001))
        assert "private_metadata: 3001 chars > 3000" in problems

    def test_rejects_text_input_without_max_length(self) -> None:
        """A plain_text_input must declare a max_length of at most 3000."""
        assert "max_length: None" in _problems(check_view, _modal(_input(max_length=None)))
        assert "max_length: 3001" in _problems(check_view, _modal(_input(max_length=3001)))

    def test_rejects_duplicate_block_ids(self) -> None:
        """Two blocks sharing a block_id fail."""
        problems = _problems(check_view, _modal(_input("same"), _section("x", block_id="same")))
        assert "duplicate block_id 'same'" in problems

    def test_rejects_duplicate_action_ids_in_a_block(self) -> None:
        """Two buttons sharing an action_id inside one actions block fail."""
        row = {"type": "actions", "block_id": "row", "elements": [_button("a"), _button("a")]}
        assert "duplicate action_id 'a'" in _problems(check_view, _modal(_input(), row))

    def test_rejects_long_button_text(self) -> None:
        """Button text over 75 characters fails."""
        row = {"type": "actions", "block_id": "row", "elements": [_button("a", text="b" * 76)]}
        assert "elements[0].text: 76 chars > 75" in _problems(check_view, _modal(_input(), row))

    def test_rejects_unknown_block_type(self) -> None:
        """A block type slack_sdk does not know fails on its "Unknown block" warning."""
        problems = _problems(check_view, _modal(_input(), {"type": "carousel_of_doom"}))
        assert "Unknown block detected" in problems

    def test_reports_every_problem_at_once(self) -> None:
        """One failure lists all problems, not just the first."""
        view = _modal(_input(max_length=None), title=_plain("t" * 30), private_metadata="m" * 3001)
        problems = _problems(check_view, view)
        assert "title: 30 chars" in problems
        assert "private_metadata" in problems
        assert "max_length: None" in problems

    def test_hand_rules_hold_without_shared_data(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """On a clone without ../shared, the hand-written limits still apply."""
        monkeypatch.setattr(slack_contracts, "SHARED_SLACK", None)
        check_view(_modal())
        assert "76 chars > 75" in _problems(check_view, _modal(_select(_option("x" * 76))))

    @requires_shared
    def test_schema_rejects_unknown_key(self) -> None:
        """A misspelt key on a block fails the shared Block Kit schema."""
        block = {**_section("x"), "accesory": _button("a")}
        problems = _problems(check_view, _modal(_input(), block))
        assert "schema modal_view.schema.json" in problems
        assert "'accesory' was unexpected" in problems

    @requires_shared
    def test_schema_rejects_mrkdwn_button_text(self) -> None:
        """A button label in mrkdwn fails the schema, which slack_sdk would not catch."""
        button = {**_button("a"), "text": {"type": "mrkdwn", "text": "*Claim*"}}
        row = {"type": "actions", "block_id": "row", "elements": [button]}
        assert "'plain_text' was expected" in _problems(check_view, _modal(_input(), row))


class TestCheckMessage:
    def test_accepts_a_valid_packet_message(self) -> None:
        """A packet message with fallback text, a section and a Claim button passes."""
        row = {"type": "actions", "block_id": "claim", "elements": [_button("claim")]}
        check_message(_message(_section("*Login fails* for &lt;!channel&gt; users"), row))

    def test_accepts_form_encoded_blocks(self) -> None:
        """Blocks sent as a JSON string, as form-encoded calls carry them, are checked too."""
        check_message({"channel": "C1", "text": "hi", "blocks": json.dumps([_section("hi")])})
        encoded = json.dumps([_section("<!here> hi")])
        assert "<!here>" in _problems(
            check_message, {"channel": "C1", "text": "hi", "blocks": encoded}
        )

    def test_rejects_channel_mention_in_a_section(self) -> None:
        """A literal <!channel> in a section means user text leaked unescaped."""
        problems = _problems(check_message, _message(_section("Customer says <!channel> help")))
        assert "blocks[0].text.text: unescaped broadcast '<!channel>'" in problems

    def test_rejects_broadcasts_in_fallback_text(self) -> None:
        """<!here>, <!everyone|everyone> and raw @channel in the fallback text all fail."""
        for text in ("<!here> new case", "<!everyone|everyone> hi", "ping @channel now"):
            assert "unescaped broadcast" in _problems(check_message, _message(text=text))

    def test_allows_at_signs_that_are_not_broadcasts(self) -> None:
        """An e-mail address or @channels-like word is not a broadcast."""
        check_message(_message(text="mail ops@here.io about #channel-ops and @channels"))

    def test_requires_fallback_text(self) -> None:
        """A message without, or with blank, top-level text fails."""
        assert "text: missing" in _problems(check_message, {"channel": "C1", "blocks": []})
        assert "text: missing" in _problems(check_message, _message(_section("x"), text="  "))

    def test_rejects_fallback_text_over_40000_chars(self) -> None:
        """Fallback text over 40,000 characters fails."""
        problems = _problems(check_message, _message(text="t" * 40_001))
        assert "text: 40001 chars > 40000" in problems

    def test_rejects_more_than_50_blocks(self) -> None:
        """A message of 51 blocks fails."""
        blocks = [_section("x", block_id=f"b{i}") for i in range(51)]
        assert "51 blocks > 50" in _problems(check_message, _message(*blocks))

    def test_rejects_long_header(self) -> None:
        """Header text over 150 characters fails."""
        header = {"type": "header", "text": _plain("h" * 151)}
        assert "blocks[0].text: 151 chars > 150" in _problems(check_message, _message(header))

    def test_rejects_long_section_text_and_too_many_fields(self) -> None:
        """Section text over 3000 characters and more than 10 fields both fail."""
        section = {**_section("s" * 3001), "fields": [_plain("f")] * 11}
        problems = _problems(check_message, _message(section))
        assert "blocks[0].text: 3001 chars > 3000" in problems
        assert "11 fields > 10" in problems

    def test_rejects_unknown_block_type(self) -> None:
        """A block type slack_sdk cannot parse fails."""
        problems = _problems(check_message, _message({"type": "marquee"}))
        assert "blocks[0]: slack_sdk: Unknown block detected" in problems

    def test_rejects_long_button_value(self) -> None:
        """A button value over 2000 characters fails."""
        row = {"type": "actions", "block_id": "row", "elements": [_button("a", value="v" * 2001)]}
        assert "value: 2001 chars > 2000" in _problems(check_message, _message(row))


@requires_shared
class TestCheckMethodArgs:
    def test_accepts_post_message_args_with_team_id(self) -> None:
        """chat.postMessage args pass, including the team_id Bolt adds."""
        args = {**_message(_section("hi")), "thread_ts": "1700000000.000100", "team_id": "T1"}
        check_method_args("chat.postMessage", args)

    def test_coerces_form_encoded_values(self) -> None:
        """Form-encoded numbers, booleans and JSON are coerced before validation."""
        args = {"channel": "C1", "limit": "100", "inclusive": "1", "oldest": "1700000000.000100"}
        check_method_args("conversations.history", args)
        blocks = json.dumps([_section("hi")])
        check_method_args("chat.postMessage", {"channel": "C1", "text": "x", "blocks": blocks})

    def test_rejects_unknown_argument(self) -> None:
        """An argument the method does not take fails."""
        problems = _problems(check_method_args, "conversations.join", {"channel": "C1", "x": 1})
        assert "'x' was unexpected" in problems

    def test_rejects_missing_required_argument(self) -> None:
        """chat.postMessage without a channel fails, naming the missing argument."""
        problems = _problems(check_method_args, "chat.postMessage", {"text": "hi"})
        assert "'channel' is a required property" in problems

    def test_rejects_wrong_type(self) -> None:
        """A limit that is not a number fails."""
        args = {"channel": "C1", "limit": "lots"}
        assert "'lots' is not of type 'number'" in _problems(
            check_method_args, "conversations.history", args
        )

    def test_rejects_method_without_schema(self) -> None:
        """A method with no argument schema in ../shared/slack fails rather than passing."""
        assert "no argument schema" in _problems(check_method_args, "chat.meMessage", {})


def test_method_args_check_is_skipped_without_shared_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without ../shared, check_method_args has nothing to check against and passes."""
    monkeypatch.setattr(slack_contracts, "SHARED_SLACK", None)
    check_method_args("chat.postMessage", {"nonsense": True})
