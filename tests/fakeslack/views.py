"""Views as Slack keeps them: ids, hashes, per-user modal stacks, Home tabs, preserved input state.

These functions run under the owner's lock and raise :class:`ApiError` with Slack's error codes.
"""

from __future__ import annotations

import copy
import secrets
import time
from collections.abc import Iterator
from typing import Any

from .state import JsonDict, SlackIdentity, WorkspaceState, random_id

MAX_MODAL_STACK = 3  # a root view plus two pushed views
TRIGGER_TTL_SECONDS = 3.0


class ApiError(Exception):
    """An ``{"ok": false, "error": ...}`` answer (HTTP 200)."""

    def __init__(self, error: str, *, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []

    def to_response(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


def new_hash() -> str:
    return f"{int(time.time())}.{secrets.token_hex(4)}"


def new_block_id() -> str:
    return secrets.token_hex(3)[:5]


def with_block_ids(blocks: object) -> list[JsonDict]:
    """Copy blocks, giving each block without a ``block_id`` a random one as Slack does."""
    if not isinstance(blocks, list):
        return []
    result: list[JsonDict] = []
    for block in blocks:
        if isinstance(block, dict):
            block = copy.deepcopy(block)
            block.setdefault("block_id", new_block_id())
            result.append(block)
    return result


def _text_object(value: object) -> object:
    if isinstance(value, dict):
        normalised = dict(value)
        if normalised.get("type") == "plain_text":
            normalised.setdefault("emoji", True)
        return normalised
    return value


def iter_elements(blocks: list[JsonDict]) -> Iterator[tuple[str, JsonDict, bool]]:
    """Every interactive element: (block_id, element, inside an input block)."""
    for block in blocks:
        block_id = str(block.get("block_id", ""))
        kind = block.get("type")
        if kind == "input" and isinstance(block.get("element"), dict):
            yield block_id, block["element"], True
        elif kind == "section" and isinstance(block.get("accessory"), dict):
            yield block_id, block["accessory"], False
        elif kind == "actions":
            for element in block.get("elements", []):
                if isinstance(element, dict):
                    yield block_id, element, False


def _element_keys(blocks: list[JsonDict]) -> set[tuple[str, str]]:
    return {
        (block_id, str(element.get("action_id", "")))
        for block_id, element, _ in iter_elements(blocks)
    }


def render_view(
    spec: JsonDict,
    ident: SlackIdentity,
    *,
    view_id: str,
    root_view_id: str | None,
    previous_view_id: str | None,
    state_values: JsonDict | None = None,
) -> JsonDict:
    """The view object Slack returns for ``spec`` (what the app sent)."""
    view_type = spec.get("type", "modal")
    blocks = with_block_ids(spec.get("blocks"))
    preserved: JsonDict = {}
    if state_values:
        keep = _element_keys(blocks)
        for block_id, actions in state_values.items():
            kept = {a: v for a, v in actions.items() if (block_id, a) in keep}
            if kept:
                preserved[block_id] = kept
    view: JsonDict = {
        "id": view_id,
        "team_id": ident.team_id,
        "type": view_type,
        "blocks": blocks,
        "private_metadata": spec.get("private_metadata", ""),
        "callback_id": spec.get("callback_id", ""),
        "state": {"values": preserved},
        "hash": new_hash(),
        "title": _text_object(spec.get("title")),
        "clear_on_close": bool(spec.get("clear_on_close", False)),
        "notify_on_close": bool(spec.get("notify_on_close", False)),
        "close": _text_object(spec.get("close")),
        "submit": _text_object(spec.get("submit")),
        "previous_view_id": previous_view_id,
        "root_view_id": root_view_id or view_id,
        "app_id": ident.app_id,
        "external_id": spec.get("external_id", ""),
        "app_installed_team_id": ident.team_id,
        "bot_id": ident.bot_id,
    }
    view["submit_disabled"] = bool(spec.get("submit_disabled", False))
    return view


def check_view_spec(spec: object, *, expected_type: str | None = None) -> JsonDict:
    if not isinstance(spec, dict):
        raise ApiError("invalid_arguments", messages=["[ERROR] missing required field: view"])
    blocks = spec.get("blocks")
    if not isinstance(blocks, list):
        raise ApiError(
            "invalid_arguments",
            messages=["[ERROR] missing required field: blocks [json-pointer:/view]"],
        )
    if len(blocks) > 100:
        raise ApiError(
            "invalid_arguments",
            messages=["[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]"],
        )
    view_type = spec.get("type")
    if view_type not in ("modal", "home") or (expected_type and view_type != expected_type):
        raise ApiError(
            "invalid_arguments",
            messages=[f"[ERROR] invalid view type {view_type!r} [json-pointer:/view/type]"],
        )
    if view_type == "modal" and not isinstance(spec.get("title"), dict):
        raise ApiError(
            "invalid_arguments",
            messages=["[ERROR] missing required field: title [json-pointer:/view]"],
        )
    return spec


def _check_external_id(state: WorkspaceState, spec: JsonDict, *, except_view: str | None) -> None:
    external_id = spec.get("external_id")
    if not external_id:
        return
    for view_id, view in state.views.items():
        if view_id == except_view or view_id in state.closed_views:
            continue
        if view.get("external_id") == external_id:
            raise ApiError("duplicate_external_id")


def consume_trigger(state: WorkspaceState, trigger_id: object) -> str:
    """Use a trigger_id once; returns the user it belongs to. It expires 3 s after it was
    issued, counted to when the call using it arrived (``state.call_arrived``)."""
    if not isinstance(trigger_id, str) or not trigger_id:
        raise ApiError("invalid_arguments", messages=["[ERROR] missing required field: trigger_id"])
    trigger = state.triggers.get(trigger_id)
    if trigger is None:
        raise ApiError("invalid_trigger_id")
    if trigger.used:
        raise ApiError("exchanged_trigger_id")
    arrived = state.call_arrived if state.call_arrived is not None else time.monotonic()
    if arrived - trigger.issued_at > TRIGGER_TTL_SECONDS:
        raise ApiError("expired_trigger_id")
    trigger.used = True
    return trigger.user_id


def open_modal(state: WorkspaceState, ident: SlackIdentity, user_id: str, spec: Any) -> JsonDict:
    spec = check_view_spec(spec, expected_type="modal")
    _check_external_id(state, spec, except_view=None)
    for old in state.modal_stacks.pop(user_id, []):
        state.closed_views.add(old)
    view_id = random_id("V")
    view = render_view(spec, ident, view_id=view_id, root_view_id=None, previous_view_id=None)
    state.views[view_id] = view
    state.view_owner[view_id] = user_id
    state.modal_stacks[user_id] = [view_id]
    return copy.deepcopy(view)


def push_modal(state: WorkspaceState, ident: SlackIdentity, user_id: str, spec: Any) -> JsonDict:
    spec = check_view_spec(spec, expected_type="modal")
    stack = state.modal_stacks.get(user_id)
    if not stack:
        raise ApiError("not_found")
    if len(stack) >= MAX_MODAL_STACK:
        raise ApiError("push_limit_reached")
    _check_external_id(state, spec, except_view=None)
    view_id = random_id("V")
    view = render_view(
        spec, ident, view_id=view_id, root_view_id=stack[0], previous_view_id=stack[-1]
    )
    state.views[view_id] = view
    state.view_owner[view_id] = user_id
    stack.append(view_id)
    return copy.deepcopy(view)


def find_view_id(state: WorkspaceState, *, view_id: object, external_id: object) -> str:
    if isinstance(view_id, str) and view_id:
        if view_id in state.views and view_id not in state.closed_views:
            return view_id
        raise ApiError("not_found")
    if isinstance(external_id, str) and external_id:
        for candidate, view in state.views.items():
            if candidate not in state.closed_views and view.get("external_id") == external_id:
                return candidate
        raise ApiError("not_found")
    raise ApiError(
        "invalid_arguments", messages=["[ERROR] either view_id or external_id is required"]
    )


def update_view(
    state: WorkspaceState,
    ident: SlackIdentity,
    view_id: str,
    spec: Any,
    *,
    expected_hash: object = None,
) -> JsonDict:
    current = state.views[view_id]
    spec = check_view_spec(spec, expected_type=str(current.get("type")))
    if isinstance(expected_hash, str) and expected_hash and expected_hash != current.get("hash"):
        raise ApiError("hash_conflict")
    _check_external_id(state, spec, except_view=view_id)
    view = render_view(
        spec,
        ident,
        view_id=view_id,
        root_view_id=current.get("root_view_id"),
        previous_view_id=current.get("previous_view_id"),
        state_values=current.get("state", {}).get("values"),
    )
    state.views[view_id] = view
    return copy.deepcopy(view)


def publish_home(
    state: WorkspaceState, ident: SlackIdentity, user_id: str, spec: Any, *, expected_hash: object
) -> JsonDict:
    spec = check_view_spec(spec, expected_type="home")
    existing = state.home_views.get(user_id)
    if existing is not None:
        return update_view(state, ident, existing, spec, expected_hash=expected_hash)
    view_id = random_id("V")
    view = render_view(spec, ident, view_id=view_id, root_view_id=None, previous_view_id=None)
    state.views[view_id] = view
    state.view_owner[view_id] = user_id
    state.home_views[user_id] = view_id
    return copy.deepcopy(view)


# ----- what the Slack client does with a modal (driven by SlackDriver) ------------------------


def top_view_id(state: WorkspaceState, user_id: str) -> str | None:
    stack = state.modal_stacks.get(user_id)
    return stack[-1] if stack else None


def close_top(state: WorkspaceState, user_id: str) -> None:
    stack = state.modal_stacks.get(user_id)
    if not stack:
        return
    state.closed_views.add(stack.pop())
    if not stack:
        del state.modal_stacks[user_id]


def clear_stack(state: WorkspaceState, user_id: str) -> None:
    for view_id in state.modal_stacks.pop(user_id, []):
        state.closed_views.add(view_id)
