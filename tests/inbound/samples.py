"""Slack-shaped payloads the bot receives (built like the fake Slack builds them), and
Hypothesis strategies that bend them: any subtree replaced by arbitrary JSON, keys dropped."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from bot.render.amend import ADD_DETAILS, details_view
from bot.render.ids import Ids, loop_action_id
from bot.render.kb import APPROVE, DISCARD, EDIT, edit_view
from bot.render.loop_modals import FRAMES, form_view
from bot.render.modal import step_view
from commands.amend import DETAIL_KEYS
from core import kb as kb_rules
from core.checklist import Step
from core.forms import FORMS, FormKind, HandoffRating
from core.model import Answers, Domain, Escalation, Level, LevelDecision, Severity, State
from core.workflow import Action
from tests.builders import good_answers
from tests.fakeslack import payloads
from tests.fakeslack.state import SlackIdentity

IDENT = SlackIdentity()
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
def user() -> dict[str, Any]:
    return payloads.user_object(IDENT, "U0AGENT", "agent")
DOMAINS = [Domain("auth", "Authentication & SSO", "C0AUTH0001")]


def modal(step: Step = Step.PROBLEM) -> dict[str, Any]:
    view = step_view(step, Answers(problem="SSO login fails"), domains=DOMAINS,
                     requester="U0AGENT", channel="C0SUPPORT").to_dict()
    view.update({"id": "V0MODAL1", "root_view_id": "V0MODAL1", "hash": "1.abc",
                 "team_id": IDENT.team_id, "app_id": IDENT.app_id})
    return view


def slash_command(text: str = "SSO broken") -> dict[str, Any]:
    return dict(payloads.slash_command(
        IDENT, command="/escalate", text=text, user_id="U0AGENT", user_name="agent",
        channel_id="C0SUPPORT", channel_name="support",
        response_url="http://127.0.0.1:9/response/1", trigger_id="1.2.abc"))


def view_submission(step: Step = Step.PROBLEM) -> dict[str, Any]:
    return payloads.view_submission(IDENT, user=user(), trigger_id="1.2.abc", view=modal(step))


def claim_click(value: Any = "1") -> dict[str, Any]:
    message = {"type": "message", "ts": "1700000000.000100", "text": "ESC-1",
               "blocks": [{"type": "actions", "block_id": "packet_actions", "elements": [
                   {"type": "button", "action_id": Ids.CLAIM, "value": "1",
                    "text": {"type": "plain_text", "text": "Claim"}}]}]}
    action = {"type": "button", "action_id": Ids.CLAIM, "block_id": "packet_actions",
              "value": value, "text": {"type": "plain_text", "text": "Claim"},
              "action_ts": "1700000001.000200"}
    return payloads.block_actions_from_message(
        IDENT, user=user(), trigger_id="1.2.abc", channel_id="C0AUTH0001",
        channel_name="esc-auth", message=message, action=action,
        response_url="http://127.0.0.1:9/response/2")


def loop_click(action_id: str = "loop:accept", value: Any = "1",
               channel: str = "C0AUTH0001") -> dict[str, Any]:
    """A feedback-loop button: on the packet (``C…``) or in a DM (``D…``)."""
    message = {"type": "message", "ts": "1700000000.000100", "text": "ESC-1",
               "blocks": [{"type": "actions", "block_id": "packet_actions", "elements": [
                   {"type": "button", "action_id": action_id, "value": "1",
                    "text": {"type": "plain_text", "text": "Accept"}}]}]}
    action = {"type": "button", "action_id": action_id, "block_id": "packet_actions",
              "value": value, "text": {"type": "plain_text", "text": "Accept"},
              "action_ts": "1700000001.000200"}
    return payloads.block_actions_from_message(
        IDENT, user=user(), trigger_id="1.2.abc", channel_id=channel,
        channel_name="esc-auth", message=message, action=action,
        response_url="http://127.0.0.1:9/response/2")


def loop_menu(value: Any = "level:1") -> dict[str, Any]:
    """The packet's overflow menu: the option's value is ``<action>:<escalation id>``."""
    body = loop_click("loop_more", None)
    action = body["actions"][0]
    action.pop("value", None)
    action.update({"type": "overflow", "selected_option": {
        "value": value, "text": {"type": "plain_text", "text": "Escalate a level"}}})
    return body


def loop_submission(callback: str = "loop.severity", metadata: str = '{"id":1,"v":0}'
                    ) -> dict[str, Any]:
    """A feedback-loop modal (change severity) submitted with a choice and a reason."""
    view = {"id": "V0LOOP1", "root_view_id": "V0LOOP1", "hash": "1.abc", "type": "modal",
            "callback_id": callback, "private_metadata": metadata, "team_id": IDENT.team_id,
            "app_id": IDENT.app_id, "title": {"type": "plain_text", "text": "Change severity"},
            "blocks": [{"type": "input", "block_id": "severity", "label": {
                "type": "plain_text", "text": "New severity"}, "element": {
                    "type": "static_select", "action_id": "severity"}},
                {"type": "input", "block_id": "reason", "label": {
                    "type": "plain_text", "text": "Why"}, "element": {
                    "type": "plain_text_input", "action_id": "reason"}}],
            "state": {"values": {
                "severity": {"severity": {"type": "static_select",
                                          "selected_option": {"value": "SEV1"}}},
                "reason": {"reason": {"type": "plain_text_input",
                                      "value": "Two more tenants report the same failure"}}}}}
    return payloads.view_submission(IDENT, user=user(), trigger_id="1.2.abc", view=view)


# ---------------------------------------------------------------- every loop surface


def escalation() -> Escalation:
    return Escalation(id=1, answers=good_answers(NOW), requester="U0AGENT", domain=DOMAINS[0],
                      decision=LevelDecision(Level.L3, False, "L3: SEV2"), state=State.CLAIMED,
                      created_at=NOW, posted_at=NOW, channel="C0AUTH0001",
                      message_ts="1700000000.000100")


def loop_action_ids() -> list[str]:
    """Every button id the loop draws: ``loop:<action>``, the ratings, the suggested SEVs."""
    return [loop_action_id(a) for a in Action if a is not Action.CLAIM] + \
        [loop_action_id(Action.RATE_HANDOFF, r.value) for r in HandoffRating] + \
        [loop_action_id(Action.CHANGE_SEVERITY, sev.value.lower()) for sev in Severity]


_FILLED = {FormKind.LINE: "staging, build 4.2.1", FormKind.ESCALATION: "ESC-17",
           FormKind.TEXT: "Two more tenants report the same failure since the 4.2 deploy",
           FormKind.DATETIME: (NOW + timedelta(days=3)).isoformat(), FormKind.USER: "U0BOB",
           FormKind.SEVERITY: "SEV1", FormKind.LEVEL: "L4", FormKind.FLAG: "true",
           FormKind.CATEGORY: "code_fix", FormKind.RATING: "partly"}


def loop_form(action: Action = Action.CHANGE_SEVERITY) -> dict[str, Any]:
    """The loop's real modal for ``action`` (every field filled), submitted."""
    values = {spec.key: _FILLED[spec.kind] for spec in FORMS[action]}
    view = form_view(action, escalation(), values=values).to_dict()
    view.update({"id": "V0LOOP2", "root_view_id": "V0LOOP2", "hash": "1.abc",
                 "team_id": IDENT.team_id, "app_id": IDENT.app_id})
    return payloads.view_submission(IDENT, user=user(), trigger_id="1.2.abc", view=view)


