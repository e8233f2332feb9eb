"""One door from every Slack surface (packet button, overflow, DM button, modal, slash command)
to the feedback loop's use cases: action + typed input → the command → its Outcome.

Listeners parse; this picks the command; the command checks roles and states in the core.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from commands import export, feedback, levels, ownership, resolution
from commands.act import Outcome, snapshot
from commands.context import Context
from core import form_checks
from core.model import Escalation, public_id
from core.workflow import Action, refusal

Command = Callable[..., Outcome]

COMMANDS: dict[Action, Command] = {
    Action.ACCEPT: feedback.accept,
    Action.POST_UPDATE: feedback.post_update,
    Action.NEEDS_INFO: feedback.needs_info,
    Action.ANSWER_INFO: feedback.answer_info,
    Action.REPRODUCED: feedback.reproduced,
    Action.CANNOT_REPRODUCE: feedback.cannot_reproduce,
    Action.SET_ETA: feedback.set_eta,
    Action.ESCALATE_LEVEL: levels.escalate_level,
    Action.CHANGE_SEVERITY: levels.change_severity,
    Action.SET_IC: levels.set_incident_commander,
    Action.REASSIGN: ownership.reassign,
    Action.ACCEPT_HANDOFF: ownership.accept_handoff,
    Action.DECLINE_HANDOFF: ownership.decline_handoff,
    Action.MERGE: ownership.merge,
    Action.RESOLVE: resolution.resolve,
    Action.VERIFY: resolution.verify,
    Action.REOPEN: resolution.reopen,
    Action.CANCEL: resolution.cancel,
    Action.CLOSE: resolution.close,
    Action.RATE_HANDOFF: resolution.rate_handoff,
    Action.EXPORT: export.request_export,
    Action.CUSTOMER_TOLD: feedback.customer_told,
}
# Commands that take no form at all.
NO_FORM = frozenset({Action.ACCEPT_HANDOFF, Action.EXPORT, Action.CUSTOMER_TOLD})


def perform(ctx: Context, action: Action, *, escalation_id: int, user: str,
            form: Any = None, request_key: str | None = None, deliver: bool = True
            ) -> Outcome:
    """Run ``action``'s command. ``deliver=False``: the caller acks Slack first, then calls
    ``outcome.deliver()`` to send what the stored change owes."""
    command = COMMANDS[action]
    args: dict[str, Any] = {"escalation_id": escalation_id, "user": user,
                            "request_key": request_key, "deliver": deliver}
    if action not in NO_FORM and form is not None:
        args["form"] = form
    return command(ctx, **args)


def precheck(ctx: Context, action: Action, *, escalation_id: int, user: str
             ) -> tuple[Escalation | None, str | None]:
    """Before a modal opens: the escalation, or why this user cannot take this action now."""
    snap = snapshot(ctx, escalation_id)
    if snap is None:
        return None, f"{public_id(escalation_id)} does not exist."
    refused = refusal(action, snap.situation, user=user, now=ctx.now(),
                      reopen_window=ctx.policy.reopen_window)
    return snap.esc, (refused.text if refused is not None else None)


def form_defaults(ctx: Context, action: Action, esc: Escalation) -> dict[str, str]:
    """What a modal starts with: the next update defaults to now + the SEV cadence."""
    if action is Action.POST_UPDATE:
        due = form_checks.default_next_update(ctx.now(), ctx.policy.for_severity(esc.severity))
        return {"next_update_at": due.replace(second=0, microsecond=0).isoformat()} \
            if due else {}
    return {}
