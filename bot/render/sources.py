"""The packet's Sources reply: for each drafted item, links to the messages it came from."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from bot.render.mrkdwn import escape
from bot.render.packet import Rendered
from commands.ports import SourceItem
from core.model import Escalation

SOURCES_EVENT = "escalation_sources"
_LINKS_PER_ITEM = 8
_BLOCK_TEXT = 2900


def sources_message(esc: Escalation, items: Sequence[SourceItem],
                    thread_link: str | None) -> Rendered:
    head = f"*Sources* — {esc.public_id} was drafted from "
    head += f"<{thread_link}|the original thread>." if thread_link else "a Slack thread."
    head += " Each item links the messages it came from; the agent reviewed and edited the draft."
    lines = []
    for item in items:
        links = [f"<{link}|{n}>" for n, link in enumerate(item.links[:_LINKS_PER_ITEM], 1)]
        more = f" +{len(item.links) - _LINKS_PER_ITEM}" if len(item.links) > _LINKS_PER_ITEM \
            else ""
        lines.append(f"• *{escape(item.label)}*: {' · '.join(links)}{more}")
    blocks: list[Block] = [SectionBlock(block_id="sources_head",
                                        text=MarkdownTextObject(text=head))]
    chunk: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in chunk) + len(line) > _BLOCK_TEXT:
            blocks.append(SectionBlock(block_id=f"sources_{len(blocks)}",
                                       text=MarkdownTextObject(text="\n".join(chunk))))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(SectionBlock(block_id=f"sources_{len(blocks)}",
                                   text=MarkdownTextObject(text="\n".join(chunk))))
    return Rendered(text=f"{esc.public_id}: sources in the original thread", blocks=blocks[:45])
