"""Deflection at intake on the /escalate readiness step: what may already solve the case.

Up to a few matches (core.similar.Suggestion): approved knowledge-base articles and recently
resolved escalations, each one section with its headline and what to check first. Every text
is the agent's or a specialist's (redacted at storage and again by commands.deflection), so it
is escaped here; each section stays far below Slack's 3,000-character limit. The agent can
still press *Escalate*: the blocks say so.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.render.mrkdwn import escape
from core.similar import Suggestion, SuggestionKind

SECTION_MAX = 3000


def suggestion_blocks(suggestions: Sequence[Suggestion]) -> list[Block]:
    if not suggestions:
        return []
    blocks: list[Block] = [SectionBlock(block_id="similar", text=MarkdownTextObject(
        text=":books: *Before you escalate — this may be solved already:*"))]
    for n, found in enumerate(suggestions, start=1):
        icon = ":bookmark_tabs:" if found.kind is SuggestionKind.ARTICLE else ":white_check_mark:"
        lines = [f"{icon} *{escape(found.headline())}*",
                 *(f"• {escape(line)}" for line in found.details())]
        text = "\n".join(lines)
        blocks.append(SectionBlock(block_id=f"similar_{n}", text=MarkdownTextObject(
            text=text if len(text) <= SECTION_MAX else text[: SECTION_MAX - 1] + "…")))
    blocks.append(ContextBlock(block_id="similar_note", elements=[MarkdownTextObject(
        text="If none of these fits, go on: *Escalate* still sends it to the specialists.")]))
    return blocks
