"""App Home tab: what the user raised or owns."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.render.mrkdwn import escape, truncate
from core.model import Escalation
from core.timefmt import fmt_utc


def _line(esc: Escalation, user: str) -> str:
    role = "you own it" if esc.owner == user else (
        f"owned by <@{esc.owner}>" if esc.owner else "waiting for an owner")
    name = f"<{esc.permalink}|{esc.public_id}>" if esc.permalink else esc.public_id
    sev = esc.answers.severity.value if esc.answers.severity else "SEV?"
    return (f"*{name}* · {sev} · {escape(truncate(esc.answers.problem or '', 120))}\n"
            f"{esc.state.value.replace('_', ' ').capitalize()} — {role} · "
            f"escalated {fmt_utc(esc.created_at)}")


def home_view(user: str, escalations: Sequence[Escalation]) -> View:
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text="Your escalations"))]
    if not escalations:
        blocks.append(SectionBlock(text=MarkdownTextObject(
            text="Nothing yet. Type `/escalate` in any channel when a case needs Tier 2 or "
                 "Engineering: the form walks you through the checklist.")))
    for esc in escalations[:40]:
        blocks.append(SectionBlock(block_id=f"esc_{esc.id}",
                                   text=MarkdownTextObject(text=_line(esc, user))))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(
        text="Times are UTC. Raised or owned by you, newest first.")]))
    return View(type="home", blocks=blocks)
