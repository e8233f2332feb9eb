"""A parsed view's state (:class:`bot.inbound.View`) → each checklist field's raw value, for
:mod:`core.inputs` to read by kind; and field errors back onto the view's own block ids.

Parsing only: which keys exist and which block holds each. Rules live in core.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.inbound import Element, View
from bot.render.modal import PAGE_NOW
from core.checklist import Step, fields_of
from core.inputs import RawValue


def base_key(block_id: str) -> str:
    """A field's key from its block id: a field re-rendered with redacted text gets a fresh
    block id (``logs~3f2a``) so Slack shows the new text instead of what was typed."""
    return block_id.split("~", 1)[0]


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