def escalation_command(text: str = "ESC-1 accept") -> dict[str, Any]:
    return {**slash_command(text), "command": Ids.ESCALATION_COMMAND.value}


# ---------------------------------------------------------------- KB, Jira, Add details, threads


def kb_click(action_id: str = APPROVE, value: Any = "9", channel: str = "D0AGENT"
             ) -> dict[str, Any]:
    """Approve / Edit / Discard on a KB draft (in the requester's DM)."""
    return loop_click(action_id, value, channel=channel)


def kb_edit(metadata: str = "9") -> dict[str, Any]:
    """The KB draft's Edit modal, submitted."""
    article = replace(kb_rules.draft(good_answers(NOW), kb_rules.ResolutionFacts(
        "known_issue", "Cert rotation", None, None, "Check the cert date"), domain="auth",
        escalation_id=1, now=NOW), id=9)
    view = edit_view(article).to_dict()
    view.update({"id": "V0KB1", "root_view_id": "V0KB1", "hash": "1.kb",
                 "private_metadata": metadata, "team_id": IDENT.team_id,
                 "app_id": IDENT.app_id})
    return payloads.view_submission(IDENT, user=user(), trigger_id="1.2.abc", view=view)


def jira_click(value: Any = "1") -> dict[str, Any]:
    return loop_click(Ids.JIRA_CREATE.value, value)


def add_details_click(value: Any = "1") -> dict[str, Any]:
    return loop_click(ADD_DETAILS, value)


def details_submission(metadata: str = '{"id":"1","channel":"C0AUTH0001"}') -> dict[str, Any]:
    """Add details on the packet: every fact of the checklist, pre-filled, submitted."""
    view = details_view(escalation(), DETAIL_KEYS, channel="C0AUTH0001").to_dict()
    view.update({"id": "V0DETAILS", "root_view_id": "V0DETAILS", "hash": "1.details",
                 "private_metadata": metadata, "team_id": IDENT.team_id,
                 "app_id": IDENT.app_id})
    return payloads.view_submission(IDENT, user=user(), trigger_id="1.2.abc", view=view)


