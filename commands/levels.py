"""Moving an escalation on the ladder and the severity scale, and naming its incident commander.

Seed 001 §1: sequential unless the severity warrants a leap; L5 Leadership is notified, never
the owner. §2: severity sets the response model (update cadence). Raising severity is for the
owner, the requester, the IC or a lead; lowering it is for a lead only.
"""

from __future__ import annotations

from datetime import datetime

from commands.act import Decision, Outcome, Snapshot, expand, run
from commands.change import Change, Owed, Stored
from commands.context import Context
from core import form_checks
from core.forms import IcInput, LevelInput, SeverityInput
from core.model import Level, Severity
from core.timefmt import fmt_utc
from core.timeline import AUDIT_KIND
from core.workflow import Action


def _change(snap: Snapshot, user: str, action: Action, **kw: object) -> Change:
    state = snap.situation.state
    return Change(escalation_id=snap.esc.id, version=snap.version, actor=user,
                  kind=AUDIT_KIND[action], from_state=state, to_state=state,
                  **kw)  # type: ignore[arg-type]


def _requester_dm(snap: Snapshot) -> Owed:
    return Owed("dm", {"to": snap.row.requester_id, "actions": []})


def leads_notice(ctx: Context, snap: Snapshot) -> Owed:
    """Tell the leads (DMs, groups expanded) and the leadership channel, if one is set."""
    users = sorted(snap.people.leads) or sorted(expand(ctx, list(ctx.leads)))
    return Owed("notify_leads", {"users": users, "channel": ctx.leadership_channel})


def escalate_level(ctx: Context, *, escalation_id: int, user: str, form: LevelInput,
                   request_key: str | None = None, deliver: bool = True) -> Outcome:
    """Escalate a level (owner, requester or a lead) with a required reason.

    The next rung by default; a leap only up to what the severity warrants (its
    ``base_level``); L4 is the top. Reaching L4, or ticking *notify leadership* (contract or
    PR risk), tells the leads and the ``leadership_channel``. The requester gets a DM.
    """
    def decide(snap: Snapshot, now: datetime) -> Decision:
        current = snap.situation.level
        sev = ctx.policy.for_severity(snap.situation.severity)
        errors = form_checks.validate_level(form, current=current, severity=snap.situation.severity,
                                      sev=sev)
        if errors:
            return errors
        target = form_checks.level_target(form, current)
        reason = " ".join(form.reason.split())
        notify = form.notify_leadership or (target >= Level.L4 > current)
        owe = [_requester_dm(snap)]
        if notify:
            owe.append(leads_notice(ctx, snap))
        lead = " · L5 Leadership notified" if form.notify_leadership else ""
        values: dict[str, object] = {
            "target_level": int(target),
            "level_reason": f"{target.label}: escalated by hand — {reason}{lead}"[:1000]}
        if form.notify_leadership:
            values["leadership_notified"] = True
        return [_change(snap, user, Action.ESCALATE_LEVEL, values=values, details={
            "from_level": current.name, "to_level": target.name, "reason": reason,
            "notify_leadership": form.notify_leadership, "leads_told": notify}, owe=owe)]

    def done(snap: Snapshot, stored: Stored) -> str:
        level = Level(stored.row.target_level)
        told = " Leads are told." if stored.change.details.get("leads_told") else ""
        return f"{snap.esc.public_id} is at {level.label} now.{told}"

    return run(ctx, escalation_id=escalation_id, user=user, action=Action.ESCALATE_LEVEL,
               request_key=request_key, deliver=deliver, decide=decide, done=done)


def change_severity(ctx: Context, *, escalation_id: int, user: str, form: SeverityInput,
                    request_key: str | None = None, deliver: bool = True) -> Outcome:
    """Change the severity with a required reason; lowering it is for leads only.

    The packet, the thread and the audit show from → to; "next update due" follows the new
    cadence. The requester gets a DM. When the new severity warrants a higher level than the
    current one, the answer says so (the level is changed with *Escalate a level*).
    """
    def decide(snap: Snapshot, now: datetime) -> Decision:
        errors = form_checks.validate_severity(form, current=snap.situation.severity)
        if errors:
            return errors
        reason = " ".join(form.reason.split())
        return [_change(snap, user, Action.CHANGE_SEVERITY,
                        values={"severity": form.severity.value},
                        details={"from_severity": snap.situation.severity.value,
                                 "to_severity": form.severity.value, "reason": reason},
                        owe=[_requester_dm(snap)])]

    def done(snap: Snapshot, stored: Stored) -> str:
        new = Severity(stored.row.severity)
        text = f"{snap.esc.public_id} is {new.value} now."
        due = stored.row.next_update_due
        if due:
            text += f" Next update due {fmt_utc(due)}."
        base = ctx.policy.for_severity(new).base_level
        if base > snap.situation.level:
            text += f" {new.value} warrants {base.label}: use *Escalate a level* to leap there."
        return text

    return run(ctx, escalation_id=escalation_id, user=user, action=Action.CHANGE_SEVERITY,
               request_key=request_key, deliver=deliver, decide=decide, done=done,
               new_severity=form.severity)


def set_incident_commander(ctx: Context, *, escalation_id: int, user: str, form: IcInput,
                           request_key: str | None = None, deliver: bool = True) -> Outcome:
    """Name (or clear) the incident commander (the owner or a lead). Cleared, SEV1–2 fall
    back to the domain's ``incident_commander`` from the YAML."""
    def decide(snap: Snapshot, now: datetime) -> Decision:
        return [_change(snap, user, Action.SET_IC,
                        values={"incident_commander_id": form.user or None},
                        details={"ic": form.user or None})]

    def done(snap: Snapshot, stored: Stored) -> str:
        who = f"<@{form.user}>" if form.user else "nobody (the domain default applies)"
        return f"Incident commander of {snap.esc.public_id}: {who}."

    return run(ctx, escalation_id=escalation_id, user=user, action=Action.SET_IC,
               request_key=request_key, deliver=deliver, decide=decide, done=done)
