"""The /escalate modal: one view per checklist step, built from :data:`core.checklist.FIELDS`."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    DateTimePickerElement,
    DividerBlock,
    InputBlock,
    InputInteractiveElement,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.render.ids import Ids, step_callback
from bot.render.mrkdwn import escape
from bot.render.similar import suggestion_blocks
from core.checklist import FIELDS_BY_KEY, Field, Kind, Step, Weakness, fields_of, files_of
from core.codec import answers_to_dict
from core.model import (
    Answers,
    CustomerTier,
    Domain,
    Environment,
    Severity,
    Signal,
    Workaround,
)
from core.similar import Suggestion

STEPS = tuple(Step)
PAGE_NOW = "page_now"


class FileInputElement(InputInteractiveElement):
    """Slack's ``file_input`` (not in slack_sdk.models yet): uploads in a modal (files:read)."""

    type = "file_input"

    @property
    def attributes(self) -> set[str]:  # type: ignore[override]
        return {"type", "action_id", "filetypes", "max_files"}

    def __init__(self, *, action_id: str, filetypes: list[str] | None = None,
                 max_files: int | None = None) -> None:
        super().__init__(type=self.type, action_id=action_id)
        self.filetypes = filetypes
        self.max_files = max_files


def _option(value: str, text: str, description: str | None = None) -> Option:
    return Option(value=value, text=PlainTextObject(text=text[:75]),
                  description=PlainTextObject(text=description[:75]) if description else None)


def _options(kind: Kind, domains: Sequence[Domain]) -> list[Option]:
    if kind is Kind.DOMAIN:
        return [_option(d.key, d.name) for d in domains]
    if kind is Kind.SEVERITY:
        return [_option(s.value, s.value, s.meaning) for s in Severity]
    if kind is Kind.TIER:
        return [_option(t.value, t.label) for t in CustomerTier]
    if kind is Kind.ENVIRONMENT:
        return [_option(e.value, e.value.capitalize()) for e in Environment]
    if kind is Kind.WORKAROUND:
        return [_option(w.value, w.label) for w in Workaround]
    if kind is Kind.SIGNALS:
        return [_option(s.value, s.label) for s in Signal]
    if kind is Kind.FLAG:
        return [_option("true", "Yes — a renewal or expansion depends on this")]
    return []


def _pick(options: list[Option], value: str | None) -> Option | None:
    return next((o for o in options if o.value == value), None)


def _element(spec: Field, value: str | None, domains: Sequence[Domain],
             requester: str) -> InputInteractiveElement:
    placeholder = PlainTextObject(text=spec.placeholder[:150]) if spec.placeholder else None
    if spec.kind in (Kind.LINE, Kind.TEXT, Kind.LINKS, Kind.TICKETS):
        return PlainTextInputElement(
            action_id=spec.key, initial_value=value or None, placeholder=placeholder,
            multiline=spec.kind in (Kind.TEXT, Kind.LINKS, Kind.TICKETS),
            max_length=spec.max_length)
    if spec.kind is Kind.FILES:
        return FileInputElement(action_id=spec.key, max_files=10)
    if spec.kind is Kind.NUMBER:
        return NumberInputElement(action_id=spec.key, is_decimal_allowed=False, min_value="1",
                                  initial_value=value or None, placeholder=placeholder)
    if spec.kind is Kind.DATETIME:
        initial = int(datetime.fromisoformat(value).timestamp()) if value else None
        return DateTimePickerElement(action_id=spec.key, initial_date_time=initial)
    if spec.kind is Kind.DATE:
        return DatePickerElement(action_id=spec.key, initial_date=value or None,
                                 placeholder=PlainTextObject(text="Pick a date"))
    if spec.kind is Kind.USER:
        return UserSelectElement(action_id=spec.key, initial_user=value or requester,
                                 placeholder=PlainTextObject(text="Pick a person"))
    options = _options(spec.kind, domains)
    if spec.kind in (Kind.SIGNALS, Kind.FLAG):
        chosen = [o for o in options if value and o.value in value.split(",")]
        return CheckboxesElement(action_id=spec.key, options=options,
                                 initial_options=chosen or None)
    if spec.kind is Kind.WORKAROUND:
        return RadioButtonsElement(action_id=spec.key, options=options,
                                   initial_option=_pick(options, value))
    return StaticSelectElement(action_id=spec.key, options=options,
                               initial_option=_pick(options, value),
                               placeholder=PlainTextObject(text=f"Choose {spec.label.lower()}"))


REDACTION_NOTE = "Redaction cannot be switched off; rephrase if the meaning was lost."


def _input(spec: Field, values: Mapping[str, str], domains: Sequence[Domain],
           requester: str, removed: str | None = None) -> InputBlock:
    hint = spec.hint
    block_id = spec.key
    if removed:
        # What redaction removed, on the field itself; a fresh block id makes Slack show the
        # redacted text instead of keeping what was typed.
        hint = f"🔒 {removed}. {REDACTION_NOTE}"
        block_id = f"{spec.key}~{secrets.token_hex(2)}"
    if spec.kind is Kind.FILES and values.get(spec.key):
        names = [name for name, _ in files_of(Answers(evidence_files=values[spec.key]))]
        hint = (f"Attached: {', '.join(names)[:1500]}. Upload more here; "
                "attached files are kept.")
    return InputBlock(
        block_id=block_id,
        label=PlainTextObject(text=spec.label),
        element=_element(spec, values.get(spec.key), domains, requester),
        hint=PlainTextObject(text=hint[:2000]) if hint else None,
        optional=not spec.required,
        # Picking SEV1 offers Page now at once (the view is updated on the pick).
        dispatch_action=True if spec.kind is Kind.SEVERITY else None,
    )