def severity_pick(value: str = "SEV1") -> dict[str, Any]:
    """Step 1's severity menu, picked (it redraws the step to offer Page now on SEV1)."""
    view = modal(Step.PROBLEM)
    action = {"type": "static_select", "action_id": "severity", "block_id": "severity",
              "selected_option": {"value": value, "text": {"type": "plain_text",
                                                           "text": value}},
              "action_ts": "1700000001.000200"}
    return payloads.block_actions_from_view(IDENT, user=user(), trigger_id="1.2.abc", view=view,
                                            action=action)


def thread_shortcut() -> dict[str, Any]:
    """Escalate this thread (a message shortcut on a thread's parent)."""
    body = message_shortcut()
    body["callback_id"] = "escalate_thread"
    body["message"].update({"thread_ts": "1700000000.000100", "reply_count": 3})
    return body


def back_click() -> dict[str, Any]:
    view = modal(Step.REPRODUCTION)
    action = {"type": "button", "action_id": Ids.BACK, "block_id": "nav", "value": "problem",
              "action_ts": "1700000001.000200", "text": {"type": "plain_text", "text": "Back"}}
    return payloads.block_actions_from_view(IDENT, user=user(), trigger_id="1.2.abc", view=view,
                                            action=action)


def home_opened() -> dict[str, Any]:
    return payloads.event_callback(IDENT, {"type": "app_home_opened", "user": "U0AGENT",
                                           "channel": "D0HOME", "tab": "home"})


def message_shortcut() -> dict[str, Any]:
    return {"type": "message_action", "callback_id": "draft_escalation",
            "trigger_id": "1.2.abc", "user": user(), "team": payloads.team_object(IDENT),
            "channel": {"id": "C0SUPPORT", "name": "support"},
            "message": {"type": "message", "user": "U0CUST", "ts": "1700000000.000100",
                        "text": "customer says SSO is down"},
            "message_ts": "1700000000.000100", "response_url": "http://127.0.0.1:9/r/3"}


SAMPLES = {
    "slash_command": slash_command,
    "view_submission": view_submission,
    "claim_click": claim_click,
    "back_click": back_click,
    "loop_click": loop_click,
    "loop_menu": loop_menu,
    "loop_submission": loop_submission,
    "loop_form": loop_form,
    "escalation_command": escalation_command,
    "kb_click": kb_click,
    "kb_edit": kb_edit,
    "jira_click": jira_click,
    "add_details_click": add_details_click,
    "details_submission": details_submission,
    "severity_pick": severity_pick,
    "thread_shortcut": thread_shortcut,
    "home_opened": home_opened,
    "message_shortcut": message_shortcut,
}

# Arbitrary JSON: what a hostile (or buggy) sender can put anywhere.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False) | st.text(max_size=20)
    | st.sampled_from(["", "abc", "1", "0", "-1", "10" * 15, "U0AGENT", "1700000000.1",
                       "SEV1", "2026-13-45", "not-a-date", "1e309"]),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out += _paths(child, (*prefix, index))
    return out


def _set(value: Any, path: tuple[Any, ...], new: Any, delete: bool) -> Any:
    if not path:
        return new
    target = value
    for key in path[:-1]:
        target = target[key]
    if delete and isinstance(target, dict):
        target.pop(path[-1], None)
    else:
        target[path[-1]] = new
    return value


@st.composite
def bent(draw: st.DrawFn, base: dict[str, Any]) -> Any:
    """``base`` with one to three subtrees replaced by arbitrary JSON or removed."""
    value = copy.deepcopy(base)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(value)
        path = draw(st.sampled_from(paths))
        value = _set(value, path, draw(json_values), draw(st.booleans()))
    return value


BASES = {name: make() for name, make in SAMPLES.items()}


def payload_strategy(name: str) -> st.SearchStrategy[Any]:
    base = BASES[name]
    return st.one_of(bent(base), json_values, st.just(base))


def dumps(value: Any) -> str:
    return json.dumps(value)



# Every loop action id and callback id, for the parsers' property tests.
LOOP_SURFACES: dict[str, Any] = {
    **{f"click {a}": (lambda a=a: loop_click(a)) for a in loop_action_ids()},
    **{f"dm click {a}": (lambda a=a: loop_click(a, channel="D0DANA"))
       for a in loop_action_ids()},
    **{f"menu {a.value}": (lambda a=a: loop_menu(f"{a.value}:1")) for a in Action},
    **{f"form {a.value}": (lambda a=a: loop_form(a)) for a in FRAMES},
}

# The other listeners' surfaces: every KB, Jira, Add details and thread id, and the commands.
LISTENER_SURFACES: dict[str, Any] = {
    **{f"kb {a}": (lambda a=a: kb_click(a)) for a in (APPROVE, EDIT, DISCARD)},
    "kb edit form": kb_edit,
    "jira create": jira_click,
    "add details": add_details_click,
    "add details form": details_submission,
    "severity pick": severity_pick,
    "thread shortcut": thread_shortcut,
    "/escalation": escalation_command,
    "/escalate": slash_command,
}
SURFACES: dict[str, Any] = {**LOOP_SURFACES, **LISTENER_SURFACES}
