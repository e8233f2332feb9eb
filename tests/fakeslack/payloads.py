"""Payloads Slack sends to apps: slash commands, block_actions, view_submission, events.

Shapes follow java-slack-sdk's app-backend samples (same top-level keys, realistic values).
Keys that Slack only sends in other contexts are left out: ``enterprise_id``/``enterprise_name``
on slash commands (Enterprise Grid only), ``function_data``/``interactivity``/``bot_access_token``
(workflow functions only), ``app_unfurl`` (unfurls only). ``enterprise`` is ``null`` as on a
non-Grid workspace.
"""

from __future__ import annotations

import copy
import datetime as dt
import secrets
import time
from typing import Any

from .state import JsonDict, SlackIdentity
from .views import iter_elements

TEXT_INPUTS = frozenset({"plain_text_input", "url_text_input", "email_text_input", "number_input"})
SINGLE_OPTION = frozenset({"static_select", "external_select", "radio_buttons", "overflow"})
MULTI_OPTION = frozenset({"multi_static_select", "multi_external_select", "checkboxes"})
# element type -> (state key, initial key, multi)
ID_SELECTS: dict[str, tuple[str, str, bool]] = {
    "users_select": ("selected_user", "initial_user", False),
    "multi_users_select": ("selected_users", "initial_users", True),
    "conversations_select": ("selected_conversation", "initial_conversation", False),
    "multi_conversations_select": ("selected_conversations", "initial_conversations", True),
    "channels_select": ("selected_channel", "initial_channel", False),
    "multi_channels_select": ("selected_channels", "initial_channels", True),
}
DATE_TIME = {
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
}
STATEFUL = (
    TEXT_INPUTS
    | SINGLE_OPTION
    | MULTI_OPTION
    | frozenset(ID_SELECTS)
    | frozenset(DATE_TIME)
    | {"rich_text_input", "file_input"}
)


def team_object(ident: SlackIdentity) -> JsonDict:
    return {"id": ident.team_id, "domain": ident.team_domain}


def user_object(ident: SlackIdentity, user_id: str, user_name: str) -> JsonDict:
    return {"id": user_id, "username": user_name, "name": user_name, "team_id": ident.team_id}


def action_ts() -> str:
    return f"{time.time():.6f}"


# ----- slash commands ------------------------------------------------------------------------


