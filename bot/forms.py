"""Slack's ``view.state.values`` → the checklist's string values (see core.codec).

Parsing only: which keys exist and how Slack spells each element's value. Rules live in core.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from bot.inbound import Element, Malformed, View
from bot.render.modal import PAGE_NOW
from core.checklist import FIELDS_BY_KEY, Step, fields_of
from core.inputs import RawValue


def _value(element: dict[str, Any]) -> str | None:
    """The element's value as text; None for nothing entered or a value of the wrong type."""
    try:
        value = _read(element)
    except (TypeError, ValueError, OverflowError, AttributeError, OSError):
        return None
    return value if isinstance(value, str) else None


def _read(element: dict[str, Any]) -> Any:
    kind = element.get("type")
    if kind in ("plain_text_input", "number_input", "url_text_input", "email_text_input"):
        value = element.get("value")
        return value if isinstance(value, str) else None
    if kind in ("static_select", "radio_buttons"):
        option = element.get("selected_option") or {}
        return option.get("value")
    if kind in ("checkboxes", "multi_static_select"):
        return ",".join(o.get("value", "") for o in element.get("selected_options") or []) or None
    if kind == "users_select":
        return element.get("selected_user")
    if kind == "datepicker":
        return element.get("selected_date")
    if kind == "file_input":
        # Slack sends the uploaded files' objects; the packet needs their names and links.
        lines = []
        for f in element.get("files") or []:
            if isinstance(f, dict) and isinstance(f.get("permalink"), str):
                name = str(f.get("name") or f.get("title") or "file").replace("\t", " ")
                lines.append(f"{name}\t{f['permalink']}")
        return "\n".join(lines) or None
    if kind == "datetimepicker":
        stamp = element.get("selected_date_time")
        return None if stamp is None else datetime.fromtimestamp(int(stamp), UTC).isoformat()
    return None


def base_key(block_id: str) -> str:
    """A field's key from its block id: a field re-rendered with redacted text gets a fresh
    block id (``logs~3f2a``) so Slack shows the new text instead of what was typed."""
    return block_id.split("~", 1)[0]


def block_ids(state: dict[str, Any]) -> dict[str, str]:
    """Field key → the block id it has in this view (for inline errors)."""
    return {base_key(b): b for b in ((state or {}).get("values") or {})}


def step_values(state: dict[str, Any], step: Step) -> dict[str, str]:
    """The answers typed on ``step``'s view; blank inputs are left out (they clear the field)."""
    raw = (state or {}).get("values") if isinstance(state, dict) else None
    if not isinstance(raw, dict):
        raise Malformed("view.state.values: not an object")
    values = {base_key(b): v for b, v in raw.items() if isinstance(v, dict)}
    out: dict[str, str] = {}
    for spec in fields_of(step):
        element = values.get(spec.key, {}).get(spec.key)
        if isinstance(element, dict):
            value = _value(element)
            if value is not None and value.strip():
                out[spec.key] = value.strip() if spec.kind.value != "text" else value.rstrip()
    return out


def values_by_key(state: dict[str, Any], keys: list[str]) -> dict[str, str]:
    """The values typed under ``keys`` (block_id = action_id = key); blanks are left out."""
    raw = (state or {}).get("values") if isinstance(state, dict) else None
    if not isinstance(raw, dict):
        raise Malformed("view.state.values: not an object")
    values = {k: v for k, v in raw.items() if isinstance(v, dict)}
    out: dict[str, str] = {}
    for key in keys:
        element = values.get(key, {}).get(key)
        if isinstance(element, dict):
            value = _value(element)
            if value is not None and value.strip():
                out[key] = value.rstrip()
    return out


def field_values(state: dict[str, Any], keys: Iterable[str]) -> dict[str, str]:
    """Like :func:`step_values`, for any set of checklist fields (Add details)."""
    raw = (state or {}).get("values") if isinstance(state, dict) else None
    if not isinstance(raw, dict):
        raise Malformed("view.state.values: not an object")
    values = {base_key(b): v for b, v in raw.items() if isinstance(v, dict)}
    out: dict[str, str] = {}
    for key in keys:
        element = values.get(key, {}).get(key)
        if isinstance(element, dict):
            value = _value(element)
            if value is not None and value.strip():
                out[key] = value.strip() if FIELDS_BY_KEY[key].kind.value != "text" \
                    else value.rstrip()
    return out


def page_now_chosen(state: dict[str, Any]) -> bool:
    """Whether the SEV1 fast lane's "Page now" box is ticked on step 1."""
    entry = ((state or {}).get("values") or {}).get("page_now", {}).get("page_now") or {}
    return any(o.get("value") == "page_now" for o in entry.get("selected_options") or [])


def _by_field(view: View) -> dict[str, Mapping[str, Element]]:
    """The view's state by field key (a re-rendered field's ``logs~3f2a`` block is ``logs``)."""
    return {base_key(block): elements for block, elements in view.state.items()}


def raw_values(view: View, keys: Iterable[str]) -> dict[str, RawValue]:
    """Each of ``keys`` found in the parsed view's state, as the element held it (for
    :func:`core.inputs.read_step` / :func:`core.inputs.read_value`)."""
    by_field = _by_field(view)
    out: dict[str, RawValue] = {}
    for key in keys:
        element = by_field.get(key, {}).get(key)
        if element is not None:
            out[key] = element.value
    return out


def step_raw_values(view: View, step: Step) -> dict[str, RawValue]:
    """Each field of ``step`` found in the parsed view's state, as the element held it."""
    return raw_values(view, (spec.key for spec in fields_of(step)))


def view_block_ids(view: View) -> dict[str, str]:
    """Field key → the block id it has in this parsed view (for inline errors)."""
    return {base_key(block): block for block in (*view.input_blocks, *view.state)}


def on_fields(view: View, errors: Mapping[str, str]) -> dict[str, str]:
    """Errors keyed by the view's block ids; those for fields not on this view are left out
    (Slack refuses ``response_action: errors`` naming a block the view does not have)."""
    ids = view_block_ids(view)
    return {ids[key]: message for key, message in errors.items() if key in ids}


def page_now_ticked(view: View) -> bool:
    """Whether the SEV1 fast lane's "Page now" box is ticked on step 1."""
    element = view.element(PAGE_NOW)
    return element is not None and isinstance(element.value, tuple) \
        and PAGE_NOW in element.value
