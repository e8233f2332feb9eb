"""App Home tab: Waiting for you, My work, Raised by me, Unclaimed in my domains, recently
resolved — each item linking to its packet, within Block Kit's 100-block limit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.render.mrkdwn import escape, truncate
from core.model import Escalation
from core.timefmt import fmt_utc

MAX_BLOCKS = 100


@dataclass(frozen=True)
class HomeSection:
    """One list on the Home tab (``total`` may exceed ``len(items)``: "and N more")."""

    key: str
    items: Sequence[Escalation]
    total: int


TITLES = {
    "waiting": ("Waiting for you", "Nothing waits for you: no open questions, no handoffs."),
    "mine": ("My work", "You own nothing open right now."),
    "raised": ("Raised by me", "Nothing open that you raised. `/escalate` starts one."),
    "unclaimed": ("Unclaimed in my domains", "Nothing waits for an owner in your domains."),
    "resolved": ("Recently resolved", "Nothing resolved in the last 14 days."),
}


def _name(esc: Escalation) -> str:
    return f"<{esc.permalink}|{esc.public_id}>" if esc.permalink else esc.public_id


def _detail(esc: Escalation, key: str, user: str) -> str:
    p = esc.progress
    state = esc.state.label
    if key == "waiting":
        if p.pending_handoff is not None and p.pending_handoff.to == user:
            return (f"Handoff from <@{p.pending_handoff.by}> — *Accept handoff* or *Decline* "
                    "in your DM")
        question = escape(truncate(p.open_question or "", 200))
        return f"Question from <@{esc.owner}>: {question} — *Answer* in your DM"
    if key == "mine":
        due = f" · next update due {fmt_utc(p.next_update_due)}" if p.next_update_due else ""
        return f"{state}{due}"
    if key == "unclaimed":
        return f"{state} · {escape(esc.domain.name)} · escalated {fmt_utc(esc.created_at)}"
    owner = f"owned by <@{esc.owner}>" if esc.owner else "waiting for an owner"
    if key == "resolved":
        when = p.resolved_at or p.closed_at
        return f"{state}" + (f" {fmt_utc(when)}" if when else "") + f" · {owner}"
    return f"{state} — {owner}"


def _item(esc: Escalation, key: str, user: str) -> SectionBlock:
    problem = escape(truncate(esc.answers.problem or "", 120))
    text = f"*{_name(esc)}* · {esc.severity.value} · {problem}\n{_detail(esc, key, user)}"
    return SectionBlock(block_id=f"{key}_{esc.id}", text=MarkdownTextObject(
        text=truncate(text, 2900)))


def home_view(user: str, sections: Sequence[HomeSection]) -> View:
    blocks: list[Block] = [HeaderBlock(block_id="title",
                                       text=PlainTextObject(text="Your escalations"))]
    # Reserve the closing context; each section needs its header and a possible "more" line.
    budget = MAX_BLOCKS - 2
    for section in sections:
        title, empty = TITLES[section.key]
        if budget < 4:
            break
        blocks.append(SectionBlock(block_id=f"{section.key}_title", text=MarkdownTextObject(
            text=f"*{title}*" + (f" ({section.total})" if section.total else ""))))
        budget -= 1
        if not section.items:
            blocks.append(ContextBlock(block_id=f"{section.key}_empty", elements=[
                MarkdownTextObject(text=empty)]))
            budget -= 1
        shown = 0
        for esc in section.items:
            if budget <= 3:
                break
            blocks.append(_item(esc, section.key, user))
            budget -= 1
            shown += 1
        if section.total > shown and shown:
            blocks.append(ContextBlock(block_id=f"{section.key}_more", elements=[
                MarkdownTextObject(text=f"and {section.total - shown} more")]))
            budget -= 1
        blocks.append(DividerBlock(block_id=f"{section.key}_end"))
        budget -= 1
    blocks.append(ContextBlock(block_id="footer", elements=[MarkdownTextObject(
        text="Times are UTC. `/escalation help` lists what you can do from any channel.")]))
    return View(type="home", blocks=blocks)


def list_text(user: str, sections: Sequence[HomeSection], *, limit: int = 10) -> str:
    """The same lists as plain mrkdwn, for ``/escalation mine`` and ``queue`` replies."""
    parts: list[str] = []
    for section in sections:
        title, empty = TITLES[section.key]
        lines = [f"*{title}*" + (f" ({section.total})" if section.total else "")]
        if not section.items:
            lines.append(f"_{empty}_")
        for esc in list(section.items)[:limit]:
            problem = escape(truncate(esc.answers.problem or "", 80))
            lines.append(f"• *{_name(esc)}* · {esc.severity.value} · {problem} — "
                         f"{_detail(esc, section.key, user)}")
        if section.total > min(len(section.items), limit) and section.items:
            lines.append(f"and {section.total - min(len(section.items), limit)} more")
        parts.append("\n".join(lines))
    return truncate("\n\n".join(parts), 3900)
