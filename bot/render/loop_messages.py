"""Messages of the feedback loop: timeline lines, status updates, the wrap-up, DMs.

The core hands over trusted headlines (mentions, labels, UTC times) and the user's words as
separate quotes; quotes are escaped here, so nobody's text can ping a channel or break the
layout. Every message is a ``Rendered`` (fallback text + typed blocks), sent by the gateway.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.render.ids import loop_action_id
from bot.render.mrkdwn import escape, fit, truncate
from bot.render.packet import Rendered
from core.forms import HandoffRating
from core.model import Escalation
from core.progress import StatusUpdate, WrapUp
from core.timefmt import fmt_hhmm, fmt_utc, humanize_duration
from core.timeline import Notice, SeveritySuggestion, TimelineEntry
from core.workflow import Action

QUOTE_BUDGET = 1400
PRIMARY = frozenset({Action.ANSWER_INFO, Action.ACCEPT_HANDOFF, Action.VERIFY})


def link(esc: Escalation) -> str:
    return f"<{esc.permalink}|{esc.public_id}>" if esc.permalink else esc.public_id


def _quotes(entry: TimelineEntry) -> list[Block]:
    blocks: list[Block] = []
    for n, (label, text) in enumerate(entry.quotes[:8]):
        body, _ = fit(text, QUOTE_BUDGET)
        quoted = "\n".join(f">{line}" for line in body.splitlines() or [""])
        blocks.append(SectionBlock(block_id=f"quote_{n}", text=MarkdownTextObject(
            text=f"*{escape(label)}*\n{quoted}")))
    return blocks


def timeline(esc: Escalation, entry: TimelineEntry) -> Rendered:
    """One line in the packet's thread: ``14:05 UTC · @dana accepted it (claimed → accepted)``."""
    line = f"`{fmt_hhmm(entry.at)}` {entry.headline}"
    blocks: list[Block] = [SectionBlock(block_id="line", text=MarkdownTextObject(
        text=truncate(line, 2900)))]
    blocks += _quotes(entry)
    return Rendered(text=truncate(f"{esc.public_id}: {entry.headline}", 3000), blocks=blocks)


def status_update(esc: Escalation, update: StatusUpdate) -> Rendered:
    """The five answers in the thread, then the customer-safe draft to copy into the ticket."""
    nxt = fmt_utc(update.next_update_at) if update.next_update_at else "when there is news"
    answers = [("What we know", update.known), ("What we don't know yet", update.unknown),
               ("What we're doing next", update.next_steps),
               ("What the customer should do meanwhile", update.customer_action)]
    blocks: list[Block] = [SectionBlock(block_id="head", text=MarkdownTextObject(
        text=f":memo: *Status update* by <@{update.author}> at {fmt_utc(update.at)} — next "
             f"update by *{nxt}*"))]
    for n, (label, text) in enumerate(answers):
        body, _ = fit(text, 900)
        blocks.append(SectionBlock(block_id=f"a{n}", text=MarkdownTextObject(
            text=f"*{label}*\n{body}")))
    if update.internal_note:
        body, _ = fit(update.internal_note, 900)
        blocks.append(SectionBlock(block_id="internal", text=MarkdownTextObject(
            text=f"*Internal note*\n{body}")))
    draft, _ = fit(update.draft.as_text(), 2000)
    fenced = "```" + draft.replace("```", "`\u200b``") + "```"
    blocks.append(SectionBlock(block_id="draft", text=MarkdownTextObject(
        text=f"*Customer-safe draft* for <@{esc.requester}> to copy into the ticket — then "
             "click *Customer told*:\n" + fenced)))
    blocks.append(ActionsBlock(block_id="draft_actions", elements=[
        _button(Action.CUSTOMER_TOLD, esc)]))
    return Rendered(text=f"{esc.public_id}: status update by <@{update.author}>, next by {nxt}",
                    blocks=blocks)


def _span(span: object) -> str:
    return "—" if span is None else humanize_duration(span)  # type: ignore[arg-type]


