"""Every payload parser is total: a typed result or ``Malformed`` — never another exception.

Property-based (Hypothesis): realistic Slack payloads with subtrees replaced by arbitrary JSON
or removed, and arbitrary JSON outright.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import loop_inputs
from bot.forms import raw_values, step_raw_values
from bot.inbound import (
    WRONG_TYPE,
    BlockAction,
    Malformed,
    Shortcut,
    SlashCommand,
    ViewSubmission,
    parse_block_action,
    parse_event,
    parse_shortcut,
    parse_slash_command,
    parse_view_submission,
    request_ids,
)
from bot.inbound.body import parse_body
from bot.render.amend import DETAILS_CALLBACK
from bot.render.ids import action_from_callback, action_from_id
from bot.render.kb import EDIT_CALLBACK
from commands.amend import DETAIL_KEYS
from core.checklist import FIELDS, FIELDS_BY_KEY, Step
from core.forms import FORMS
from core.inputs import read_fields, read_form, read_step, read_value
from tests.inbound import samples
from tests.inbound.samples import NOW, payload_strategy

FAST = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

PARSERS = {
    "slash_command": parse_slash_command,
    "escalation_command": parse_slash_command,  # the loop's surfaces: LOOP_SURFACES below
    "view_submission": parse_view_submission,
    "claim_click": parse_block_action,
    "back_click": parse_block_action,
    "home_opened": parse_event,
    "message_shortcut": parse_shortcut,
}


def _total(parser: Any, payload: Any) -> Any:
    try:
        return parser(payload)
    except Malformed as bad:
        assert bad.where and ":" in bad.where  # names the place, e.g. "user.id: not a string"
        return None


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_parsers_read_the_real_shapes(name: str) -> None:
    assert PARSERS[name](samples.SAMPLES[name]()) is not None


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_every_parser_is_total(name: str) -> None:
    @FAST
    @given(payload_strategy(name))
    def check(payload: Any) -> None:
        result = _total(PARSERS[name], payload)
        ids = request_ids(payload)
        assert isinstance(ids, str)
        if isinstance(result, ViewSubmission):
            _form_read(result)
            for step in Step:
                raw = step_raw_values(result.view, step)
                read = read_step(step, raw, now=NOW, domains={"auth"})
                assert set(read.values) | set(read.errors) <= {f.key for f in FIELDS}
        if isinstance(result, BlockAction) and result.value is not None:
            with contextlib.suppress(Malformed):
                assert 1 <= result.number() <= 2**53

    check()


LOOP = settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DETAILS = [FIELDS_BY_KEY[key] for key in DETAIL_KEYS]


def _form_read(sub: ViewSubmission) -> dict[str, str] | None:
    """A form's state read by kind (a loop form, Add details): values and errors only under
    the form's own keys. Returns the errors (None: not such a form)."""
    if sub.view.callback_id == DETAILS_CALLBACK:
        read = read_fields(DETAILS, raw_values(sub.view, DETAIL_KEYS), now=NOW,
                           domains={"auth"})
        assert set(read.values) | set(read.errors) <= set(DETAIL_KEYS)
        return read.errors
    action = action_from_callback(sub.view.callback_id)
    if action is None or action not in FORMS:
        return None
    raw = {spec.key: element.value for spec in FORMS[action]
           if (element := sub.view.element(spec.key)) is not None}
    read = read_form(FORMS[action], raw, now=NOW)
    keys = {spec.key for spec in FORMS[action]}
    assert set(read.values) | set(read.errors) <= keys
    if not read.errors:
        parsed = loop_inputs.parse(action, read.values)
        assert not isinstance(parsed, dict) or set(parsed) <= keys
    return read.errors


def _parser(base: dict[str, Any]) -> Any:
    if "command" in base:
        return parse_slash_command
    return {"block_actions": parse_block_action, "view_submission": parse_view_submission,
            "message_action": parse_shortcut}[base["type"]]


