"""What Engineering owes (seed 001 §5): acceptance, reproduction, fix ETAs, status updates;
and needs-info, the one question the owner asks the requester.

Each function is one use case: it checks the rules in the core, stores the change with its
audit event and outbox items in one transaction (:mod:`commands.change`), delivers, and
returns an :class:`~commands.act.Outcome` saying what to tell the person who acted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from commands.act import Decision, Outcome, Snapshot, run
from commands.change import Change, Owed, Stored
from commands.context import Context
from core import form_checks
from core.customer_safe import build_draft
from core.forms import (
    AcceptInput,
    AnswerInput,
    EtaInput,
    NeedsInfoInput,
    ReproInput,
    UpdateInput,
)
from core.model import State
from core.timefmt import fmt_hhmm, fmt_utc, utc
from core.timeline import AUDIT_KIND
from core.workflow import Action, Refusal, RefusalReason, target_state
from storage import loop as data

# Clicks of *Customer told* this close to the last one record nothing new.
RECORDED_RECENTLY = timedelta(minutes=5)


def _change(snap: Snapshot, user: str, action: Action, **kw: Any) -> Change:
    state = snap.situation.state
    to = target_state(action, state, snap.situation.return_state)
    return Change(escalation_id=snap.esc.id, version=snap.version, actor=user,
                  kind=AUDIT_KIND[action], from_state=state, to_state=to, **kw)


def _requester_dm(snap: Snapshot, *actions: Action) -> Owed:
    return Owed("dm", {"to": snap.row.requester_id, "actions": [a.value for a in actions]})


def accept(ctx: Context, *, escalation_id: int, user: str, form: AcceptInput | None = None,
           request_key: str | None = None, deliver: bool = True) -> Outcome:
    """The owner confirms they own it (claimed/reopened → accepted), optionally with a note.

    Thread line, packet update, DM to the requester. Ephemeral: "You accepted ESC-42."
    """
    form = form or AcceptInput()

    def decide(snap: Snapshot, now: datetime) -> Decision:
        errors = form_checks.validate_accept(form)
        if errors:
            return errors
        return [_change(snap, user, Action.ACCEPT, values={"accepted_at": now},
                        details={"note": (form.note or "").strip() or None},
                        owe=[_requester_dm(snap)])]

    return run(ctx, escalation_id=escalation_id, user=user, action=Action.ACCEPT,
               request_key=request_key, deliver=deliver, decide=decide,
               done=lambda s, _: f"You accepted {s.esc.public_id}. Next: *Reproduced* / "
                                 "*Cannot reproduce*, or *Post update*.")


def post_update(ctx: Context, *, escalation_id: int, user: str, form: UpdateInput,
                request_key: str | None = None, deliver: bool = True) -> Outcome:
    """The owner answers the five questions; stores the update, moves "last update / next
    due", posts the answers and the customer-safe draft in the thread. Customer-facing fields
    refuse blame, speculation and internals (errors keyed by field)."""
    def decide(snap: Snapshot, now: datetime) -> Decision:
        sev = ctx.policy.for_severity(snap.situation.severity)
        errors = form_checks.validate_update(form, now=now, sev=sev)
        if errors:
            return errors
        promised = form.next_update_at or form_checks.default_next_update(now, sev)

        def write(session: Session) -> dict[str, Any]:
            update_id = data.add_status_update(
                session, escalation_id=snap.esc.id, at=now, author=user, form=form,
                next_update_at=promised)
            return {"update_id": update_id}

        return [_change(snap, user, Action.POST_UPDATE, values={
            "last_update_at": now, "last_update_by": user, "promised_update_at": promised,
            "updates_count": snap.row.updates_count + 1},
            details={"known": form.known.strip(),
                     "next_update_at": fmt_utc(promised) if promised else None},
            thread_line=False, owe=[Owed("status_update")], write=write)]

    def done(snap: Snapshot, stored: Stored) -> str:
        due = stored.row.next_update_due
        when = f" Next update due {fmt_utc(due)}." if due else ""
        return (f"Update posted in {snap.esc.public_id}'s thread with a customer-safe draft "
                f"for the requester.{when}")

    return run(ctx, escalation_id=escalation_id, user=user, action=Action.POST_UPDATE,
               request_key=request_key, deliver=deliver, decide=decide, done=done)


def draft_preview(form: UpdateInput, *, now: datetime, cadence_next: datetime | None) -> str:
    """The customer draft a valid update would produce (for a modal preview)."""
    return build_draft(known=form.known, unknown=form.unknown, next_steps=form.next_steps,
                       customer_action=form.customer_action,
                       next_update=form.next_update_at or cadence_next).as_text()


def needs_info(ctx: Context, *, escalation_id: int, user: str, form: NeedsInfoInput,
               request_key: str | None = None, deliver: bool = True) -> Outcome:
    """The owner asks the requester one specific question: state → needs_info (remembering
    where it was), a bounce is counted, the requester gets a DM with an *Answer* button."""
    def decide(snap: Snapshot, now: datetime) -> Decision:
        errors = form_checks.validate_needs_info(form)
        if errors:
            return errors
        back = snap.situation.state

        def write(session: Session) -> dict[str, Any]:
            return {"request_id": data.add_info_request(
                session, escalation_id=snap.esc.id, at=now, by=user,
                question=form.question.strip(), return_state=back)}

        return [_change(snap, user, Action.NEEDS_INFO, values={
            "return_state": back.value, "info_bounces": snap.row.info_bounces + 1},
            details={"question": form.question.strip(), "return_state": back.value},
            owe=[_requester_dm(snap, Action.ANSWER_INFO)], write=write)]

    return run(ctx, escalation_id=escalation_id, user=user, action=Action.NEEDS_INFO,
               request_key=request_key, deliver=deliver, decide=decide,
               done=lambda s, _: f"Asked <@{s.row.requester_id}>; {s.esc.public_id} waits "
                                 "for their answer (you'll see it in the thread).")


def answer_info(ctx: Context, *, escalation_id: int, user: str, form: AnswerInput,
                request_key: str | None = None, deliver: bool = True) -> Outcome:
    """The requester (or case owner) answers: the answer lands in the thread mentioning the
    owner, the state returns to where needs-info came from."""
    def decide(snap: Snapshot, now: datetime) -> Decision:
        errors = form_checks.validate_answer(form)
        if errors:
            return errors

        def write(session: Session) -> dict[str, Any]:
            data.answer_info_request(session, escalation_id=snap.esc.id, at=now, by=user,
                                     answer=form.answer.strip())
            return {}

        return [_change(snap, user, Action.ANSWER_INFO, values={"return_state": None},
                        details={"answer": form.answer.strip(), "owner": snap.row.owner_id},
                        write=write)]

    return run(ctx, escalation_id=escalation_id, user=user, action=Action.ANSWER_INFO,
               request_key=request_key, deliver=deliver, decide=decide,
               done=lambda s, _: f"Thanks — your answer is in {s.esc.public_id}'s thread and "
                                 f"<@{s.row.owner_id}> is told.")


def _repro(ctx: Context, *, escalation_id: int, user: str, form: ReproInput,
           request_key: str | None, reproduced: bool, deliver: bool) -> Outcome:
    action = Action.REPRODUCED if reproduced else Action.CANNOT_REPRODUCE

    def decide(snap: Snapshot, now: datetime) -> Decision:
        errors = form_checks.validate_repro(form, reproduced=reproduced)
        if errors:
            return errors

        def write(session: Session) -> dict[str, Any]:
            data.add_reproduction(session, escalation_id=snap.esc.id, at=now, by=user,
                                  reproduced=reproduced, notes=form.notes.strip(),
                                  environment=form.environment.strip())
            return {}

        return [_change(snap, user, action, details={"notes": form.notes.strip(),
                                                      "environment": form.environment.strip()},
                        write=write)]

    said = "reproduced" if reproduced else "could not reproduce"
    return run(ctx, escalation_id=escalation_id, user=user, action=action,
               request_key=request_key, deliver=deliver, decide=decide,
               done=lambda s, _: f"Recorded: you {said} {s.esc.public_id}.")


def reproduced(ctx: Context, *, escalation_id: int, user: str, form: ReproInput,
               request_key: str | None = None, deliver: bool = True) -> Outcome:
    """Reproduction validated (accepted/cannot_reproduce → reproduced): notes + environment."""
    return _repro(ctx, escalation_id=escalation_id, user=user, form=form,
                  request_key=request_key, reproduced=True, deliver=deliver)


def cannot_reproduce(ctx: Context, *, escalation_id: int, user: str, form: ReproInput,
                     request_key: str | None = None, deliver: bool = True) -> Outcome:
    """Could not reproduce (accepted → cannot_reproduce): notes + environment used."""
    return _repro(ctx, escalation_id=escalation_id, user=user, form=form,
                  request_key=request_key, reproduced=False, deliver=deliver)


def set_eta(ctx: Context, *, escalation_id: int, user: str, form: EtaInput,
            request_key: str | None = None, deliver: bool = True) -> Outcome:
    """Set or change the fix ETA (→ fix_in_progress). A change needs a reason; every ETA is
    kept. The requester gets a DM."""
    def decide(snap: Snapshot, now: datetime) -> Decision:
        previous = snap.row.fix_eta
        errors = form_checks.validate_eta(form, now=now, previous=previous)
        if errors:
            return errors
        eta = utc(form.eta)

        def write(session: Session) -> dict[str, Any]:
            data.add_fix_eta(session, escalation_id=snap.esc.id, eta=eta, at=now, by=user,
                             reason=(form.reason or "").strip() or None)
            return {}

        return [_change(snap, user, Action.SET_ETA, values={"fix_eta": eta}, details={
            "eta": fmt_utc(eta), "previous_eta": fmt_utc(previous) if previous else None,
            "reason": (form.reason or "").strip() or None},
            owe=[_requester_dm(snap)], write=write)]

    return run(ctx, escalation_id=escalation_id, user=user, action=Action.SET_ETA,
               request_key=request_key, deliver=deliver, decide=decide,
               done=lambda s, st: f"Fix ETA for {s.esc.public_id}: "
                                  f"{fmt_utc(st.row.fix_eta or st.row.created_at)}. "
                                  "The requester is told.")


__all__ = ["State", "accept", "answer_info", "cannot_reproduce", "needs_info", "post_update",
           "reproduced", "set_eta"]


def customer_told(ctx: Context, *, escalation_id: int, user: str,
                  request_key: str | None = None, deliver: bool = True) -> Outcome:
    """The requester (or case owner) gave the customer an update — the customer-safe draft
    or their own words. Recorded as an audit event (the reports' customer-update figure); the
    customer-update reminder counts as acted on and its clock restarts from now."""
    def decide(snap: Snapshot, now: datetime) -> Decision:
        from commands.planning import customer_told_at

        with ctx.db.read() as session:
            last = customer_told_at(session, snap.row)
        if last is not None and utc(now) - last < RECORDED_RECENTLY:
            # A double click, or two people clicking for the same update: one is recorded.
            return Refusal(RefusalReason.PRECONDITION,
                           f"Already recorded at {fmt_hhmm(last)}: the customer has an update "
                           f"on {snap.esc.public_id}.")
        return [_change(snap, user, Action.CUSTOMER_TOLD, update_packet=False)]

    return run(ctx, escalation_id=escalation_id, user=user, action=Action.CUSTOMER_TOLD,
               request_key=request_key, deliver=deliver, decide=decide,
               done=lambda s, _: f"Recorded: the customer has an update on {s.esc.public_id}. "
                                 "The next customer-update reminder counts from now.")
