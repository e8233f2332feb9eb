"""A loop modal's submitted values (strings keyed by :data:`core.forms.FORMS`) → the core's
typed input, or field errors for what cannot even be read (a malformed id, a missing pick).

Parsing only: whether the input is good enough (specific, customer-safe, a reason given) is
:mod:`core.forms`' question, asked by the command.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from core.forms import (
    AcceptInput,
    AnswerInput,
    DeclineInput,
    EtaInput,
    HandoffRating,
    IcInput,
    LevelInput,
    MergeInput,
    NeedsInfoInput,
    RateInput,
    ReasonInput,
    ReassignInput,
    ReproInput,
    ResolutionCategory,
    ResolveInput,
    SeverityInput,
    UpdateInput,
    VerifyInput,
)
from core.model import Level, Severity
from core.slash import parse_id
from core.timefmt import utc
from core.workflow import Action

Parsed = object  # one of the core.forms *Input dataclasses
Errors = dict[str, str]


def _text(values: Mapping[str, str], key: str) -> str:
    return values.get(key, "")


def _optional(values: Mapping[str, str], key: str) -> str | None:
    value = values.get(key, "").strip()
    return value or None


def _when(values: Mapping[str, str], key: str, errors: Errors,
          required: bool) -> datetime | None:
    raw = values.get(key)
    if not raw:
        if required:
            errors[key] = "Pick a date and time (UTC)."
        return None
    try:
        return utc(datetime.fromisoformat(raw))
    except ValueError:
        errors[key] = "Pick a date and time (UTC)."
        return None


def parse(action: Action, values: Mapping[str, str]) -> Parsed | Errors:
    """The typed input for ``action`` from the modal's values, or field errors."""
    errors: Errors = {}
    result: Parsed | None = None
    if action is Action.ACCEPT:
        result = AcceptInput(note=_optional(values, "note"))
    elif action is Action.POST_UPDATE:
        result = UpdateInput(known=_text(values, "known"), unknown=_text(values, "unknown"),
                             next_steps=_text(values, "next_steps"),
                             next_update_at=_when(values, "next_update_at", errors, False),
                             customer_action=_text(values, "customer_action"),
                             internal_note=_optional(values, "internal_note"))
    elif action is Action.NEEDS_INFO:
        result = NeedsInfoInput(question=_text(values, "question"))
    elif action is Action.ANSWER_INFO:
        result = AnswerInput(answer=_text(values, "answer"))
    elif action in (Action.REPRODUCED, Action.CANNOT_REPRODUCE):
        result = ReproInput(notes=_text(values, "notes"),
                            environment=_text(values, "environment"))
    elif action is Action.SET_ETA:
        eta = _when(values, "eta", errors, True)
        if eta is not None:
            result = EtaInput(eta=eta, reason=_optional(values, "reason"))
    elif action is Action.ESCALATE_LEVEL:
        target = values.get("target") or ""
        level = Level[target] if target in Level.__members__ else None
        if target and level is None:
            errors["target"] = "Pick L3 or L4."
        result = LevelInput(reason=_text(values, "reason"), target=level,
                            notify_leadership="true" in values.get("notify_leadership", ""))
    elif action is Action.CHANGE_SEVERITY:
        try:
            result = SeverityInput(severity=Severity(values.get("severity", "")),
                                   reason=_text(values, "reason"))
        except ValueError:
            errors["severity"] = "Pick the new severity."
    elif action is Action.SET_IC:
        result = IcInput(user=_optional(values, "user"))
    elif action is Action.REASSIGN:
        result = ReassignInput(to_user=_text(values, "to_user"), note=_text(values, "note"))
    elif action is Action.DECLINE_HANDOFF:
        result = DeclineInput(reason=_text(values, "reason"))
    elif action is Action.RESOLVE:
        try:
            category = ResolutionCategory(values.get("category", ""))
        except ValueError:
            errors["category"] = "Pick a resolution category."
        else:
            result = ResolveInput(category=category, root_cause=_text(values, "root_cause"),
                                  fix_version=_optional(values, "fix_version"),
                                  validation_notes=_optional(values, "validation_notes"),
                                  l1_takeaway=_text(values, "l1_takeaway"),
                                  kb_warranted="true" in values.get("kb_warranted", ""))
    elif action is Action.VERIFY:
        result = VerifyInput(note=_optional(values, "note"))
    elif action in (Action.REOPEN, Action.CANCEL, Action.CLOSE):
        result = ReasonInput(reason=_text(values, "reason"))
    elif action is Action.MERGE:
        survivor = parse_id(values.get("survivor_id", ""))
        if survivor is None:
            errors["survivor_id"] = "Write the surviving escalation's id, e.g. ESC-17."
        else:
            result = MergeInput(survivor_id=survivor)
    elif action is Action.RATE_HANDOFF:
        try:
            result = RateInput(rating=HandoffRating(values.get("rating", "")))
        except ValueError:
            errors["rating"] = "Pick an answer."
    if errors or result is None:
        return errors or {"_": f"{action.label} takes no form."}
    return result
