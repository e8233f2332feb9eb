"""The checks behind the loop forms' inline errors (the fields are :data:`core.forms.FORMS`).

``validate_*`` return ``{field: message}`` — empty when the input may be stored. The same
specificity and tone guardrails as ``/escalate`` apply; customer-facing fields also refuse
blame, speculation and internals.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from core import customer_safe, guardrails
from core.forms import (
    FIELDS_BY_KEY,
    AcceptInput,
    AnswerInput,
    DeclineInput,
    EtaInput,
    FormField,
    FormKind,
    LevelInput,
    NeedsInfoInput,
    ReasonInput,
    ReassignInput,
    ReproInput,
    ResolveInput,
    SeverityInput,
    UpdateInput,
    VerifyInput,
)
from core.model import Level, Severity
from core.policy import SevPolicy
from core.timefmt import fmt_utc, utc
from core.workflow import Action


def check_text(spec: FormField, value: str | None) -> str | None:
    """The message for one text field, or None when it passes."""
    text = (value or "").strip()
    if not text:
        return f"{spec.label} is required." if spec.required else None
    if len(text) > spec.max_length:
        return f"{len(text)} characters; the limit is {spec.max_length}."
    if spec.kind is FormKind.LINE and "\n" in text:
        return "Keep it to one line."
    if spec.customer_facing:
        problem = customer_safe.customer_text_problem(text)
        if problem:
            return problem
    if spec.tone:
        problem = guardrails.temperament_problem(text)
        if problem:
            return problem
    if spec.min_words:
        return guardrails.specificity_problem(
            text, min_words=spec.min_words, what=spec.label.split(" (")[0],
            example=spec.example)
    return None


def _texts(action: Action, values: Mapping[str, str | None]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for key, value in values.items():
        message = check_text(FIELDS_BY_KEY[action][key], value)
        if message:
            errors[key] = message
    return errors


def default_next_update(now: datetime, sev: SevPolicy) -> datetime | None:
    return None if sev.update_cadence is None else utc(now) + sev.update_cadence


def validate_update(form: UpdateInput, *, now: datetime, sev: SevPolicy) -> dict[str, str]:
    errors = _texts(Action.POST_UPDATE, {
        "known": form.known, "unknown": form.unknown, "next_steps": form.next_steps,
        "customer_action": form.customer_action, "internal_note": form.internal_note})
    if form.next_update_at is not None:
        at = utc(form.next_update_at)
        if at <= utc(now):
            errors["next_update_at"] = "Pick a time in the future (UTC)."
        elif sev.update_cadence is not None and at - utc(now) > sev.update_cadence \
                + timedelta(minutes=1):
            latest = default_next_update(now, sev)
            assert latest is not None
            errors["next_update_at"] = (f"This severity needs an update at least every "
                                        f"{_span(sev.update_cadence)}: pick "
                                        f"{fmt_utc(latest)} or earlier.")
    return errors


def validate_needs_info(form: NeedsInfoInput) -> dict[str, str]:
    return _texts(Action.NEEDS_INFO, {"question": form.question})


def validate_answer(form: AnswerInput) -> dict[str, str]:
    return _texts(Action.ANSWER_INFO, {"answer": form.answer})


def validate_accept(form: AcceptInput) -> dict[str, str]:
    return _texts(Action.ACCEPT, {"note": form.note})


def validate_repro(form: ReproInput, *, reproduced: bool) -> dict[str, str]:
    action = Action.REPRODUCED if reproduced else Action.CANNOT_REPRODUCE
    return _texts(action, {"notes": form.notes, "environment": form.environment})


def validate_eta(form: EtaInput, *, now: datetime, previous: datetime | None
                 ) -> dict[str, str]:
    errors: dict[str, str] = {}
    if utc(form.eta) <= utc(now):
        errors["eta"] = "The fix ETA must be in the future (UTC)."
    elif utc(form.eta) - utc(now) > timedelta(days=366):
        errors["eta"] = "More than a year ahead; check the date."
    elif previous is not None and utc(form.eta) == utc(previous):
        errors["eta"] = f"That is the current ETA ({fmt_utc(previous)})."
    if previous is not None and not (form.reason or "").strip():
        errors["reason"] = (f"The ETA was {fmt_utc(previous)}: say why it changes, "
                            "e.g. “the fix failed QA on the SAML suite”.")
    else:
        errors.update(_texts(Action.SET_ETA, {"reason": form.reason}))
    return errors


def level_target(form: LevelInput, current: Level) -> Level:
    return form.target if form.target is not None else Level(min(current + 1, Level.L4))


def validate_level(form: LevelInput, *, current: Level, severity: Severity,
                   sev: SevPolicy) -> dict[str, str]:
    """Sequential unless the severity warrants a leap (seed 001 §1); L4 is the top."""
    errors = _texts(Action.ESCALATE_LEVEL, {"reason": form.reason})
    target = level_target(form, current)
    if target is Level.L5 or target > Level.L4:
        errors["target"] = ("L5 Leadership is notified, never the owner: tick “notify "
                            "leadership” instead.")
    elif target <= current:
        errors["target"] = f"It is at {current.label} already: pick a higher level."
    elif target > current + 1 and target > sev.base_level:
        errors["target"] = (f"One rung at a time: {Level(current + 1).label} next. "
                            f"{severity.value} warrants a leap only up to "
                            f"{sev.base_level.label}.")
    return errors


def validate_severity(form: SeverityInput, *, current: Severity) -> dict[str, str]:
    errors = _texts(Action.CHANGE_SEVERITY, {"reason": form.reason})
    if form.severity is current:
        errors["severity"] = f"It is {current.value} already."
    return errors


def validate_reassign(form: ReassignInput, *, owner: str | None) -> dict[str, str]:
    errors = _texts(Action.REASSIGN, {"note": form.note})
    if not form.to_user.strip():
        errors["to_user"] = "Pick the person to hand off to."
    elif form.to_user == owner:
        errors["to_user"] = "They own it already: pick someone else."
    return errors


def validate_decline(form: DeclineInput) -> dict[str, str]:
    return _texts(Action.DECLINE_HANDOFF, {"reason": form.reason})


def validate_resolve(form: ResolveInput) -> dict[str, str]:
    errors = _texts(Action.RESOLVE, {
        "root_cause": form.root_cause, "fix_version": form.fix_version,
        "validation_notes": form.validation_notes, "l1_takeaway": form.l1_takeaway})
    if form.category.needs_fix_version:
        if not (form.fix_version or "").strip():
            errors["fix_version"] = (f"A {form.category.label.lower()} needs its fix version "
                                     "or change id, e.g. “4.2.2” or “CHG-1182”.")
        if not (form.validation_notes or "").strip():
            errors["validation_notes"] = ("Say how the fix was checked after it shipped "
                                          "(seed 001: Engineering owes post-fix validation "
                                          "notes).")
    return errors


def validate_reason(action: Action, form: ReasonInput) -> dict[str, str]:
    return _texts(action, {"reason": form.reason})


def validate_verify(form: VerifyInput) -> dict[str, str]:
    return _texts(Action.VERIFY, {"note": form.note})


def _span(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return f"{days} day{'s' if days > 1 else ''}"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours > 1 else ''}"
    return f"{minutes} minutes"
