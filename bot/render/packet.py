"""The handoff packet: the spine of the escalation in one message, details in its thread.

Seed 002: the next person "opens the ticket and sees the spine, then reads the thread for
detail". So every section is capped at :data:`SECTION_BUDGET` characters in the packet, and
whatever was cut is posted in full as threaded replies: long content is never silently lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.render import amend as amend_render
from bot.render.jira import packet_blocks as jira_blocks
from bot.render.loop_packet import action_blocks, status_blocks
from bot.render.mrkdwn import chunks, code_block, escape, fit, truncate
from core.checklist import split_items
from core.ladder import time_in_queue
from core.model import Escalation
from core.timefmt import fmt_utc, humanize_duration

SECTION_BUDGET = 1200
THREAD_CHUNK = 2900
METADATA_EVENT = "escalation_packet"


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    body: str
    code: bool = False


@dataclass
class Rendered:
    text: str
    blocks: list[Block]
    overflow: list[Section] = field(default_factory=list)


def _sections(esc: Escalation) -> list[Section]:
    a = esc.answers
    impact = [f"{(a.affected_users_count() or 0):,} users at {a.customer or '?'}"
              f" ({a.tier.label if a.tier else '?'} tier)"]
    if a.signals:
        impact.append("Signals: " + ", ".join(s.label for s in a.signals))
    if a.workaround:
        impact.append(a.workaround.label)
    if a.deadline:
        impact.append(f"Customer deadline: {a.deadline}")
    if a.renewal_at_stake:
        impact.append("Renewal at stake")
    if a.posture:
        impact.append(f"Posture: {a.posture}")
    env = [f"{(a.environment.value.capitalize() if a.environment else '?')} · "
           f"build {a.build_version or '?'}"]
    if a.feature_flags:
        env.append(f"Flags: {a.feature_flags}")
    if a.region:
        env.append(f"Region/cluster: {a.region}")
    if a.workflow:
        env.append(f"Workflow: {a.workflow}")
    out = [
        Section("background", "Background", a.background or ""),
        Section("impact", "Impact", "\n".join(impact)),
        Section("repro_steps", "Reproduction", a.repro_steps or ""),
        Section("expected_actual", "Expected vs actual",
                f"Expected: {a.expected or '?'}\nActual: {a.actual or '?'}"),
        Section("environment", "Environment", "\n".join(env)),
    ]
    if a.logs:
        out.append(Section("logs", "Logs and data", a.logs, code=True))
    if a.evidence_links:
        out.append(Section("evidence_links", "Evidence", "\n".join(split_items(a.evidence_links))))
    out += [
        Section("tried", "What was tried", a.tried or ""),
        Section("blocker", "Blocker — why support cannot resolve it", a.blocker or ""),
        Section("hypothesis", "Next-move hypothesis", a.hypothesis or ""),
        Section("asks", "Asks for engineering", a.asks or ""),
        Section("linked_tickets", "Linked tickets", ", ".join(split_items(a.linked_tickets or ""))),
    ]
    return [s for s in out if s.body.strip()]


def _section_block(section: Section) -> tuple[SectionBlock, bool]:
    note = "\n_… full text in the thread_"
    limit = SECTION_BUDGET - len(note)
    if section.code:
        body, cut = fit(section.body, limit - 6)
        text = "```" + body.replace("```", "`\u200b``") + "```"
    else:
        body, cut = fit(section.body, limit)
        text = body
    if cut:
        text += note
    return SectionBlock(block_id=f"{section.key}", text=MarkdownTextObject(
        text=f"*{escape(section.title)}*\n{text}")), cut


def fallback_text(esc: Escalation) -> str:
    a = esc.answers
    sev = a.severity.value if a.severity else "SEV?"
    owner = f"{esc.state.label.lower()}, owned by <@{esc.owner}>" if esc.owner \
        else "unclaimed"
    return (f"{esc.public_id} · {sev} · {escape(truncate(a.problem or '', 200))} — "
            f"{escape(esc.domain.name)}, {esc.level.label}, {owner}")


def packet(esc: Escalation) -> Rendered:
    a = esc.answers
    sev = a.severity.value if a.severity else "SEV?"
    header = truncate(f"{esc.public_id} · {sev} · {a.problem or ''}", 150)
    queued = time_in_queue(a.first_reported_at, esc.created_at)
    reported = "—" if a.first_reported_at is None else (
        f"{fmt_utc(a.first_reported_at)} ({humanize_duration(queued)} in queue)" if queued
        else fmt_utc(a.first_reported_at))
    facts = [
        ("Domain", escape(esc.domain.name)),
        ("Severity", f"{sev} — {a.severity.meaning if a.severity else ''}"),
        ("Customer", f"{escape(a.customer or '?')} ({a.tier.label if a.tier else '?'} tier)"),
        ("Affected users", f"{(a.affected_users_count() or 0):,}"),
        ("Routed to", esc.decision.target.label
         + (" · L5 Leadership notified" if esc.decision.leadership_notified else "")),
        ("Requester", f"<@{esc.requester}>"),
        ("Reported (UTC)", reported),
        ("Escalated (UTC)", fmt_utc(esc.created_at)),
        ("Case owner", f"<@{a.case_owner or esc.requester}>"),
    ]
    blocks: list[Block] = [HeaderBlock(block_id="header", text=PlainTextObject(text=header))]
    if len(f"{esc.public_id} · {sev} · {a.problem or ''}") > 150:
        blocks.append(SectionBlock(block_id="problem", text=MarkdownTextObject(
            text=f"*Problem*\n{escape(a.problem or '')}")))
    blocks.append(SectionBlock(block_id="facts", fields=[
        MarkdownTextObject(text=f"*{k}*\n{v}") for k, v in facts]))
    reason, _ = fit(esc.decision.reason, 2900)
    context = [MarkdownTextObject(text=f":ladder: {reason}")]
    if esc.domain.specialists:
        context.append(MarkdownTextObject(text=f"Specialists: <!subteam^{esc.domain.specialists}>"))
    if esc.extra.get("thread_link"):  # drafted from a Slack thread (issue 8)
        count = esc.extra.get("thread_messages")
        context.append(MarkdownTextObject(
            text=f":thread: Drafted from <{esc.extra['thread_link']}|the original thread>"
                 + (f" ({count} messages)" if count else "") + "; sources are in this thread."))
    blocks.append(ContextBlock(block_id="reason", elements=context))
    blocks += status_blocks(esc)
    blocks += amend_render.incomplete_blocks(esc)  # SEV1 paged after step 1
    if esc.extra.get("timer_notes"):  # next update due / overdue, snooze, back in the queue
        blocks.append(ContextBlock(block_id="timers", elements=[
            MarkdownTextObject(text=line) for line in esc.extra["timer_notes"].split("\n")[:10]]))
    blocks.append(DividerBlock())
    overflow: list[Section] = []
    for section in _sections(esc):
        block, cut = _section_block(section)
        blocks.append(block)
        if cut:
            overflow.append(section)
        if section.key == "evidence_links":
            blocks += amend_render.files_block(esc)
    if not esc.answers.evidence_links:
        blocks += amend_render.files_block(esc)
    blocks.append(DividerBlock())
    blocks += jira_blocks(esc)
    blocks += action_blocks(esc)
    blocks += amend_render.details_button(esc)
    return Rendered(text=fallback_text(esc), blocks=blocks, overflow=overflow)


def overflow_messages(esc: Escalation, sections: list[Section]) -> list[Rendered]:
    """The full text of every section cut from the packet, as thread replies (≤ 45 blocks)."""
    messages: list[Rendered] = []
    blocks: list[Block] = []
    for section in sections:
        pieces = chunks(section.body, THREAD_CHUNK - 200)
        for n, piece in enumerate(pieces, 1):
            title = section.title + (f" ({n}/{len(pieces)})" if len(pieces) > 1 else "")
            body = code_block(piece) if section.code else escape(piece)
            blocks.append(SectionBlock(block_id=f"{section.key}_{n}", text=MarkdownTextObject(
                text=f"*{escape(title)}*\n{body}")))
            if len(blocks) == 45:
                messages.append(Rendered(text=f"{esc.public_id}: full text", blocks=blocks))
                blocks = []
    if blocks:
        messages.append(Rendered(text=f"{esc.public_id}: full text", blocks=blocks))
    return messages


def metadata(esc: Escalation) -> dict[str, object]:
    """Message metadata that lets the bot find its own packet again (never post twice)."""
    return {"event_type": METADATA_EVENT,
            "event_payload": {"escalation_id": esc.id, "public_id": esc.public_id}}
