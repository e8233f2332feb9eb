"""The feedback loop's modals: one small form per action that needs input.

Each form is a list of :class:`Input` specs (block_id = action_id = the field key the core's
form rules use), so rendering, reading the submitted state and showing inline errors agree on
the keys. The rules themselves (required reasons, the specificity and tone guardrails, the
customer-safe wording) are in the core; this module only draws and reads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
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
from core.model import Escalation, Level, Severity
from core.workflow import Action


class Kind(StrEnum):
    LINE = "line"
    TEXT = "text"
    DATETIME = "datetime"
    USER = "user"
    SELECT = "select"
    RADIO = "radio"
    FLAG = "flag"


@dataclass(frozen=True)
class Input:
    key: str
    label: str
    kind: Kind = Kind.TEXT
    required: bool = True
    hint: str | None = None
    placeholder: str | None = None
    max_length: int = 3000
    options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Form:
    title: str
    submit: str
    intro: str | None = None
    inputs: tuple[Input, ...] = field(default_factory=tuple)


RESOLUTION_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("code_fix", "Code fix"), ("configuration", "Configuration change"),
    ("known_issue", "Known issue / workaround"), ("documentation", "Documentation gap"),
    ("user_error", "User error / how-to"), ("cannot_reproduce", "Cannot reproduce"),
    ("duplicate", "Duplicate"), ("wont_fix", "Won't fix"),
)

_REASON = Input("reason", "Reason", hint="Say what changed and why, specifically — it goes in "
                "the thread and the audit trail.")
_ENVIRONMENT = Input("environment", "Environment used", Kind.LINE,
                     placeholder="e.g. staging, build 4.2.1, flag saml_strict_audience=on",
                     max_length=300)

FORMS: Mapping[Action, Form] = {
    Action.ACCEPT: Form("Accept", "Accept", "You confirm you own it; a first note is optional.",
                        (Input("note", "First note", required=False,
                               placeholder="e.g. reading the acs logs now; first update by 15:00"
                               " UTC"),)),
    Action.POST_UPDATE: Form(
        "Post update", "Post update",
        "The five questions of a status update. The customer-facing answers become a draft "
        "the requester can copy into the ticket: no internal ids, no blame, no speculation.",
        (Input("known", "What we know", hint="Customer-facing: facts only."),
         Input("unknown", "What we don't know yet", hint="Customer-facing: open questions."),
         Input("next_steps", "What we're doing next", hint="Customer-facing."),
         Input("next_update_at", "When you'll hear from us again", Kind.DATETIME,
               hint="Defaults to now + the severity's update cadence. Shown in UTC."),
         Input("customer_action", "What the customer should do in the meantime",
               hint="Customer-facing, e.g. “use the password login link we sent”."),
         Input("internal", "Internal note (not in the customer draft)", required=False))),
    Action.NEEDS_INFO: Form(
        "Needs info", "Ask", "Ask the requester one specific question. They get a DM with an "
        "*Answer* button; the state returns when they answer.",
        (Input("question", "Your question", placeholder="e.g. Which Okta app id does Acme use, "
                                                        "and was the cert rotated on Friday?"),)),
    Action.ANSWER_INFO: Form("Answer", "Answer", None, (Input("answer", "Your answer"),)),
    Action.REPRODUCED: Form("Reproduced", "Save", "How you reproduced it.",
                            (Input("notes", "Notes"), _ENVIRONMENT)),
    Action.CANNOT_REPRODUCE: Form("Cannot reproduce", "Save", "What you tried.",
                                  (Input("notes", "Notes"), _ENVIRONMENT)),
    Action.SET_ETA: Form("Set fix ETA", "Set ETA", "Every ETA is kept; changing one needs a "
                         "reason.", (Input("eta", "Fix ETA", Kind.DATETIME,
                                           hint="Shown to everyone in UTC."),
                                     Input("reason", "Reason for the change", required=False))),
    Action.ESCALATE_LEVEL: Form(
        "Escalate a level", "Escalate", None,
        (Input("level", "New level", Kind.SELECT), _REASON,
         Input("leadership", "Leadership", Kind.FLAG, required=False,
               options=(("true", "Contract or PR risk — notify L5 Leadership"),)))),
    Action.CHANGE_SEVERITY: Form("Change severity", "Change", "Raising is open to the owner, "
                                 "the requester, the IC and leads; lowering to leads only.",
                                 (Input("severity", "New severity", Kind.SELECT), _REASON)),
    Action.SET_IC: Form("Incident commander", "Set", None,
                        (Input("commander", "Incident commander", Kind.USER),)),
    Action.REASSIGN: Form(
        "Reassign", "Hand over", "Ownership moves only when they click *Accept handoff* in "
        "their DM; until then you still own it.",
        (Input("to", "New owner", Kind.USER),
         Input("note", "Handoff note", hint="What they need for their first move: state, "
               "what is done, what is next."))),
    Action.DECLINE_HANDOFF: Form("Decline handoff", "Decline", None,
                                 (Input("reason", "Why you decline"),)),
    Action.RESOLVE: Form(
        "Resolve", "Resolve", "Stored as data for the reports; the wrap-up goes in the thread.",
        (Input("category", "Resolution category", Kind.SELECT, options=RESOLUTION_CATEGORIES),
         Input("root_cause", "Root cause"),
         Input("fix_version", "Fix version or change id", Kind.LINE, max_length=200,
               required=False, placeholder="e.g. web 4.2.2 or CHG-1042"),
         Input("validation", "Post-fix validation notes"),
         Input("l1_takeaway", "L1 takeaway", hint="What L1 could do next time."),
         Input("kb_article", "Knowledge-base article warranted?", Kind.RADIO,
               options=(("yes", "Yes"), ("no", "No"))))),
    Action.REOPEN: Form("Reopen", "Reopen", "The previous owner gets it back, state claimed.",
                        (_REASON,)),
    Action.CANCEL: Form("Cancel", "Cancel it", None, (_REASON,)),
    Action.CLOSE: Form("Close", "Close", "Close without resolution.", (_REASON,)),
    Action.MERGE: Form("Merge as duplicate", "Merge", "This escalation closes and points to "
                       "the survivor; impact adds up there.",
                       (Input("into", "Duplicate of", Kind.LINE, max_length=20,
                              placeholder="e.g. ESC-17"),)),
}


def _options(pairs: Sequence[tuple[str, str]]) -> list[Option]:
    return [Option(value=v, text=PlainTextObject(text=t[:75])) for v, t in pairs]


def _element(spec: Input, value: str | None) -> InputInteractiveElement:
    placeholder = PlainTextObject(text=spec.placeholder[:150]) if spec.placeholder else None
    if spec.kind in (Kind.LINE, Kind.TEXT):
        return PlainTextInputElement(action_id=spec.key, multiline=spec.kind is Kind.TEXT,
                                     initial_value=value or None, placeholder=placeholder,
                                     max_length=spec.max_length)
    if spec.kind is Kind.DATETIME:
        initial = int(datetime.fromisoformat(value).timestamp()) if value else None
        return DateTimePickerElement(action_id=spec.key, initial_date_time=initial)
    if spec.kind is Kind.USER:
        return UserSelectElement(action_id=spec.key, initial_user=value or None,
                                 placeholder=PlainTextObject(text="Pick a person"))
    options = _options(spec.options)
    chosen = next((o for o in options if o.value == value), None)
    if spec.kind is Kind.FLAG:
        return CheckboxesElement(action_id=spec.key, options=options,
                                 initial_options=[chosen] if chosen else None)
    if spec.kind is Kind.RADIO:
        return RadioButtonsElement(action_id=spec.key, options=options, initial_option=chosen)
    return StaticSelectElement(action_id=spec.key, options=options, initial_option=chosen,
                               placeholder=PlainTextObject(text=f"Choose {spec.label.lower()}"))


def _with_choices(spec: Input, esc: Escalation) -> Input:
    if spec.key == "level":
        above = [lv for lv in (Level.L2, Level.L3, Level.L4) if lv > esc.level]
        return Input(spec.key, spec.label, spec.kind, spec.required, spec.hint,
                     options=tuple((lv.name, lv.label) for lv in above) or
                     ((Level.L4.name, Level.L4.label),))
    if spec.key == "severity":
        return Input(spec.key, spec.label, spec.kind, spec.required, spec.hint,
                     options=tuple((s.value, f"{s.value} — {s.meaning}") for s in Severity
                                   if s is not esc.severity))
    return spec


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
    form = FORMS[action]
    values = values or {}
    problem = truncate(esc.answers.problem or "", 200)
    blocks: list[Block] = [ContextBlock(block_id="about", elements=[MarkdownTextObject(
        text=f"*{esc.public_id}* · {esc.severity.value} · {escape(problem)}")])]
    if context:
        blocks.append(SectionBlock(block_id="context", text=MarkdownTextObject(
            text=truncate(context, 2900))))
    if form.intro:
        blocks.append(ContextBlock(block_id="intro", elements=[MarkdownTextObject(
            text=form.intro)]))
    for spec in form.inputs:
        spec = _with_choices(spec, esc)
        blocks.append(InputBlock(block_id=spec.key, label=PlainTextObject(text=spec.label),
                                 element=_element(spec, values.get(spec.key)),
                                 hint=PlainTextObject(text=spec.hint) if spec.hint else None,
                                 optional=not spec.required))
    return View(type="modal", callback_id=loop_callback(action),
                title=PlainTextObject(text=f"{form.title} · {esc.public_id}"[:24]),
                submit=PlainTextObject(text=form.submit), close=PlainTextObject(text="Cancel"),
                private_metadata=metadata(esc, **extra), blocks=blocks)


def done_view(title: str, text: str) -> View:
    return View(type="modal", title=PlainTextObject(text=title[:24]),
                close=PlainTextObject(text="Close"),
                blocks=[SectionBlock(block_id="done", text=MarkdownTextObject(
                    text=truncate(text, 2900)))])
