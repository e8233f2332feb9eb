"""Messages of the feedback loop: thread timeline lines, status updates, wrap-ups, DMs.

Core results in, ``slack_sdk.models`` blocks out. Headlines come from the core built of
trusted pieces (mentions, labels, UTC times); the user's words (``quotes``, update answers,
resolution text) are escaped here. Buttons use ``action_id(action)`` with the escalation id
(or ``id:choice``) as their value.
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.render.mrkdwn import chunks, code_block, escape, fit
from core.forms import HandoffRating
from core.model import Escalation
from core.progress import StatusUpdate, WrapUp
from core.timefmt import fmt_utc, humanize_duration
from core.timeline import Notice, SeveritySuggestion, TimelineEntry
from core.workflow import Action

TEXT_LIMIT = 2900


def action_id(action: Action, choice: str | None = None) -> str:
    """The Block Kit action_id of a loop button: ``loop:accept``, ``loop:rate:yes`` …"""
    return f"loop:{action.value}" + (f":{choice}" if choice else "")


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[Block]


def _link(esc: Escalation) -> str:
    return f"<{esc.permalink}|{esc.public_id}>" if esc.permalink else esc.public_id


def _quotes(entry: TimelineEntry, budget: int = 2400) -> str:
    lines = []
    for label, text in entry.quotes:
        body, _ = fit(" ".join(text.split()), max(budget // max(len(entry.quotes), 1), 100))
        lines.append(f"> *{escape(label)}:* {body}")
    return "\n".join(lines)


def timeline_line(esc: Escalation, entry: TimelineEntry) -> Message:
    """One line in the packet's thread: "14:05 UTC · @X accepted it (claimed → accepted)"."""
    head = f"`{fmt_utc(entry.at)}` {entry.headline}"
    quotes = _quotes(entry)
    text = head + ("\n" + quotes if quotes else "")
    body, _ = fit(text, TEXT_LIMIT) if len(text) > TEXT_LIMIT else (text, False)
    return Message(text=f"{esc.public_id}: {entry.headline}"[:300],
                   blocks=[SectionBlock(block_id="timeline", text=MarkdownTextObject(text=body))])


def _field(label: str, value: str, limit: int = 700) -> str:
    body, _ = fit(" ".join(value.split()), limit)
    return f"*{escape(label)}*\n{body}"


def status_update(esc: Escalation, update: StatusUpdate) -> Message:
    due = fmt_utc(update.next_update_at) if update.next_update_at else "when there is news"
    blocks: list[Block] = [
        SectionBlock(block_id="update_head", text=MarkdownTextObject(
            text=f"`{fmt_utc(update.at)}` :mega: <@{update.author}> posted a status update "
                 f"on {esc.public_id} · next update by {due}")),
        SectionBlock(block_id="update_known", text=MarkdownTextObject(
            text=_field("What we know", update.known))),
        SectionBlock(block_id="update_unknown", text=MarkdownTextObject(
            text=_field("What we don't know yet", update.unknown))),
        SectionBlock(block_id="update_next", text=MarkdownTextObject(
            text=_field("What we're doing next", update.next_steps))),
        SectionBlock(block_id="update_meantime", text=MarkdownTextObject(
            text=_field("What the customer should do in the meantime",
                        update.customer_action))),
    ]
    if update.internal_note:
        blocks.append(SectionBlock(block_id="update_internal", text=MarkdownTextObject(
            text=_field("Internal note (not for the customer)", update.internal_note))))
    # The whole draft, in as many code blocks as it takes (it is what gets copied).
    pieces = chunks(update.draft.as_text(), TEXT_LIMIT - 400)
    for n, piece in enumerate(pieces):
        head = "*Customer-safe draft* — copy into the ticket:\n" if n == 0 else ""
        blocks.append(SectionBlock(block_id=f"update_draft_{n}", text=MarkdownTextObject(
            text=head + code_block(piece))))
    return Message(text=f"{esc.public_id}: status update", blocks=blocks)