def slash_command(
    ident: SlackIdentity,
    *,
    command: str,
    text: str,
    user_id: str,
    user_name: str,
    channel_id: str,
    channel_name: str,
    response_url: str,
    trigger_id: str,
) -> dict[str, str]:
    """The form fields of a slash command request (all strings, as Slack sends them)."""
    return {
        "token": ident.verification_token,
        "team_id": ident.team_id,
        "team_domain": ident.team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": ident.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


# ----- element state -------------------------------------------------------------------------


def find_element(
    blocks: list[JsonDict], key: str, *, block_id: str | None = None
) -> tuple[str, JsonDict] | None:
    """The element with ``action_id == key`` (or the input block with ``block_id == key``)."""
    for found_block_id, element, _in_input in iter_elements(blocks):
        if block_id is not None and found_block_id != block_id:
            continue
        if element.get("action_id") == key:
            return found_block_id, element
    for found_block_id, element, in_input in iter_elements(blocks):
        if in_input and found_block_id == key:
            return found_block_id, element
    return None


def _options(element: JsonDict) -> list[JsonDict]:
    options = [o for o in element.get("options", []) if isinstance(o, dict)]
    for group in element.get("option_groups", []):
        options.extend(o for o in group.get("options", []) if isinstance(o, dict))
    return options


def _option(element: JsonDict, value: Any) -> JsonDict | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return copy.deepcopy(value)
    options = _options(element)
    for option in options:
        if option.get("value") == str(value):
            return copy.deepcopy(option)
    for option in options:
        if option.get("text", {}).get("text") == str(value):
            return copy.deepcopy(option)
    if element.get("type") in ("external_select", "multi_external_select"):
        return {
            "text": {"type": "plain_text", "text": str(value), "emoji": True},
            "value": str(value),
        }
    known = [o.get("value") for o in options]
    raise AssertionError(
        f"{element.get('action_id')}: no option with value {value!r} (options: {known})"
    )


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    return [value]


def _date_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datepicker" and isinstance(value, dt.date | dt.datetime):
        return value.strftime("%Y-%m-%d")
    if kind == "timepicker" and isinstance(value, dt.time | dt.datetime):
        return value.strftime("%H:%M")
    if kind == "datetimepicker":
        if isinstance(value, dt.datetime):
            return int(value.timestamp())
        return int(value)
    return str(value)


def rich_text(text: str) -> JsonDict:
    return {
        "type": "rich_text",
        "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
    }


def state_entry(element: JsonDict, value: Any) -> JsonDict:
    """``state.values[block_id][action_id]`` for a user choosing ``value`` in ``element``."""
    kind = str(element.get("type"))
    entry: JsonDict = {"type": kind}
    if kind in TEXT_INPUTS:
        entry["value"] = None if value is None else str(value)
    elif kind in SINGLE_OPTION:
        entry["selected_option"] = _option(element, value)
    elif kind in MULTI_OPTION:
        entry["selected_options"] = [_option(element, v) for v in _as_list(value)]
    elif kind in ID_SELECTS:
        key, _, multi = ID_SELECTS[kind]
        entry[key] = [str(v) for v in _as_list(value)] if multi else value
    elif kind in DATE_TIME:
        entry[DATE_TIME[kind][0]] = _date_value(kind, value)
    elif kind == "rich_text_input":
        entry["rich_text_value"] = rich_text(value) if isinstance(value, str) else value
    elif kind == "file_input":
        entry["files"] = _as_list(value)
    else:
        entry["value"] = value
    return entry


def initial_entry(element: JsonDict) -> JsonDict:
    """The state an untouched element submits: its ``initial_*`` value, else null/empty."""
    kind = str(element.get("type"))
    entry: JsonDict = {"type": kind}
    if kind in TEXT_INPUTS:
        initial = element.get("initial_value")
        entry["value"] = None if initial is None else str(initial)
    elif kind in SINGLE_OPTION:
        entry["selected_option"] = copy.deepcopy(element.get("initial_option"))
    elif kind in MULTI_OPTION:
        entry["selected_options"] = copy.deepcopy(element.get("initial_options", []))
    elif kind in ID_SELECTS:
        key, initial_key, multi = ID_SELECTS[kind]
        entry[key] = list(element.get(initial_key, [])) if multi else element.get(initial_key)
    elif kind in DATE_TIME:
        key, initial_key = DATE_TIME[kind]
        entry[key] = element.get(initial_key)
    elif kind == "rich_text_input":
        entry["rich_text_value"] = copy.deepcopy(element.get("initial_value"))
    elif kind == "file_input":
        entry["files"] = []
    return entry


def _has_initial(element: JsonDict) -> bool:
    return any(key.startswith("initial_") for key in element)


def full_state(view: JsonDict) -> JsonDict:
    """``view.state.values`` as the client submits it: typed values, else initial values.

    Input blocks always appear (null when empty); other stateful elements appear once typed
    into or when they have an initial value.
    """
    typed: JsonDict = view.get("state", {}).get("values", {})
    values: JsonDict = {}
    for block_id, element, in_input in iter_elements(view.get("blocks", [])):
        kind = element.get("type")
        action_id = str(element.get("action_id", ""))
        if kind not in STATEFUL:
            continue
        entry = typed.get(block_id, {}).get(action_id)
        if entry is None and (in_input or _has_initial(element)):
            entry = initial_entry(element)
        if entry is not None:
            values.setdefault(block_id, {})[action_id] = copy.deepcopy(entry)
    return values


def is_empty(entry: JsonDict) -> bool:
    for key, value in entry.items():
        if key == "type":
            continue
        if value not in (None, "", [], {}):
            return False
    return True


def client_side_errors(view: JsonDict, state: JsonDict) -> dict[str, str]:
    """What the Slack client itself refuses before sending a view_submission."""
    errors: dict[str, str] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input" or not isinstance(block.get("element"), dict):
            continue
        block_id = str(block.get("block_id"))
        element = block["element"]
        entry = state.get(block_id, {}).get(str(element.get("action_id", "")), {})
        if is_empty(entry):
            if not block.get("optional", False):
                errors[block_id] = "Please fill out this field."
            continue
        problem = _element_problem(element, entry)
        if problem:
            errors[block_id] = problem
    return errors


def _element_problem(element: JsonDict, entry: JsonDict) -> str | None:
    kind = element.get("type")
    value = entry.get("value")
    if kind == "plain_text_input" and isinstance(value, str):
        if "min_length" in element and len(value) < int(element["min_length"]):
            return f"Must be at least {element['min_length']} characters."
        if "max_length" in element and len(value) > int(element["max_length"]):
            return f"Must be at most {element['max_length']} characters."
    if kind == "number_input" and isinstance(value, str):
        try:
            number = float(value) if element.get("is_decimal_allowed") else int(value)
        except ValueError:
            return "Please enter a valid number."
        if "min_value" in element and number < float(element["min_value"]):
            return f"Must be at least {element['min_value']}."
        if "max_value" in element and number > float(element["max_value"]):
            return f"Must be at most {element['max_value']}."
    if kind == "email_text_input" and isinstance(value, str) and "@" not in value:
        return "Please enter a valid email address."
    if (
        kind == "url_text_input"
        and isinstance(value, str)
        and not value.startswith(("http://", "https://"))
    ):
        return "Please enter a valid URL."
    return None


def action_object(element: JsonDict, block_id: str, value: Any) -> JsonDict:
    """One entry of ``actions`` in a block_actions payload."""
    kind = str(element.get("type"))
    action: JsonDict = {
        "action_id": element.get("action_id", ""),
        "block_id": block_id,
        "type": kind,
        "action_ts": action_ts(),
    }
    if kind == "button":
        action["text"] = copy.deepcopy(element.get("text"))
        chosen = value if value is not None else element.get("value")
        if chosen is not None:
            action["value"] = str(chosen)
        for key in ("style", "url"):
            if key in element:
                action[key] = element[key]
        return action
    if kind in STATEFUL:
        entry = state_entry(element, value)
        entry.pop("type")
        action.update(entry)
    elif value is not None:
        action["value"] = value
    for key in ("placeholder", "initial_option", "initial_date", "initial_user"):
        if key in element:
            action[key] = copy.deepcopy(element[key])
    return action


# ----- interaction payloads --------------------------------------------------------------------


def _interaction_base(kind: str, ident: SlackIdentity, user: JsonDict, trigger_id: str) -> JsonDict:
    return {
        "type": kind,
        "user": user,
        "api_app_id": ident.app_id,
        "token": ident.verification_token,
        "trigger_id": trigger_id,
        "team": team_object(ident),
        "enterprise": None,
        "is_enterprise_install": False,
    }


def message_shortcut(
    ident: SlackIdentity,
    *,
    user: JsonDict,
    trigger_id: str,
    callback_id: str,
    channel_id: str,
    channel_name: str,
    message: JsonDict,
    response_url: str,
) -> JsonDict:
    """A message shortcut (``message_action``), in the shape of Slack's MessageShortcutPayload."""
    payload = _interaction_base("message_action", ident, user, trigger_id)
    payload.update(
        {
            "callback_id": callback_id,
            "message_ts": message["ts"],
            "message": copy.deepcopy(message),
            "channel": {"id": channel_id, "name": channel_name},
            "response_url": response_url,
            "action_ts": action_ts(),
        }
    )
    return payload


def block_actions_from_message(
    ident: SlackIdentity,
    *,
    user: JsonDict,
    trigger_id: str,
    channel_id: str,
    channel_name: str,
    message: JsonDict,
    action: JsonDict,
    response_url: str,
) -> JsonDict:
    payload = _interaction_base("block_actions", ident, user, trigger_id)
    container: JsonDict = {
        "type": "message",
        "message_ts": message["ts"],
        "channel_id": channel_id,
        "is_ephemeral": False,
    }
    if message.get("thread_ts") and message["thread_ts"] != message["ts"]:
        container["thread_ts"] = message["thread_ts"]
    payload.update(
        {
            "container": container,
            "channel": {"id": channel_id, "name": channel_name},
            "message": copy.deepcopy(message),
            "state": {"values": {}},
            "response_url": response_url,
            "actions": [action],
        }
    )
    return payload


def block_actions_from_view(
    ident: SlackIdentity, *, user: JsonDict, trigger_id: str, view: JsonDict, action: JsonDict
) -> JsonDict:
    payload = _interaction_base("block_actions", ident, user, trigger_id)
    payload.update(
        {
            "container": {"type": "view", "view_id": view["id"]},
            "view": view_with_state(view),
            "actions": [action],
        }
    )
    return payload


def view_with_state(view: JsonDict) -> JsonDict:
    shown = copy.deepcopy(view)
    shown["state"] = {"values": full_state(view)}
    return shown


def view_submission(
    ident: SlackIdentity, *, user: JsonDict, trigger_id: str, view: JsonDict
) -> JsonDict:
    payload = _interaction_base("view_submission", ident, user, trigger_id)
    payload.update({"view": view_with_state(view), "response_urls": []})
    return payload


def view_closed(ident: SlackIdentity, *, user: JsonDict, view: JsonDict, cleared: bool) -> JsonDict:
    payload = _interaction_base("view_closed", ident, user, "")
    del payload["trigger_id"]
    payload.update({"view": view_with_state(view), "is_cleared": cleared})
    return payload


# ----- Events API ------------------------------------------------------------------------------


def event_callback(
    ident: SlackIdentity, event: JsonDict, *, event_id: str | None = None
) -> JsonDict:
    now = time.time()
    body = copy.deepcopy(event)
    body.setdefault("event_ts", f"{now:.6f}")
    return {
        "token": ident.verification_token,
        "team_id": ident.team_id,
        "context_team_id": ident.team_id,
        "context_enterprise_id": None,
        "api_app_id": ident.app_id,
        "event": body,
        "type": "event_callback",
        "event_id": event_id or "Ev" + secrets.token_hex(5).upper(),
        "event_time": int(now),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ident.team_id,
                "user_id": ident.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-" + secrets.token_urlsafe(24),
    }


def file_object(ident: SlackIdentity, user_id: str, name: str,
                mimetype: str = "image/png") -> JsonDict:
    """A file as a ``file_input`` element's state carries it after the user uploaded it
    (``view.state.values[block][action].files``): Slack's file object, permalink included."""
    file_id = "F" + secrets.token_hex(5).upper()
    host = f"https://{ident.team_domain}.slack.com" if getattr(ident, "team_domain", None) \
        else "https://fake-workspace.slack.com"
    return {
        "id": file_id, "created": int(time.time()), "timestamp": int(time.time()),
        "name": name, "title": name, "mimetype": mimetype,
        "filetype": name.rsplit(".", 1)[-1], "pretty_type": name.rsplit(".", 1)[-1].upper(),
        "user": user_id, "user_team": ident.team_id, "editable": False, "size": 48213,
        "mode": "hosted", "is_external": False, "external_type": "", "is_public": False,
        "public_url_shared": False, "display_as_bot": False, "username": "",
        "url_private": f"https://files.slack.com/files-pri/{ident.team_id}-{file_id}/{name}",
        "url_private_download":
            f"https://files.slack.com/files-pri/{ident.team_id}-{file_id}/download/{name}",
        "permalink": f"{host}/files/{user_id}/{file_id}/{name}",
        "permalink_public": f"https://slack-files.com/{ident.team_id}-{file_id}-0a1b2c3d4e",
        "is_starred": False, "has_rich_preview": False, "file_access": "visible",
    }