SURFACES = {name: make() for name, make in samples.SURFACES.items()}


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_every_surface_reads_its_real_shape(name: str) -> None:
    """Every loop button, menu and form, every KB/Jira/Add details/thread id, the commands."""
    body = SURFACES[name]
    result = _parser(body)(body)
    if isinstance(result, ViewSubmission) and result.view.callback_id == EDIT_CALLBACK:
        assert all(isinstance(e.value, str) for b in result.view.state.values()
                   for e in b.values())
    elif isinstance(result, ViewSubmission):
        assert _form_read(result) == {}, name
    elif isinstance(result, BlockAction) and name.startswith("menu"):
        verb, _, number = (result.value or "").partition(":")
        assert (verb, number) == (name.split()[1], "1")
    elif isinstance(result, BlockAction) and result.action_id != "severity":
        assert result.number() in (1, 9)
        if name.startswith(("click", "dm")):
            assert action_from_id(result.action_id) is not None
        if name.startswith("dm"):
            assert result.channel == "D0DANA" and result.message_blocks
        if name.startswith("kb"):
            assert result.channel == "D0AGENT"
    elif isinstance(result, BlockAction):
        assert result.value == "SEV1" and result.view is not None
    elif isinstance(result, Shortcut):
        assert result.reply_count == 3 and result.thread_ts == result.message_ts
    else:
        assert isinstance(result, SlashCommand) and result.user == "U0AGENT"


@LOOP
@given(st.sampled_from(sorted(SURFACES)).flatmap(
    lambda name: st.tuples(st.just(name), st.one_of(samples.bent(SURFACES[name]),
                                                    samples.json_values))))
def test_every_surface_is_total(case: tuple[str, Any]) -> None:
    """Each of those surfaces, bent: a typed result or Malformed, and its form read by kind
    into values and field errors only."""
    name, payload = case
    result = _total(_parser(SURFACES[name]), payload)
    if isinstance(result, ViewSubmission):
        _form_read(result)
    if isinstance(result, BlockAction):
        with contextlib.suppress(Malformed):
            assert 1 <= result.number() <= 2**53


def test_malformed_never_repeats_payload_text() -> None:
    secret = "Jane Doe jane@example.com"
    body = samples.claim_click(value=secret)
    click = parse_block_action(body)
    with pytest.raises(Malformed) as bad:
        click.number()
    assert secret not in str(bad.value)
    body["user"] = {"id": secret}
    with pytest.raises(Malformed) as bad:
        parse_block_action(body)
    assert secret not in str(bad.value) and secret not in request_ids(body)