def wrap_up(esc: Escalation, wrap: WrapUp) -> Rendered:
    """Seed 003's wrap-up; the requester verifies (or reopens) from their DM."""
    facts = [
        ("Escalation → resolution", _span(wrap.escalation_to_resolution)),
        ("Time to claim", _span(wrap.time_to_claim)),
        ("Time to accept", _span(wrap.time_to_accept)),
        ("Status updates", str(wrap.updates)),
        ("Fix version", escape(wrap.fix_version) if wrap.fix_version else "—"),
    ]
    root, _ = fit(wrap.root_cause, 1400)
    steps, _ = fit(wrap.next_steps, 1400)
    blocks: list[Block] = [
        SectionBlock(block_id="head", text=MarkdownTextObject(
            text=f":white_check_mark: *Wrap-up of {esc.public_id}*")),
        SectionBlock(block_id="facts", fields=[
            MarkdownTextObject(text=f"*{k}*\n{v}") for k, v in facts]),
        SectionBlock(block_id="root_cause", text=MarkdownTextObject(
            text=f"*Root cause*\n{root}")),
        SectionBlock(block_id="next_steps", text=MarkdownTextObject(
            text=f"*Next steps*\n{steps}")),
        ContextBlock(block_id="verify", elements=[MarkdownTextObject(
            text=f"<@{esc.requester}>: confirm the fix with the customer, then *Verify* "
                 "(in your DM or on the packet) — or *Reopen* it.")]),
    ]
    return Rendered(text=f"{esc.public_id} resolved: wrap-up", blocks=blocks)


def _button(action: Action, esc: Escalation, choice: str | None = None,
            label: str | None = None) -> ButtonElement:
    return ButtonElement(action_id=loop_action_id(action, choice),
                         text=PlainTextObject(text=label or action.label),
                         value=str(esc.id),
                         style="primary" if action in PRIMARY else None)


def dm(esc: Escalation, notice: Notice) -> Rendered:
    """A DM about one change, with the buttons the recipient needs (Answer, Verify …)."""
    entry = notice.entry
    blocks: list[Block] = [SectionBlock(block_id="line", text=MarkdownTextObject(
        text=truncate(f"*{link(esc)}* · {entry.headline}", 2900)))]
    blocks += _quotes(entry)
    if notice.actions:
        blocks.append(ActionsBlock(block_id="dm_actions", elements=[
            _button(a, esc) for a in notice.actions]))
    return Rendered(text=truncate(f"{esc.public_id}: {entry.headline}", 3000), blocks=blocks)


def leads_notice(esc: Escalation, entry: TimelineEntry) -> Rendered:
    text = (f":rotating_light: *{link(esc)}* needs leadership attention — {entry.headline}. "
            f"{esc.severity.value} · {esc.level.label} · {escape(esc.domain.name)}")
    blocks: list[Block] = [SectionBlock(block_id="line", text=MarkdownTextObject(
        text=truncate(text, 2900)))]
    blocks += _quotes(entry)
    return Rendered(text=truncate(f"{esc.public_id}: {entry.headline}", 3000), blocks=blocks)


def severity_suggestion(esc: Escalation, suggestion: SeveritySuggestion) -> Rendered:
    who = f"<@{suggestion.owner}>: " if suggestion.owner else ""
    body = (f":chart_with_upwards_trend: {who}merged impact crossed the severity policy — "
            f"{escape(suggestion.reason)}. Upgrade {esc.public_id} from "
            f"{esc.severity.value} to {suggestion.severity.value}?")
    button = _button(Action.CHANGE_SEVERITY, esc, suggestion.severity.value.lower(),
                     f"Upgrade to {suggestion.severity.value}")
    return Rendered(text=f"{esc.public_id}: suggest {suggestion.severity.value}", blocks=[
        SectionBlock(block_id="suggest", text=MarkdownTextObject(text=truncate(body, 2900))),
        ActionsBlock(block_id="suggest_actions", elements=[button])])


def rating_prompt(esc: Escalation) -> Rendered:
    """Seed 002's measure, asked once and privately: did the handoff give your first move?"""
    buttons = [_button(Action.RATE_HANDOFF, esc, r.value, r.label) for r in HandoffRating]
    return Rendered(text=f"{esc.public_id}: did the handoff tell you your first move?", blocks=[
        SectionBlock(block_id="ask", text=MarkdownTextObject(
            text=f"Only you see this. Did the handoff of *{esc.public_id}* tell you your first "
                 "move?")),
        ActionsBlock(block_id="rating", elements=buttons)])


def export_comment(esc: Escalation) -> str:
    return (f"{esc.public_id} export: timeline, reproduction recipe, handoff packet and status "
            "update drafts (Markdown).")

