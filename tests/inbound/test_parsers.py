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
from bot.forms import step_raw_values
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
from bot.render.ids import action_from_callback, action_from_id
from core.checklist import FIELDS, Step
from core.forms import FORMS
from core.inputs import read_form, read_step, read_value
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
            _loop_form_read(result)
            for step in Step:
                raw = step_raw_values(result.view, step)
                read = read_step(step, raw, now=NOW, domains={"auth"})
                assert set(read.values) | set(read.errors) <= {f.key for f in FIELDS}
        if isinstance(result, BlockAction) and result.value is not None:
            with contextlib.suppress(Malformed):
                assert 1 <= result.number() <= 2**53

    check()


LOOP = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _loop_form_read(sub: ViewSubmission) -> None:
    """A loop form's state read by kind: values and errors only under the form's own keys."""
    action = action_from_callback(sub.view.callback_id)
    if action is None or action not in FORMS:
        return
    raw = {spec.key: element.value for spec in FORMS[action]
           if (element := sub.view.element(spec.key)) is not None}
    read = read_form(FORMS[action], raw, now=NOW)
    keys = {spec.key for spec in FORMS[action]}
    assert set(read.values) | set(read.errors) <= keys
    if not read.errors:
        parsed = loop_inputs.parse(action, read.values)
        assert not isinstance(parsed, dict) or set(parsed) <= keys


@pytest.mark.parametrize("name", sorted(samples.LOOP_SURFACES))
def test_every_loop_surface_reads_its_real_shape(name: str) -> None:
    body = samples.LOOP_SURFACES[name]()
    if name.startswith("form"):
        sub = parse_view_submission(body)
        action = action_from_callback(sub.view.callback_id)
        assert action is not None
        raw = {k: e.value for k in sub.view.state if (e := sub.view.element(k)) is not None}
        read = read_form(FORMS[action], raw, now=NOW)
        assert read.errors == {} and not isinstance(loop_inputs.parse(action, read.values),
                                                    dict), name
        return
    click = parse_block_action(body)
    if name.startswith("menu"):
        verb, _, number = (click.value or "").partition(":")
        assert (verb, number) == (name.split()[1], "1")
    else:
        assert action_from_id(click.action_id) is not None and click.number() == 1
        if name.startswith("dm"):
            assert click.channel == "D0DANA" and click.message_blocks


LOOP_BASES = {name: make() for name, make in samples.LOOP_SURFACES.items()}


@LOOP
@given(st.sampled_from(sorted(LOOP_BASES)).flatmap(
    lambda name: st.tuples(st.just(name), st.one_of(samples.bent(LOOP_BASES[name]),
                                                    samples.json_values))))
def test_every_loop_surface_is_total(case: tuple[str, Any]) -> None:
    """Every loop button, menu and form (each action id and callback id), bent."""
    name, payload = case
    parser = parse_view_submission if name.startswith("form") else parse_block_action
    result = _total(parser, payload)
    if isinstance(result, ViewSubmission):
        _loop_form_read(result)
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
