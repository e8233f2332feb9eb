"""Packet and modal parts of intake after posting: the SEV1 fast lane's *incomplete* banner,
uploaded files, the **Add details** button and its modal."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.render.modal import _input
from bot.render.mrkdwn import escape
from core.checklist import FIELDS_BY_KEY, files_of, missing_items
from core.codec import answers_to_dict
from core.model import Domain, Escalation, State

ADD_DETAILS = "intake:add_details"
DETAILS_CALLBACK = "intake.add_details"
_SAFE_URL = re.compile(r"^https://[^\s|<>]+$")


def incomplete_blocks(esc: Escalation) -> list[Block]:
    """Paged after step 1: say so, page the specialists and the incident commander, and
    list what is still missing until the agent completes it."""
    missing = missing_items(esc.answers, now=esc.created_at)
    if not missing:
        return []
    who = []
    if esc.domain.specialists:
        who.append(f"<!subteam^{esc.domain.specialists}>")
    commander = esc.progress.incident_commander or esc.domain.incident_commander
    if commander:
        who.append(f"<@{commander}> (incident commander)")
    page = (" " + " ".join(who)) if who else ""
    listed = ", ".join(escape(m) for m in missing[:20])
    return [SectionBlock(block_id="incomplete", text=MarkdownTextObject(
        text=f":rotating_light: *Incomplete: reproduction and handoff to follow.*{page}\n"
             f"*Still missing:* {listed}"[:3000]))]


def files_block(esc: Escalation) -> list[Block]:
    lines = []
    for name, link in files_of(esc.answers)[:20]:
        label = escape(name).replace("|", "¦")[:80]
        lines.append(f"• <{link}|{label}>" if _SAFE_URL.match(link) else f"• {label}")
    if not lines:
        return []
    return [SectionBlock(block_id="evidence_files", text=MarkdownTextObject(
        text=("*Screenshots and recordings*\n" + "\n".join(lines))[:3000]))]


def details_button(esc: Escalation) -> list[Block]:
    if esc.state in (State.CLOSED, State.CANCELLED, State.MERGED):
        return []
    return [ActionsBlock(block_id="intake_actions", elements=[ButtonElement(
        action_id=ADD_DETAILS, text=PlainTextObject(text="Add details"), value=str(esc.id))]),
        ContextBlock(block_id="intake_hint", elements=[MarkdownTextObject(
            text="Requester or case owner: *Add details* updates this packet in place.")])]


def details_view(esc: Escalation, keys: Sequence[str], *, channel: str | None,
                 values: Mapping[str, str] | None = None,
                 removed: Mapping[str, str] | None = None) -> View:
    """Add details: every fact of the checklist, pre-filled with the current answers."""
    current = answers_to_dict(esc.answers)
    current.pop("evidence_files", None)  # a file input cannot be pre-filled; files are kept
    shown = {**current, **(values or {})}
    blocks: list[Block] = [ContextBlock(block_id="details_intro", elements=[MarkdownTextObject(
        text=f"*{esc.public_id}* · {escape(esc.answers.problem or '')[:200]}\nChange or add "
             "what you learned; the packet updates in place and its thread says what changed.")])]
    if removed:
        blocks.append(ContextBlock(block_id="redacted", elements=[MarkdownTextObject(
            text=":lock: Personal data and secrets were removed before anything was stored "
                 "(see the fields marked 🔒). Check the text and save again.")]))
    domain: Sequence[Domain] = [esc.domain]
    for key in keys:
        spec = FIELDS_BY_KEY[key]
        block = _input(spec, shown, domain, esc.requester, (removed or {}).get(key))
        block.optional = True
        blocks.append(block)
    return View(type="modal", callback_id=DETAILS_CALLBACK,
                title=PlainTextObject(text=f"Add details · {esc.public_id}"[:24]),
                submit=PlainTextObject(text="Save"), close=PlainTextObject(text="Cancel"),
                private_metadata=json.dumps({"id": str(esc.id), "channel": channel},
                                            separators=(",", ":")),
                blocks=blocks[:100])