def wrap_up(esc: Escalation, wrap: WrapUp) -> Message:
    def span(value: object) -> str:
        from datetime import timedelta

        return humanize_duration(value) if isinstance(value, timedelta) else "—"

    facts = [
        ("Escalation → resolution", span(wrap.escalation_to_resolution)),
        ("Time to claim", span(wrap.time_to_claim)),
        ("Time to accept", span(wrap.time_to_accept)),
        ("Status updates", str(wrap.updates)),
    ]
    blocks: list[Block] = [
        SectionBlock(block_id="wrap_head", text=MarkdownTextObject(
            text=f":white_check_mark: *Wrap-up of {esc.public_id}*")),
        SectionBlock(block_id="wrap_facts", fields=[
            MarkdownTextObject(text=f"*{k}*\n{v}") for k, v in facts]),
        SectionBlock(block_id="wrap_cause", text=MarkdownTextObject(
            text=_field("Root cause", wrap.root_cause))),
        SectionBlock(block_id="wrap_fix", text=MarkdownTextObject(
            text=_field("Fix version", wrap.fix_version or "—"))),
        SectionBlock(block_id="wrap_next", text=MarkdownTextObject(
            text=_field("Next steps", wrap.next_steps))),
    ]
    return Message(text=f"{esc.public_id} is resolved: wrap-up", blocks=blocks)


_DM_LABELS = {Action.ANSWER_INFO: "Answer", Action.VERIFY: "Verify",
              Action.REOPEN: "Reopen", Action.ACCEPT_HANDOFF: "Accept handoff",
              Action.DECLINE_HANDOFF: "Decline"}


def dm(esc: Escalation, notice: Notice) -> Message:
    head = f"*{_link(esc)}* · {escape(esc.answers.problem or '')[:150]}\n{notice.entry.headline}"
    quotes = _quotes(notice.entry)
    text = head + ("\n" + quotes if quotes else "")
    blocks: list[Block] = [SectionBlock(block_id="notice", text=MarkdownTextObject(
        text=fit(text, TEXT_LIMIT)[0] if len(text) > TEXT_LIMIT else text))]
    if notice.actions:
        blocks.append(ActionsBlock(block_id="notice_actions", elements=[
            ButtonElement(action_id=action_id(a), text=PlainTextObject(
                text=_DM_LABELS.get(a, a.label)), value=str(esc.id),
                style="primary" if n == 0 else None)
            for n, a in enumerate(notice.actions)]))
    return Message(text=f"{esc.public_id}: {notice.entry.headline}"[:300], blocks=blocks)


def leads_notice(esc: Escalation, entry: TimelineEntry) -> Message:
    sev = esc.severity.value
    text = (f":rotating_light: *{_link(esc)}* · {sev} · {escape(esc.answers.customer or '')} — "
            f"{entry.headline}")
    quotes = _quotes(entry)
    body = text + ("\n" + quotes if quotes else "")
    return Message(text=f"{esc.public_id} needs leadership attention"[:300],
                   blocks=[SectionBlock(block_id="leads", text=MarkdownTextObject(
                       text=fit(body, TEXT_LIMIT)[0] if len(body) > TEXT_LIMIT else body))])


def severity_suggestion(esc: Escalation, suggestion: SeveritySuggestion) -> Message:
    who = f"<@{suggestion.owner}> " if suggestion.owner else ""
    text = (f":arrow_up: {who}{escape(suggestion.reason).capitalize()}: consider raising "
            f"{esc.public_id} from {esc.severity.value} to {suggestion.severity.value}.")
    return Message(text=text[:300], blocks=[
        SectionBlock(block_id="suggest", text=MarkdownTextObject(text=text)),
        ActionsBlock(block_id="suggest_actions", elements=[ButtonElement(
            action_id=action_id(Action.CHANGE_SEVERITY),
            text=PlainTextObject(text=f"Raise to {suggestion.severity.value}"),
            value=f"{esc.id}:{suggestion.severity.value}", style="primary")]),
    ])


def rating_question(esc: Escalation) -> Message:
    text = (f"Private question about {esc.public_id}: did the handoff tell you your first "
            "move? (Asked once; only the weekly digest counts the answers.)")
    return Message(text=text, blocks=[
        SectionBlock(block_id="rating", text=MarkdownTextObject(text=text)),
        ActionsBlock(block_id="rating_actions", elements=[ButtonElement(
            action_id=action_id(Action.RATE_HANDOFF, rating.value),
            text=PlainTextObject(text=rating.label), value=f"{esc.id}:{rating.value}")
            for rating in HandoffRating]),
    ])
