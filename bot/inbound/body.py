"""HTTP request bodies from Slack: form data (commands, ``payload=`` JSON) or a JSON object.

Called only after the signature was checked. Anything else is :class:`Malformed` (→ 400).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from bot.inbound.read import Malformed

MAX_BODY_BYTES = 3 * 1024 * 1024


def parse_body(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """The request as a JSON object; :class:`Malformed` when it cannot be one."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("body: not UTF-8") from None
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind == "application/json" or (kind != "application/x-www-form-urlencoded"
                                      and text.lstrip().startswith("{")):
        return _json_object(text, "body")
    try:
        fields = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text),
                           errors="strict", max_num_fields=1000)
    except (ValueError, UnicodeDecodeError):
        raise Malformed("body: not form data") from None
    form: dict[str, Any] = {}
    for key, value in fields:
        if key in form:
            raise Malformed(f"body: field {key[:40]!r} repeated")
        form[key] = value
    if "payload" in form:
        if len(form) > 1:
            raise Malformed("body: payload beside other fields")
        return _json_object(form["payload"], "payload")
    if not form:
        raise Malformed("body: empty")
    return form


def _json_object(text: str, where: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise Malformed(f"{where}: not JSON") from None
    if not isinstance(data, dict):
        raise Malformed(f"{where}: not a JSON object")
    return data


# What Bolt's own middleware and listener matchers read from a request, and the JSON type
# they assume. A request that breaks these assumptions is answered before Bolt sees it.
_OBJECTS = ("event", "view", "container", "message", "previous_message", "state",
            "function_data", "assistant_thread", "bot_profile", "workflow_step")
_OBJECT_OR_TEXT = ("user", "team", "enterprise", "channel")
_TEXTS = ("type", "command", "callback_id", "user_id", "team_id", "channel_id",
          "enterprise_id", "trigger_id", "action_id", "block_id", "event_id", "subtype",
          "bot_id", "id", "tab", "context_team_id", "context_enterprise_id", "user_team",
          "api_app_id", "app_id", "thread_ts", "ts", "response_url")
_LISTS_OF_OBJECTS = ("actions", "authorizations", "response_urls")


# Bolt asks ``"type" in body["event"]`` / ``"callback_id" in body["view"]`` /
# ``len(body["response_urls"])`` as soon as the key is present: a present null raises there.
_NEVER_NULL = ("event", "view", "response_urls")


def check_envelope(body: dict[str, Any], where: str = "body", depth: int = 0) -> None:
    """Raise :class:`Malformed` when a field Bolt reads has a type Bolt does not expect."""
    for key in _NEVER_NULL:
        if key in body and body[key] is None:
            raise Malformed(f"{where}.{key}: null")
    for key in _OBJECTS:
        value = body.get(key)
        if value is not None:
            if not isinstance(value, dict):
                raise Malformed(f"{where}.{key}: not an object")
            if depth < 2:
                check_envelope(value, f"{where}.{key}", depth + 1)
    for key in _OBJECT_OR_TEXT:
        value = body.get(key)
        if value is not None and not isinstance(value, dict | str):
            raise Malformed(f"{where}.{key}: neither an object nor a string")
        if isinstance(value, dict) and depth < 2:
            check_envelope(value, f"{where}.{key}", depth + 1)
    for key in _TEXTS:
        value = body.get(key)
        if value is not None and not isinstance(value, str):
            raise Malformed(f"{where}.{key}: not a string")
    for key in _LISTS_OF_OBJECTS:
        value = body.get(key)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise Malformed(f"{where}.{key}: not a list of objects")
        for index, item in enumerate(value[:5]):
            check_envelope(item, f"{where}.{key}[{index}]", depth + 1)
    if depth == 0 and body.get("type") in ("block_actions", "interactive_message") \
            and not body.get("actions"):
        raise Malformed(f"{where}.actions: missing or empty")
    if depth == 0:
        _check_workflow_step(body, where)
    shared = body.get("is_ext_shared_channel")
    if shared is not None and not isinstance(shared, bool):
        raise Malformed(f"{where}.is_ext_shared_channel: not a boolean")


def _check_workflow_step(body: dict[str, Any], where: str) -> None:
    """Bolt's ``to_step`` (run for every request) reads ``body["view"]["type"]`` of any view
    submission with a callback id, and ``body["workflow_step"]`` of a submission whose view
    type is ``workflow_step`` or of a ``workflow_step_edit`` — keys it does not check for."""
    view = body.get("view")
    if body.get("type") == "view_submission" and isinstance(view, dict) \
            and "callback_id" in view:
        if not isinstance(view.get("type"), str):
            raise Malformed(f"{where}.view.type: missing")
        if view["type"] == "workflow_step" and not isinstance(body.get("workflow_step"), dict):
            raise Malformed(f"{where}.workflow_step: missing")
    if body.get("type") == "workflow_step_edit" and "callback_id" in body \
            and not isinstance(body.get("workflow_step"), dict):
        raise Malformed(f"{where}.workflow_step: missing")