class TestIssueCases:
    """The shapes the hostile-client run found, one by one."""

    def test_state_values_as_a_list(self) -> None:
        body = samples.view_submission()
        body["view"]["state"]["values"] = []
        with pytest.raises(Malformed):
            parse_view_submission(body)

    @pytest.mark.parametrize("bad", ["SEV1", 7, ["SEV1"], {"text": "x"}])
    def test_selected_option_of_the_wrong_type(self, bad: Any) -> None:
        body = samples.view_submission()
        body["view"]["state"]["values"]["severity"]["severity"]["selected_option"] = bad
        element = parse_view_submission(body).view.element("severity")
        assert element is not None and element.value is WRONG_TYPE
        read = read_step(Step.PROBLEM, {"severity": element.value}, now=NOW, domains={"auth"})
        assert "severity" in read.errors and "severity" not in read.values

    def test_selected_options_not_a_list(self) -> None:
        body = samples.view_submission()
        body["view"]["state"]["values"]["signals"]["signals"]["selected_options"] = "security"
        element = parse_view_submission(body).view.element("signals")
        assert element is not None and element.value is WRONG_TYPE

    @pytest.mark.parametrize("stamp", ["soon", 10**30, -(10**30), 1.5, True, 2**63])
    def test_datetime_not_a_number_or_out_of_range(self, stamp: Any) -> None:
        body = samples.view_submission()
        entry = body["view"]["state"]["values"]["first_reported_at"]["first_reported_at"]
        entry["selected_date_time"] = stamp
        element = parse_view_submission(body).view.element("first_reported_at")
        assert element is not None
        read = read_step(Step.PROBLEM, {"first_reported_at": element.value}, now=NOW,
                         domains={"auth"})
        assert "first_reported_at" in read.errors

    @pytest.mark.parametrize("drop", ["user", "user.id", "container", "actions", "actions[0]"])
    def test_click_without_its_parts(self, drop: str) -> None:
        body = samples.claim_click()
        if drop == "user.id":
            del body["user"]["id"]
        elif drop == "actions[0]":
            body["actions"] = []
        else:
            del body[drop]
        try:
            click = parse_block_action(body)
        except Malformed:
            return
        assert drop == "container" and click.channel == "C0AUTH0001"  # from body.channel

    @pytest.mark.parametrize("value", ["abc", "", str(10**30), "-1", "1.5", " 1 ", "١"])
    def test_claim_value_not_a_bounded_integer(self, value: str) -> None:
        click = parse_block_action(samples.claim_click(value=value))
        if value == " 1 ":
            assert click.number() == 1
            return
        with pytest.raises(Malformed):
            click.number()

    def test_slash_command_without_user(self) -> None:
        body = samples.slash_command()
        del body["user_id"]
        with pytest.raises(Malformed):
            parse_slash_command(body)

    def test_real_shapes_parse_to_what_the_bot_needs(self) -> None:
        command = parse_slash_command(samples.slash_command("SSO broken"))
        assert command == SlashCommand(
            command="/escalate", user="U0AGENT", text="SSO broken", trigger_id="1.2.abc",
            channel="C0SUPPORT", team="T0TEST", response_url="http://127.0.0.1:9/response/1")
        click = parse_block_action(samples.claim_click())
        assert (click.channel, click.message_ts, click.number()) == \
            ("C0AUTH0001", "1700000000.000100", 1)
        shortcut = parse_shortcut(samples.message_shortcut())
        assert isinstance(shortcut, Shortcut) and shortcut.message_ts == "1700000000.000100"


class TestBody:
    @FAST
    @given(st.binary(max_size=300), st.sampled_from(
        [None, "application/json", "application/x-www-form-urlencoded", "text/plain"]))
    def test_any_bytes(self, raw: bytes, content_type: str | None) -> None:
        try:
            body = parse_body(raw, content_type)
        except Malformed:
            return
        assert isinstance(body, dict)

    @FAST
    @given(samples.json_values)
    def test_any_json_as_payload(self, value: Any) -> None:
        from urllib.parse import urlencode

        raw = urlencode({"payload": samples.dumps(value)}).encode()
        try:
            body = parse_body(raw, "application/x-www-form-urlencoded")
        except Malformed:
            assert not isinstance(value, dict)
            return
        assert body == value

    def test_forms_and_json(self) -> None:
        assert parse_body(b"command=%2Fescalate&text=payload+x", None) == \
            {"command": "/escalate", "text": "payload x"}  # "payload" in the text is just text
        assert parse_body(b'{"type": "event_callback"}', "application/json") == \
            {"type": "event_callback"}
        for bad in (b"\xff\xfe", b"payload=%7Bnot-json", b"payload=%5B%5D", b"[1]", b"",
                    b"a=1&a=2"):
            with pytest.raises(Malformed):
                parse_body(bad, None)


class TestReadValue:
    @FAST
    @given(st.sampled_from(FIELDS), samples.json_values | st.tuples(st.text(max_size=5)))
    def test_any_raw_value_is_a_value_or_a_field_error(self, spec: Any, raw: Any) -> None:
        if isinstance(raw, list | dict | float | bool):
            raw = WRONG_TYPE if not isinstance(raw, bool) else raw
        try:
            value = read_value(spec, raw, now=NOW, domains={"auth"})
        except Exception as refused:
            assert type(refused).__name__ == "_Refused"
            return
        assert value is None or isinstance(value, str)
