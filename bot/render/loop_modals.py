"""The feedback loop's modals: one small form per action that needs input.

The fields come from :data:`core.forms.FORMS` (block_id = action_id = the field key the core's
checks report errors under), so rendering, reading the submitted state and showing inline
errors agree. The rules themselves (required reasons, the specificity and tone guardrails,
the customer-safe wording) are in the core; this module only draws.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    DateTimePickerElement,
    InputBlock,
    InputInteractiveElement,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.render.ids import loop_callback
from bot.render.mrkdwn import escape, truncate
from core.forms import FORMS, FormField, FormKind, HandoffRating, ResolutionCategory
from core.model import Escalation, Level, Severity
from core.timefmt import fmt_utc
from core.workflow import Action


@dataclass(frozen=True)
class Frame:
    """What the bot adds around the core's fields: the modal's title, submit and intro."""

    title: str
    submit: str
    intro: str | None = None


FRAMES: Mapping[Action, Frame] = {
    Action.ACCEPT: Frame("Accept", "Accept", "You confirm you own it and will drive it."),
    Action.POST_UPDATE: Frame(
        "Post update", "Post update",
        "Seed 001's five questions. The customer-facing answers become a draft the requester "
        "can paste into the ticket: no internal ids, no blame, no speculation."),
    Action.NEEDS_INFO: Frame("Needs info", "Ask", "Ask the requester one specific question. "
                             "They get a DM with an *Answer* button; the state returns when "
                             "they answer."),
    Action.ANSWER_INFO: Frame("Answer", "Answer"),
    Action.REPRODUCED: Frame("Reproduced", "Save", "How you reproduced it, and where."),
    Action.CANNOT_REPRODUCE: Frame("Cannot reproduce", "Save", "What you tried, and where."),
    Action.SET_ETA: Frame("Set fix ETA", "Set ETA", "Every ETA is kept; changing one needs a "
                          "reason. Times are UTC."),
    Action.ESCALATE_LEVEL: Frame("Escalate a level", "Escalate", "Sequential unless the "
                                 "severity warrants a leap. L5 Leadership is notified, never "
                                 "the owner."),
    Action.CHANGE_SEVERITY: Frame("Change severity", "Change", "Raising is open to the owner, "
                                  "the requester, the IC and leads; lowering to leads only."),
    Action.SET_IC: Frame("Incident commander", "Set"),
    Action.REASSIGN: Frame("Reassign", "Hand over", "Ownership moves only when they click "
                           "*Accept handoff* in their DM; until then you still own it."),
    Action.DECLINE_HANDOFF: Frame("Decline handoff", "Decline"),
    Action.RESOLVE: Frame("Resolve", "Resolve", "Stored as data for the reports; the wrap-up "
                          "goes in the thread and the requester is asked to verify."),
    Action.VERIFY: Frame("Verify", "Verify and close"),
    Action.REOPEN: Frame("Reopen", "Reopen", "The previous owner gets it back (state claimed)."),
    Action.CANCEL: Frame("Cancel", "Cancel it"),
    Action.CLOSE: Frame("Close", "Close", "Close without resolution."),
    Action.MERGE: Frame("Merge as duplicate", "Merge", "This escalation closes and points to "
                        "the survivor; its impact adds up there."),
}


def _options(pairs: Sequence[tuple[str, str]]) -> list[Option]:
    return [Option(value=v, text=PlainTextObject(text=t[:75])) for v, t in pairs]


def _choices(spec: FormField, esc: Escalation) -> list[tuple[str, str]]:
    if spec.kind is FormKind.LEVEL:
        above = [lv for lv in (Level.L2, Level.L3, Level.L4) if lv > esc.level]
        return [(lv.name, lv.label) for lv in above or [Level.L4]]
    if spec.kind is FormKind.SEVERITY:
        return [(s.value, f"{s.value} — {s.meaning}") for s in Severity
                if s is not esc.severity]
    if spec.kind is FormKind.CATEGORY:
        return [(c.value, c.label) for c in ResolutionCategory]
    if spec.kind is FormKind.RATING:
        return [(r.value, r.label) for r in HandoffRating]
    if spec.kind is FormKind.FLAG:
        return [("true", "Yes")]
    return []


def _element(spec: FormField, value: str | None, esc: Escalation) -> InputInteractiveElement:
    placeholder = PlainTextObject(text=spec.placeholder[:150]) if spec.placeholder else None
    if spec.kind in (FormKind.LINE, FormKind.TEXT, FormKind.ESCALATION):
        return PlainTextInputElement(action_id=spec.key, multiline=spec.kind is FormKind.TEXT,
                                     initial_value=value or None, placeholder=placeholder,
                                     max_length=min(spec.max_length, 3000))
    if spec.kind is FormKind.DATETIME:
        initial = int(datetime.fromisoformat(value).timestamp()) if value else None
        return DateTimePickerElement(action_id=spec.key, initial_date_time=initial)
    if spec.kind is FormKind.USER:
        return UserSelectElement(action_id=spec.key, initial_user=value or None,
                                 placeholder=PlainTextObject(text="Pick a person"))
    options = _options(_choices(spec, esc))
    chosen = next((o for o in options if o.value == value), None)
    if spec.kind is FormKind.FLAG:
        return CheckboxesElement(action_id=spec.key, options=options,
                                 initial_options=[chosen] if chosen else None)
    if spec.kind is FormKind.RATING:
        return RadioButtonsElement(action_id=spec.key, options=options, initial_option=chosen)
    return StaticSelectElement(action_id=spec.key, options=options, initial_option=chosen,
                               placeholder=PlainTextObject(text=f"Choose {spec.label.lower()}"))


def _input(spec: FormField, value: str | None, esc: Escalation) -> InputBlock:
    label = spec.label.removesuffix(" (optional)")
    return InputBlock(block_id=spec.key, label=PlainTextObject(text=label),
                      element=_element(spec, value, esc),
                      hint=PlainTextObject(text=spec.hint) if spec.hint else None,
                      optional=not spec.required)


def metadata(esc: Escalation, **extra: str) -> str:
    return json.dumps({"id": esc.id, "v": esc.progress.version, **extra}, separators=(",", ":"))


def read_metadata(raw: str | None) -> dict[str, Any]:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def form_view(action: Action, esc: Escalation, *, values: Mapping[str, str] | None = None,
              context: str | None = None, **extra: str) -> View:
    """The modal for ``action`` on ``esc``, pre-filled with ``values`` (defaults, a retry)."""
    frame = FRAMES[action]
    values = values or {}
    problem = truncate(esc.answers.problem or "", 200)
    blocks: list[Block] = [ContextBlock(block_id="about", elements=[MarkdownTextObject(
        text=f"*{esc.public_id}* · {esc.severity.value} · {escape(problem)}")])]
    if context:
        blocks.append(SectionBlock(block_id="context", text=MarkdownTextObject(
            text=truncate(context, 2900))))
    if frame.intro:
        blocks.append(ContextBlock(block_id="intro", elements=[MarkdownTextObject(
            text=frame.intro)]))
    blocks += [_input(spec, values.get(spec.key), esc) for spec in FORMS[action]]
    return View(type="modal", callback_id=loop_callback(action),
                title=PlainTextObject(text=f"{frame.title} · {esc.public_id}"[:24]),
                submit=PlainTextObject(text=frame.submit), close=PlainTextObject(text="Cancel"),
                private_metadata=metadata(esc, **extra), blocks=blocks)


def done_view(title: str, text: str) -> View:
    return View(type="modal", title=PlainTextObject(text=title[:24]),
                close=PlainTextObject(text="Close"),
                blocks=[SectionBlock(block_id="done", text=MarkdownTextObject(
                    text=truncate(text, 2900)))])


def _quoted(text: str) -> str:
    return "\n".join(f">{line}" for line in escape(truncate(text, 2000)).splitlines())


def modal_context(action: Action, esc: Escalation) -> str | None:
    """What the person should see above the form (mrkdwn): the question they answer …"""
    p = esc.progress
    if action is Action.ANSWER_INFO and p.open_question:
        asker = f"<@{esc.owner}>" if esc.owner else "The owner"
        return f"*{asker} asks:*\n{_quoted(p.open_question)}"
    if action is Action.DECLINE_HANDOFF and p.pending_handoff is not None:
        return (f"*Handoff note from <@{p.pending_handoff.by}>:*\n"
                f"{_quoted(p.pending_handoff.note)}")
    if action is Action.SET_ETA and p.fix_eta is not None:
        return f"Current fix ETA: *{fmt_utc(p.fix_eta)}*"
    return None
