"""Typed Slack payloads: one total parser per surface (see :mod:`bot.inbound` for usage).

Each ``parse_*`` takes the request body as Bolt hands it over (``body``) and returns a frozen
dataclass holding only what the bot reads, checked for type and shape, or raises
:class:`~bot.inbound.read.Malformed`. Form element values are read leniently: a value of the
wrong JSON type becomes :data:`WRONG_TYPE` on that element (the core turns it into an error on
the field) instead of failing the whole submission.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from bot.inbound.read import (
    Malformed,
    array,
    ident,
    obj,
    opt_ident,
    opt_message_ts,
    opt_obj,
    opt_slack_id,
    opt_text,
    opt_url,
    slack_id,
    text,
    whole_number,
)
from core.inputs import WRONG_TYPE, RawValue

__all__ = [
    "WRONG_TYPE",
    "BlockAction",
    "Element",
    "Event",
    "Shortcut",
    "SlashCommand",
    "View",
    "ViewSubmission",
    "parse_block_action",
    "parse_event",
    "parse_shortcut",
    "parse_slash_command",
    "parse_view_submission",
    "request_ids",
]

MAX_TEXT: Final = 40_000  # far above Slack's own limits (3000 per input, 4000 per command)


# ---------------------------------------------------------------- slash commands


@dataclass(frozen=True)
class SlashCommand:
    command: str
    user: str
    text: str
    trigger_id: str
    channel: str | None = None
    team: str | None = None
    response_url: str | None = None


def parse_slash_command(body: object) -> SlashCommand:
    data = obj(body, "body")
    return SlashCommand(
        command=ident(data.get("command"), "command"),
        user=slack_id(data.get("user_id"), "user_id"),
        text=text(data.get("text") or "", "text", max_length=MAX_TEXT),
        trigger_id=ident(data.get("trigger_id"), "trigger_id"),
        channel=opt_slack_id(data.get("channel_id"), "channel_id"),
        team=opt_slack_id(data.get("team_id"), "team_id"),
        response_url=opt_url(data.get("response_url"), "response_url"),
    )


# ---------------------------------------------------------------- views and their state


@dataclass(frozen=True)
class Element:
    """One input element's value as the form holds it.

    ``value`` is a ``str`` (text inputs, single selects, users, dates, times), an ``int``
    (a datetimepicker's epoch seconds), a ``tuple`` of strings (checkboxes, multi-selects),
    ``None`` (nothing entered) or :data:`WRONG_TYPE`.
    """

    type: str
    value: RawValue


_TEXT_KEYS = {"plain_text_input": "value", "number_input": "value", "url_text_input": "value",
              "email_text_input": "value", "rich_text_input": None,
              "users_select": "selected_user", "conversations_select": "selected_conversation",
              "channels_select": "selected_channel", "datepicker": "selected_date",
              "timepicker": "selected_time"}
_SINGLE_OPTION = {"static_select", "external_select", "radio_buttons"}
_MULTI_OPTION = {"checkboxes", "multi_static_select", "multi_external_select"}
_MULTI_IDS = {"multi_users_select": "selected_users",
              "multi_conversations_select": "selected_conversations",
              "multi_channels_select": "selected_channels"}


def _option_value(option: object) -> str | None:
    if not isinstance(option, dict):
        return None
    value = option.get("value")
    return value if isinstance(value, str) and len(value) <= 2000 else None


def _files(files: object) -> RawValue:
    """A file input's uploads as ``name<TAB>permalink`` lines (what the packet links to)."""
    if files is None:
        return None
    if not isinstance(files, list) or len(files) > 100:
        return WRONG_TYPE
    lines = []
    for item in files:
        if not isinstance(item, dict):
            return WRONG_TYPE
        link = item.get("permalink")
        if not isinstance(link, str) or not link or len(link) > 2000:
            continue  # a file Slack has not finished sharing: nothing to link to yet
        name = item.get("name") or item.get("title")
        name = name if isinstance(name, str) and name.strip() else "file"
        lines.append(f"{' '.join(name.split())[:200]}\t{''.join(link.split())}")
    return "\n".join(lines) or None


def _element_value(kind: str, data: Mapping[str, Any]) -> RawValue:
    if kind in _TEXT_KEYS:
        key = _TEXT_KEYS[kind]
        if key is None:
            return None  # rich text is not read by this bot
        value = data.get(key)
        if value is None:
            return None
        return value if isinstance(value, str) and len(value) <= MAX_TEXT else WRONG_TYPE
    if kind in _SINGLE_OPTION:
        option = data.get("selected_option")
        if option is None:
            return None
        picked = _option_value(option)
        return WRONG_TYPE if picked is None else picked
    if kind in _MULTI_OPTION:
        options = data.get("selected_options")
        if options is None:
            return ()
        if not isinstance(options, list) or len(options) > 100:
            return WRONG_TYPE
        values = [_option_value(o) for o in options]
        if any(v is None for v in values):
            return WRONG_TYPE
        return tuple(v for v in values if v is not None)
    if kind in _MULTI_IDS:
        ids = data.get(_MULTI_IDS[kind])
        if ids is None:
            return ()
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            return WRONG_TYPE
        return tuple(ids)
    if kind == "file_input":
        return _files(data.get("files"))
    if kind == "datetimepicker":
        stamp = data.get("selected_date_time")
        if stamp is None:
            return None
        if isinstance(stamp, bool) or not isinstance(stamp, int):
            return WRONG_TYPE
        return stamp
    return None  # an element type this bot does not read


ViewState = Mapping[str, Mapping[str, Element]]


def parse_state(value: object) -> ViewState:
    state = opt_obj(value, "view.state") or {}
    values = opt_obj(state.get("values"), "view.state.values") or {}
    out: dict[str, dict[str, Element]] = {}
    for block_id, actions in values.items():
        block = obj(actions, "view.state.values[block]")
        elements: dict[str, Element] = {}
        for action_id, raw in block.items():
            element = obj(raw, "view.state.values[block][action]")
            kind = element.get("type")
            if not isinstance(kind, str):
                raise Malformed("view.state.values[block][action].type: not a string")
            elements[action_id] = Element(kind, _element_value(kind, element))
        out[block_id] = elements
    return out


def _input_block_ids(blocks: object) -> tuple[str, ...]:
    if not isinstance(blocks, list):
        return ()
    return tuple(b["block_id"] for b in blocks
                 if isinstance(b, dict) and b.get("type") == "input"
                 and isinstance(b.get("block_id"), str) and b["block_id"])


@dataclass(frozen=True)
class View:
    id: str
    callback_id: str
    type: str = "modal"
    root_view_id: str | None = None
    hash: str | None = None
    private_metadata: str = ""
    state: ViewState = field(default_factory=dict)
    # The view's input blocks (for answering a submission with a field error).
    input_blocks: tuple[str, ...] = ()

    @property
    def draft_key(self) -> str:
        """One draft per modal: the root view id survives updates and pushes."""
        return self.root_view_id or self.id

    def element(self, block_id: str, action_id: str | None = None) -> Element | None:
        return self.state.get(block_id, {}).get(action_id or block_id)


def parse_view(value: object, where: str = "view") -> View:
    data = obj(value, where)
    return View(
        id=ident(data.get("id"), f"{where}.id"),
        callback_id=text(data.get("callback_id") or "", f"{where}.callback_id", max_length=255),
        type=text(data.get("type") or "modal", f"{where}.type", max_length=32),
        root_view_id=opt_ident(data.get("root_view_id"), f"{where}.root_view_id"),
        hash=opt_ident(data.get("hash"), f"{where}.hash"),
        private_metadata=text(data.get("private_metadata") or "", f"{where}.private_metadata",
                              max_length=3000),
        state=parse_state(data.get("state")),
        input_blocks=_input_block_ids(data.get("blocks")),
    )


def _user(data: Mapping[str, Any]) -> str:
    user = obj(data.get("user"), "user")
    return slack_id(user.get("id"), "user.id")


def _team(data: Mapping[str, Any]) -> str | None:
    team = data.get("team")
    if isinstance(team, dict):
        return opt_slack_id(team.get("id"), "team.id")
    return None


@dataclass(frozen=True)
class ViewSubmission:
    user: str
    view: View
    team: str | None = None
    trigger_id: str | None = None


def parse_view_submission(body: object) -> ViewSubmission:
    data = obj(body, "body")
    return ViewSubmission(user=_user(data), view=parse_view(data.get("view")), team=_team(data),
                          trigger_id=opt_ident(data.get("trigger_id"), "trigger_id"))


# ---------------------------------------------------------------- block actions


@dataclass(frozen=True)
class BlockAction:
    """One click or selection (``actions[0]``) in a message, a modal or App Home."""

    user: str
    action_id: str
    block_id: str | None
    # A button's value or a single select's choice; ``selected`` for multi-selects.
    value: str | None
    selected: tuple[str, ...] = ()
    team: str | None = None
    trigger_id: str | None = None
    channel: str | None = None
    message_ts: str | None = None
    response_url: str | None = None
    view: View | None = None
    action_ts: str | None = None
    # The clicked message's text and blocks (to redraw it without its buttons); may hold PII.
    message_text: str | None = None
    message_blocks: tuple[Mapping[str, Any], ...] = ()

    def number(self, *, low: int = 1, high: int = 2**53) -> int:
        """The value as a whole number in range (e.g. an escalation id on a button)."""
        return whole_number(self.value, "actions[0].value", low=low, high=high)

    def where(self) -> str:
        """Delivery key material: one click is one action_ts in one container."""
        return f"{self.action_id}:{self.action_ts}:{self.message_ts or ''}"


def parse_block_action(body: object) -> BlockAction:
    data = obj(body, "body")
    actions = array(data.get("actions"), "actions")
    if not actions:
        raise Malformed("actions: empty")
    action = obj(actions[0], "actions[0]")
    value = opt_text(action.get("value"), "actions[0].value", max_length=2000)
    selected: tuple[str, ...] = ()
    if value is None and action.get("selected_option") is not None:
        value = _option_value(action.get("selected_option"))
        if value is None:
            raise Malformed("actions[0].selected_option: not an option")
    if action.get("selected_options") is not None:
        options = array(action.get("selected_options"), "actions[0].selected_options")
        picked = [_option_value(o) for o in options]
        if any(p is None for p in picked):
            raise Malformed("actions[0].selected_options: not a list of options")
        selected = tuple(p for p in picked if p is not None)
    container = opt_obj(data.get("container"), "container") or {}
    channel_obj = opt_obj(data.get("channel"), "channel") or {}
    message = opt_obj(data.get("message"), "message") or {}
    channel = opt_slack_id(channel_obj.get("id"), "channel.id") or \
        opt_slack_id(container.get("channel_id"), "container.channel_id")
    ts = opt_message_ts(container.get("message_ts"), "container.message_ts") or \
        opt_message_ts(message.get("ts"), "message.ts")
    view = parse_view(data["view"]) if data.get("view") is not None else None
    shown = message.get("blocks")
    blocks = tuple(b for b in shown if isinstance(b, dict) and isinstance(b.get("type"), str)) \
        if isinstance(shown, list) else ()
    return BlockAction(
        user=_user(data),
        action_id=ident(action.get("action_id"), "actions[0].action_id"),
        block_id=opt_ident(action.get("block_id"), "actions[0].block_id"),
        value=value,
        selected=selected,
        team=_team(data),
        trigger_id=opt_ident(data.get("trigger_id"), "trigger_id"),
        channel=channel,
        message_ts=ts,
        response_url=opt_url(data.get("response_url"), "response_url"),
        view=view,
        action_ts=opt_text(action.get("action_ts"), "actions[0].action_ts", max_length=32),
        message_text=message.get("text") if isinstance(message.get("text"), str) else None,
        message_blocks=blocks,
    )


# ---------------------------------------------------------------- shortcuts


@dataclass(frozen=True)
class Shortcut:
    """A global shortcut (``shortcut``) or a message shortcut (``message_action``)."""

    type: str
    callback_id: str
    user: str
    trigger_id: str
    team: str | None = None
    channel: str | None = None
    message_ts: str | None = None
    # The message's text and author (message shortcuts only); text may hold PII: never log.
    message_text: str | None = None
    message_user: str | None = None
    thread_ts: str | None = None
    response_url: str | None = None
    # How many replies the message has (a thread's parent says so; a reply does not).
    reply_count: int | None = None


def parse_shortcut(body: object) -> Shortcut:
    data = obj(body, "body")
    kind = text(data.get("type"), "type", max_length=32)
    if kind not in ("shortcut", "message_action"):
        raise Malformed("type: not a shortcut")
    channel = opt_obj(data.get("channel"), "channel") or {}
    message = opt_obj(data.get("message"), "message") or {}
    if kind == "message_action" and not message:
        raise Malformed("message: missing")
    return Shortcut(
        type=kind,
        callback_id=ident(data.get("callback_id"), "callback_id"),
        user=_user(data),
        trigger_id=ident(data.get("trigger_id"), "trigger_id"),
        team=_team(data),
        channel=opt_slack_id(channel.get("id"), "channel.id"),
        message_ts=opt_message_ts(message.get("ts") or data.get("message_ts"), "message.ts"),
        message_text=opt_text(message.get("text"), "message.text", max_length=MAX_TEXT),
        message_user=opt_slack_id(message.get("user"), "message.user"),
        thread_ts=opt_message_ts(message.get("thread_ts"), "message.thread_ts"),
        response_url=opt_url(data.get("response_url"), "response_url"),
        reply_count=whole_number(message["reply_count"], "message.reply_count", low=0,
                                 high=10**9) if message.get("reply_count") is not None
        else None,
    )


# ---------------------------------------------------------------- events


@dataclass(frozen=True)
class Event:
    """An Events API event: its type, who and where (the rest stays in ``raw``)."""

    type: str
    user: str | None
    channel: str | None
    tab: str | None
    event_id: str | None
    raw: Mapping[str, Any]


def parse_event(body: object) -> Event:
    data = obj(body, "body")
    event = obj(data.get("event"), "event")
    user = event.get("user")
    return Event(
        type=ident(event.get("type"), "event.type"),
        user=opt_slack_id(user, "event.user") if not isinstance(user, dict) else
        opt_slack_id(user.get("id"), "event.user.id"),
        channel=opt_slack_id(event.get("channel"), "event.channel")
        if not isinstance(event.get("channel"), dict) else None,
        tab=opt_text(event.get("tab"), "event.tab", max_length=32),
        event_id=opt_text(data.get("event_id"), "event_id", max_length=255),
        raw=event,
    )


# ---------------------------------------------------------------- log lines


def _safe(value: object) -> str | None:
    return value if isinstance(value, str) and len(value) <= 64 and value.isprintable() \
        and " " not in value else None


def request_ids(body: object) -> str:
    """Request type and ids for a log line — never any user text from the payload."""
    if not isinstance(body, dict):
        return "request=unreadable"
    parts: list[str] = []
    kind = _safe(body.get("type")) or (_safe(body.get("command")) and "slash_command")
    parts.append(f"type={kind or 'unknown'}")
    if isinstance(body.get("command"), str):
        parts.append(f"command={_safe(body['command'])}")
    user = body.get("user")
    user_id = user.get("id") if isinstance(user, dict) else body.get("user_id")
    for name, value in (("user", user_id), ("team", body.get("team_id") or (
            body["team"].get("id") if isinstance(body.get("team"), dict) else None))):
        if _safe(value):
            parts.append(f"{name}={value}")
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict) \
            and _safe(actions[0].get("action_id")):
        parts.append(f"action_id={actions[0]['action_id']}")
    view = body.get("view")
    if isinstance(view, dict):
        for key in ("id", "callback_id"):
            if _safe(view.get(key)):
                parts.append(f"view.{key}={view[key]}")
    if _safe(body.get("callback_id")):
        parts.append(f"callback_id={body['callback_id']}")
    event = body.get("event")
    if isinstance(event, dict) and _safe(event.get("type")):
        parts.append(f"event={event['type']}")
    if _safe(body.get("event_id")):
        parts.append(f"event_id={body['event_id']}")
    return " ".join(parts)
