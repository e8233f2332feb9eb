"""Resolution and what follows: verify, reopen, cancel, close, and the handoff rating.

Resolve stores a structured resolution (the reports aggregate it), posts the wrap-up (seed
003: escalation-to-resolution, time to claim, time to accept, number of updates, root cause,
fix version, next steps), gives the requester **Verify** / **Reopen**, and asks the owner
once, privately, whether the handoff told them their first move (seed 002's measure).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from commands.act import Decision, Outcome, Snapshot, run
from commands.change import Change, Owed, Stored
from commands.context import Context
from core import form_checks
from core.forms import RateInput, ReasonInput, ResolveInput, VerifyInput
from core.timeline import AUDIT_KIND
from core.workflow import Action, target_state
from storage import loop as data


def _change(snap: Snapshot, user: str, action: Action, **kw: Any) -> Change:
    state = snap.situation.state
    return Change(escalation_id=snap.esc.id, version=snap.version, actor=user,
                  kind=AUDIT_KIND[action], from_state=state,
                  to_state=target_state(action, state), **kw)


def resolve(ctx: Context, *, escalation_id: int, user: str, form: ResolveInput,
            request_key: str | None = None, deliver: bool = True) -> Outcome:
    """The owner resolves it with category, root cause, fix version, validation notes, L1
    takeaway and whether a KB article is warranted (→ resolved). A pending handoff is
    cancelled. Owes: thread line, wrap-up, packet update, requester DM with Verify/Reopen,
    and (once per escalation) the private handoff-rating question to the owner."""
    def decide(snap: Snapshot, now: datetime) -> Decision:
        errors = form_checks.validate_resolve(form)
        if errors:
            return errors

        def write(session: Session) -> dict[str, Any]:
            data.close_pending_handoffs(session, escalation_id=snap.esc.id, at=now,
                                        status="cancelled")
            return {"resolution_id": data.add_resolution(
                session, escalation_id=snap.esc.id, at=now, by=user, form=form)}

        owe = [Owed("wrap_up"),
               Owed("dm", {"to": snap.row.requester_id,
                           "actions": [Action.VERIFY.value, Action.REOPEN.value]})]
        if not snap.situation.rated:
            owe.append(Owed("ask_rating", {"user": user}, once="rating"))
        return [_change(snap, user, Action.RESOLVE, values={
            "resolved_at": now, "handoff_to": None, "return_state": None},
            details={"category": form.category.value, "category_label": form.category.label,
                     "root_cause": form.root_cause.strip(),
                     "fix_version": (form.fix_version or "").strip() or None,
                     "kb_warranted": form.kb_warranted}, owe=owe, write=write)]

    return run(ctx, escalation_id=escalation_id, user=user, action=Action.RESOLVE,
               request_key=request_key, deliver=deliver, decide=decide,
               done=lambda s, _: f"{s.esc.public_id} is resolved; the wrap-up is in the "
                                 "thread and the requester can verify it with the customer.")


def verify(ctx: Context, *, escalation_id: int, user: str, form: VerifyInput | None = None,
           request_key: str | None = None, deliver: bool = True) -> Outcome:
    """The requester confirms the fix with the customer: resolved → closed."""
    form = form or VerifyInput()

    def decide(snap: Snapshot, now: datetime) -> Decision:
        errors = form_checks.validate_verify(form)
        if errors:
            return errors
        return [_change(snap, user, Action.VERIFY,
                        values={"verified_at": now, "closed_at": now},
                        details={"note": (form.note or "").strip() or None})]

    return run(ctx, escalation_id=escalation_id, user=user, action=Action.VERIFY,
               request_key=request_key, deliver=deliver, decide=decide,
               done=lambda s, _: f"{s.esc.public_id} is verified and closed. Thank you.")


def reopen(ctx: Context, *, escalation_id: int, user: str, form: ReasonInput,
           request_key: str | None = None, deliver: bool = True) -> Outcome:
    """Reopen a resolved or closed escalation with a required reason: the requester, the
    owner or a lead within the reopen window (YAML, default 7 days), a lead after it. The
    previous owner owns it again (state reopened: they accept it again)."""
    def decide(snap: Snapshot, now: datetime) -> Decision:
        errors = form_checks.validate_reason(Action.REOPEN, form)
        if errors:
            return errors
        return [_change(snap, user, Action.REOPEN, values={
            "resolved_at": None, "closed_at": None, "verified_at": None},
            details={"reason": form.reason.strip(), "owner": snap.row.owner_id})]

    return run(ctx, escalation_id=escalation_id, user=user, action=Action.REOPEN,
               request_key=request_key, deliver=deliver, decide=decide,
               done=lambda s, _: f"{s.esc.public_id} is reopened; <@{s.row.owner_id}> owns "
                                 "it again.")


def cancel(ctx: Context, *, escalation_id: int, user: str, form: ReasonInput,
           request_key: str | None = None, deliver: bool = True) -> Outcome:
    """A lead cancels it with a reason (→ cancelled)."""
    return _end(ctx, Action.CANCEL, escalation_id, user, form, request_key, "cancelled",
                deliver)


def close(ctx: Context, *, escalation_id: int, user: str, form: ReasonInput,
          request_key: str | None = None, deliver: bool = True) -> Outcome:
    """A lead closes it without resolution, with a reason (→ closed)."""
    return _end(ctx, Action.CLOSE, escalation_id, user, form, request_key,
                "closed without resolution", deliver)


def _end(ctx: Context, action: Action, escalation_id: int, user: str, form: ReasonInput,
         request_key: str | None, said: str, deliver: bool) -> Outcome:
    def decide(snap: Snapshot, now: datetime) -> Decision:
        errors = form_checks.validate_reason(action, form)
        if errors:
            return errors

        def write(session: Session) -> dict[str, Any]:
            data.close_pending_handoffs(session, escalation_id=snap.esc.id, at=now,
                                        status="cancelled")
            return {}

        return [_change(snap, user, action, values={
            "closed_at": now, "handoff_to": None, "return_state": None},
            details={"reason": form.reason.strip()}, write=write)]

    return run(ctx, escalation_id=escalation_id, user=user, action=action,
               request_key=request_key, deliver=deliver, decide=decide,
               done=lambda s, _: f"{s.esc.public_id} is {said}.")


def rate_handoff(ctx: Context, *, escalation_id: int, user: str, form: RateInput,
                 request_key: str | None = None, deliver: bool = True) -> Outcome:
    """The owner answers "did the handoff tell you your first move?" — stored once per
    escalation (a second answer or a retried click changes nothing). Private: no thread
    line, no packet update."""
    def decide(snap: Snapshot, now: datetime) -> Decision:
        def write(session: Session) -> dict[str, Any]:
            data.add_rating(session, escalation_id=snap.esc.id, user=user,
                            rating=form.rating.value, at=now)
            return {}

        return [_change(snap, user, Action.RATE_HANDOFF, details={"rating": form.rating.value},
                        thread_line=False, update_packet=False, write=write)]

    def done(snap: Snapshot, stored: Stored) -> str:
        return f"Thanks — recorded “{form.rating.label}” for {snap.esc.public_id}'s handoff."

    return run(ctx, escalation_id=escalation_id, user=user, action=Action.RATE_HANDOFF,
               request_key=request_key, deliver=deliver, decide=decide, done=done)