def metadata(*, channel: str | None, step: Step) -> str:
    return json.dumps({"channel": channel, "step": step.value}, separators=(",", ":"))


def read_metadata(raw: str | None) -> dict[str, str]:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


def readiness_blocks(weak: Sequence[Weakness]) -> list[Block]:
    if not weak:
        text = "*Readiness:* :white_check_mark: every checklist item is answered specifically."
        return [SectionBlock(block_id="readiness", text=MarkdownTextObject(text=text))]
    lines = [f"• *{escape(FIELDS_BY_KEY[w.field].label)}* — {escape(w.note)}" for w in weak[:12]]
    body = "*Readiness — still weak:*\n" + "\n".join(lines)
    text = body if len(body) <= 3000 else body[:2990] + "…"
    return [SectionBlock(block_id="readiness", text=MarkdownTextObject(text=text))]


def step_view(step: Step, answers: Answers, *, domains: Sequence[Domain], requester: str,
              channel: str | None, weak: Sequence[Weakness] = (),
              notice: str | None = None, removed: Mapping[str, str] | None = None,
              page_now_offer: bool = False, paged: str | None = None,
              similar: Sequence[Suggestion] = ()) -> View:
    """The modal for ``step``, pre-filled with the draft's answers (``notice``: mrkdwn shown
    on top, e.g. where a thread draft came from; ``removed``: what redaction took out of a
    field, shown on it; ``page_now_offer``: SEV1 picked, offer Page now; ``paged``: the
    fast lane's banner once the packet is out; ``similar``: deflection suggestions shown on the
    readiness step)."""
    values = answers_to_dict(answers)
    number = STEPS.index(step) + 1
    blocks: list[Block] = [ContextBlock(block_id="progress", elements=[MarkdownTextObject(
        text=f"*Step {number} of {len(STEPS)} · {step.heading}* — every answer is kept if you "
             "go back.")])]
    if notice:
        blocks.append(ContextBlock(block_id="draft_notice", elements=[
            MarkdownTextObject(text=notice[:2990])]))
    if number > 1:
        previous = STEPS[number - 2]
        blocks.append(ActionsBlock(block_id="nav", elements=[ButtonElement(
            action_id=Ids.BACK, text=PlainTextObject(text=f"← Back to {previous.heading}"),
            value=previous.value)]))
    if step is Step.HANDOFF:
        blocks += readiness_blocks(weak)
        blocks += suggestion_blocks(similar)
        blocks.append(DividerBlock())
    if paged:
        blocks.append(SectionBlock(block_id="paged", text=MarkdownTextObject(text=paged)))
    removed = removed or {}
    if removed:
        blocks.append(ContextBlock(block_id="redacted", elements=[MarkdownTextObject(
            text=":lock: Personal data and secrets were removed before anything was stored "
                 "(see the fields marked 🔒). Check the text and press the button again.")]))
    blocks += [_input(spec, values, domains, requester, removed.get(spec.key))
               for spec in fields_of(step)]
    if step is Step.PROBLEM and page_now_offer and not paged:
        blocks += page_now_blocks()
    last = number == len(STEPS)
    return View(
        type="modal",
        callback_id=step_callback(step),
        title=PlainTextObject(text=f"Escalate · {number}/{len(STEPS)}"),
        submit=PlainTextObject(text="Escalate" if last else "Next"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=metadata(channel=channel, step=step),
        blocks=blocks,
    )


def message_view(*, title: str, text: str, callback_id: str) -> View:
    """A modal with one message and a Close button (no inputs, nothing to submit)."""
    return View(type="modal", callback_id=callback_id, title=PlainTextObject(text=title[:24]),
                close=PlainTextObject(text="Close"),
                blocks=[SectionBlock(block_id="message", text=MarkdownTextObject(text=text))])


def page_now_blocks() -> list[Block]:
    """The SEV1 fast lane's offer: post after this step, finish the rest afterwards."""
    option = _option(PAGE_NOW, "Page now",
                     "Post after this step; reproduction and handoff follow")
    return [
        DividerBlock(),
        SectionBlock(block_id="page_now_note", text=MarkdownTextObject(
            text=":rotating_light: *SEV1 — Page now.* The packet goes to the domain's "
                 "specialists and incident commander after this step, marked _incomplete: "
                 "reproduction and handoff to follow_. You then finish the other steps here; "
                 "the packet updates as you save each one.")),
        InputBlock(block_id=PAGE_NOW, label=PlainTextObject(text="SEV1 fast lane"),
                   element=CheckboxesElement(action_id=PAGE_NOW, options=[option],
                                             initial_options=[option]),
                   optional=True),
    ]


def done_view(*, public_id: str, channel: str, level: str, reason: str, created: bool,
              completed: bool = False) -> View:
    lead = "is stored" if created else "was already stored"
    if completed:
        lead = "is complete: its packet is updated"
    where = "in" if completed else "and is being posted to"
    text = (f"*{public_id}* {lead} {where} <#{channel}>.\n"
            f"*Target:* {escape(level)}\n_{escape(reason)}_\n\n"
            "You will get a DM with the link when it lands, and another when a specialist "
            "claims it.")
    return View(type="modal", callback_id=Ids.DONE_VIEW,
                title=PlainTextObject(text="Escalated"), close=PlainTextObject(text="Done"),
                blocks=[SectionBlock(block_id="done", text=MarkdownTextObject(text=text))])
