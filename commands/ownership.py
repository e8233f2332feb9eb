"""Ownership transfer and merging duplicates.

Seed 001 §4: escalation without ownership transfer — "multiple teams assume someone else has
it". So a reassignment is only a *pending handoff* until the named person clicks **Accept
handoff**: until then the old owner still owns it, and ownership history is kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from commands.act import Decision, Outcome, Snapshot, run, snapshot
from commands.change import Change, Owed, Stored
from commands.context import Context
from core import form_checks
from core.forms import DeclineInput, MergeInput, ReassignInput
from core.model import State, public_id
from core.progress import Impact, merge_suggestion
from core.timeline import AUDIT_KIND, MERGED_IN
from core.workflow import ACTIVE, Action
from storage import loop as data


def _change(snap: Snapshot, user: str, action: Action, **kw: Any) -> Change:
    state = snap.situation.state
    return Change(escalation_id=snap.esc.id, version=snap.version, actor=user,
                  kind=AUDIT_KIND[action], from_state=state,
                  to_state=State.MERGED if action is Action.MERGE else state, **kw)


def reassign(ctx: Context, *, escalation_id: int, user: str, form: ReassignInput,
             request_key: str | None = None, deliver: bool = True) -> Outcome:
    """The owner or a lead hands off to ``form.to_user`` with a handoff note (guardrails).

    Ownership does not move yet: the packet says "handoff to @X pending", and @X gets a DM
    with **Accept handoff** / **Decline**. A new reassignment replaces a pending one.
    """
    def decide(snap: Snapshot, now: datetime) -> Decision:
        errors = form_checks.validate_reassign(form, owner=snap.row.owner_id)
        if errors:
            return errors
        note = form.note.strip()

        def write(session: Session) -> dict[str, Any]:
            data.close_pending_handoffs(session, escalation_id=snap.esc.id, at=now,
                                        status="replaced")
            return {"handoff_id": data.add_handoff(
                session, escalation_id=snap.esc.id, from_user=snap.row.owner_id,
                to_user=form.to_user, note=note, at=now, by=user)}

        return [_change(snap, user, Action.REASSIGN, values={"handoff_to": form.to_user},
                        details={"to": form.to_user, "from": snap.row.owner_id, "note": note},
                        owe=[Owed("dm", {"to": form.to_user, "actions": [
                            Action.ACCEPT_HANDOFF.value, Action.DECLINE_HANDOFF.value]})],
                        write=write)]

    return run(ctx, escalation_id=escalation_id, user=user, action=Action.REASSIGN,
               request_key=request_key, deliver=deliver, decide=decide,
               done=lambda s, _: f"Handoff of {s.esc.public_id} to <@{form.to_user}> is "
                                 "pending: ownership moves when they accept it.")


def accept_handoff(ctx: Context, *, escalation_id: int, user: str,
                   request_key: str | None = None, deliver: bool = True) -> Outcome:
    """The named person takes over: the owner becomes them (the state stays)."""
    def decide(snap: Snapshot, now: datetime) -> Decision:
        def write(session: Session) -> dict[str, Any]:
            data.close_pending_handoffs(session, escalation_id=snap.esc.id, at=now,
                                        status="accepted")
            return {}

        return [_change(snap, user, Action.ACCEPT_HANDOFF,
                        values={"owner_id": user, "handoff_to": None},
                        details={"from": snap.row.owner_id, "to": user}, write=write)]

    return run(ctx, escalation_id=escalation_id, user=user, action=Action.ACCEPT_HANDOFF,
               request_key=request_key, deliver=deliver, decide=decide,
               done=lambda s, _: f"You own {s.esc.public_id} now.")


def decline_handoff(ctx: Context, *, escalation_id: int, user: str, form: DeclineInput,
                    request_key: str | None = None, deliver: bool = True) -> Outcome:
    """The named person declines with a reason: the old owner keeps it (told in the thread)."""
    def decide(snap: Snapshot, now: datetime) -> Decision:
        errors = form_checks.validate_decline(form)
        if errors:
            return errors
        reason = form.reason.strip()

        def write(session: Session) -> dict[str, Any]:
            data.close_pending_handoffs(session, escalation_id=snap.esc.id, at=now,
                                        status="declined", reason=reason)
            return {}

        return [_change(snap, user, Action.DECLINE_HANDOFF, values={"handoff_to": None},
                        details={"owner": snap.row.owner_id, "reason": reason}, write=write)]

    return run(ctx, escalation_id=escalation_id, user=user, action=Action.DECLINE_HANDOFF,
               request_key=request_key, deliver=deliver, decide=decide,
               done=lambda s, _: f"Declined. <@{s.row.owner_id}> keeps {s.esc.public_id}.")


def merge(ctx: Context, *, escalation_id: int, user: str, form: MergeInput,
          request_key: str | None = None, deliver: bool = True) -> Outcome:
    """Merge ``escalation_id`` as a duplicate into ``form.survivor_id`` (owner or a lead).

    The duplicate closes (state merged) and points to the survivor; the survivor's impact
    (affected users, customers, linked tickets) adds up and its packet lists the merged ids.
    When the total crosses the YAML's merge threshold, the owner is offered a one-click
    severity upgrade in the survivor's thread. Both rows are compare-and-set together.
    """
    def decide(snap: Snapshot, now: datetime) -> Decision:
        pid = snap.esc.public_id
        survivor_id = form.survivor_id
        if survivor_id == snap.esc.id:
            return {"survivor_id": f"{pid} cannot be a duplicate of itself."}
        other = snapshot(ctx, survivor_id)
        if other is None:
            return {"survivor_id": f"{public_id(survivor_id)} does not exist."}
        if other.situation.state not in ACTIVE:
            return {"survivor_id": f"{other.esc.public_id} is "
                                   f"{other.situation.state.label.lower()}: merge into an "
                                   "open escalation."}
        with ctx.db.read() as session:
            impact = data.impact(session, escalation_id=survivor_id, extra=[snap.esc.id])
        suggestion = merge_suggestion(other.situation.severity, impact,
                                      ctx.policy.merge_threshold)

        def write(session: Session) -> dict[str, Any]:
            data.add_merge(session, duplicate_id=snap.esc.id, survivor_id=survivor_id,
                           at=now, by=user)
            data.close_pending_handoffs(session, escalation_id=snap.esc.id, at=now,
                                        status="cancelled")
            return {}

        survivor_owes: list[Owed] = []
        if suggestion is not None:
            survivor_owes.append(Owed("suggest_severity", {
                "severity": suggestion.value, "reason": _impact_reason(impact)}))
        return [
            _change(snap, user, Action.MERGE, values={
                "merged_into": survivor_id, "closed_at": now, "handoff_to": None,
                "return_state": None}, details={"survivor": survivor_id}, write=write),
            Change(escalation_id=survivor_id, version=other.version, actor=user,
                   kind=MERGED_IN, from_state=other.situation.state,
                   to_state=other.situation.state,
                   details={"duplicate": snap.esc.id, "total_users": impact.affected_users,
                            "customers": len(impact.customers),
                            "suggested_severity": suggestion.value if suggestion else None},
                   owe=survivor_owes),
        ]

    def done(snap: Snapshot, stored: Stored) -> str:
        return (f"{snap.esc.public_id} is merged into {public_id(form.survivor_id)}; its "
                "impact is added there.")

    return run(ctx, escalation_id=escalation_id, user=user, action=Action.MERGE,
               request_key=request_key, deliver=deliver, decide=decide, done=done)


def _impact_reason(impact: Impact) -> str:
    return (f"merged duplicates bring the impact to {impact.affected_users:,} users at "
            f"{len(impact.customers)} customer(s)")
