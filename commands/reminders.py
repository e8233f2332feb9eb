"""The timers' own commands: snooze an escalation's reminders, attach the RCA, show the
reminders (clocks and the nudge ledger). Each change is stored like every other
(commands.change.store_change: version compare-and-set, audit, thread line, packet update,
clocks re-planned in the same transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from commands.change import Change, store_change
from commands.context import Context
from commands.deliver import run_leased
from commands.escalate import load
from commands.nudges import incident_commander, leads_for, mark_acted
from commands.planning import facts_for, local_time
from core.model import Severity, State, public_id
from core.reminder_commands import SnoozeRequest, snooze_until
from core.timefmt import fmt_hhmm, fmt_utc
from core.timers import Phase, check_snooze
from storage import deadlines as dl
from storage import repository as repo
from storage.tables import EscalationRow, OutboxRow

SNOOZABLE = (Phase.CLAIMED, Phase.WORKING, Phase.NEEDS_INFO, Phase.RESOLVED)


@dataclass(frozen=True)
class ReminderResult:
    ok: bool
    text: str  # what the user is told (mrkdwn, ephemeral)


def _ic(ctx: Context, row: EscalationRow) -> str | None:
    return incident_commander(ctx, row)


def _store(ctx: Context, row: EscalationRow, user: str, kind: str, now: datetime,
           details: dict[str, object], timer_values: dict[str, object]) -> bool:
    """True when stored; False when the escalation changed meanwhile (version moved)."""
    assert row.id is not None
    leased: list[OutboxRow] = []
    with ctx.db.transaction() as session:

        def write(s: Session) -> dict[str, object]:
            dl.update_timer(s, escalation_id=row.id or 0, **timer_values)
            return {}

        stored = store_change(session, Change(
            escalation_id=row.id, version=row.version, actor=user, kind=kind,
            from_state=State(row.state), to_state=State(row.state), details=details,
            write=write), now=now, policy=ctx.policy, worker=ctx.worker, lease=ctx.lease)
        if stored is None:
            return False
        leased = list(stored.leased)
    esc = load(ctx, row.id)
    for item in leased:
        run_leased(ctx, item, esc)
    return True


def snooze(ctx: Context, *, escalation_id: int, user: str, request: SnoozeRequest
           ) -> ReminderResult:
    now = ctx.now()
    with ctx.db.read() as session:
        row = repo.get_escalation(session, escalation_id=escalation_id)
        facts = facts_for(session, row, None) if row else None
    if row is None or facts is None:
        return ReminderResult(False, f"{public_id(escalation_id)} does not exist.")
    allowed = {u for u in (row.owner_id, _ic(ctx, row)) if u}
    if user not in allowed:
        who = " or ".join(f"<@{u}>" for u in sorted(allowed)) or "its owner"
        return ReminderResult(False, f"Only {who} (the owner or the incident commander) can "
                                     f"snooze the reminders of {public_id(escalation_id)}.")
    if facts.phase not in SNOOZABLE:
        return ReminderResult(False, f"{public_id(escalation_id)} has no reminders to snooze "
                                     f"({row.state.replace('_', ' ')}).")
    until = snooze_until(request, now)
    refused = check_snooze(until, now)
    if refused:
        return ReminderResult(False, f"Cannot snooze until {fmt_utc(until)}: {refused}.")
    stored = _store(ctx, row, user, "reminders_snoozed", now,
                    {"until": until.isoformat(), "until_hhmm": fmt_hhmm(until),
                     "reason": request.reason},
                    {"snoozed_until": until, "snoozed_by": user,
                     "snooze_reason": request.reason, "snooze_severity": row.severity})
    if stored is False:
        return ReminderResult(False, "It changed meanwhile; try again.")
    return ReminderResult(True, f":zzz: Reminders for {public_id(escalation_id)} are snoozed "
                                f"until {fmt_hhmm(until)}: {request.reason}. A severity "
                                "increase ends the snooze.")


def end_snooze(ctx: Context, *, escalation_id: int, user: str) -> ReminderResult:
    now = ctx.now()
    with ctx.db.read() as session:
        row = repo.get_escalation(session, escalation_id=escalation_id)
        timer = dl.get_timer(session, escalation_id=escalation_id) if row else None
    if row is None:
        return ReminderResult(False, f"{public_id(escalation_id)} does not exist.")
    if user not in {u for u in (row.owner_id, _ic(ctx, row)) if u}:
        return ReminderResult(False, "Only the owner or the incident commander can end the "
                                     "snooze.")
    if timer is None or timer.snoozed_until is None or timer.snoozed_until <= now:
        return ReminderResult(False, f"{public_id(escalation_id)}'s reminders are not snoozed.")
    _store(ctx, row, user, "reminders_resumed", now, {},
           {"snoozed_until": None, "snoozed_by": None, "snooze_reason": None,
            "snooze_severity": None})
    return ReminderResult(True, f"Reminders for {public_id(escalation_id)} are back on.")


def attach_rca(ctx: Context, *, escalation_id: int, user: str, url: str) -> ReminderResult:
    now = ctx.now()
    with ctx.db.read() as session:
        row = repo.get_escalation(session, escalation_id=escalation_id)
    if row is None:
        return ReminderResult(False, f"{public_id(escalation_id)} does not exist.")
    allowed = {u for u in (row.owner_id, _ic(ctx, row)) if u} | set(leads_for(ctx, row))
    if user not in allowed:
        return ReminderResult(False, f"Only the owner <@{row.owner_id}>, the incident "
                                     "commander or a lead can attach the RCA.")
    if getattr(row, "resolved_at", None) is None:
        return ReminderResult(False, f"{public_id(escalation_id)} is not resolved yet: the "
                                     "RCA comes after the resolution.")
    stored = _store(ctx, row, user, "rca_attached", now, {"url": url},
                    {"rca_url": url, "rca_at": now, "rca_by": user})
    if stored is False:
        return ReminderResult(False, "It changed meanwhile; try again.")
    with ctx.db.transaction() as session:
        mark_acted(session, escalation_id=escalation_id, act_kind="rca", at=now, by=user)
    return ReminderResult(True, f":memo: RCA attached to {public_id(escalation_id)}. The RCA "
                                "reminders stop.")


_ACTION_WORDS = {
    "claim_channel": "unclaimed: re-ping in the thread", "claim_leads": "unclaimed: leads told",
    "raise_level": "unclaimed: level raised", "accept_nudge": "not accepted: owner nudged",
    "return_to_queue": "not accepted: back in the queue", "update_due": "update due",
    "update_overdue_owner": "update overdue: owner told",
    "update_overdue_leads": "update overdue: leads told",
    "customer_update_due": "customer update due: requester reminded",
    "eta_passed": "fix ETA passed", "needs_info_reminder": "open question: requester reminded",
    "rca_reminder": "RCA reminder", "rca_due": "RCA due",
}


def show(ctx: Context, *, escalation_id: int) -> ReminderResult:
    """The clocks that run and every reminder sent (the ledger), for ``reminders``."""
    with ctx.db.read() as session:
        row = repo.get_escalation(session, escalation_id=escalation_id)
        if row is None:
            return ReminderResult(False, f"{public_id(escalation_id)} does not exist.")
        clocks = [c for c in dl.deadlines_for(session, escalation_id=escalation_id)
                  if c.due_at is not None]
        ledger = list(dl.nudges_for(session, escalation_id=escalation_id))
        timer = dl.get_timer(session, escalation_id=escalation_id)
    settings = ctx.policy.timers
    zone = settings.business_hours(row.domain_key).timezone \
        if settings.policy(Severity(row.severity), row.domain_key).business_hours else None
    lines = [f"*Reminders for {public_id(escalation_id)}* ({row.severity}, "
             f"{row.state.replace('_', ' ')})"]
    if timer is not None and timer.snoozed_until is not None and timer.snoozed_until > ctx.now():
        lines.append(f":zzz: snoozed until {fmt_hhmm(timer.snoozed_until)} by "
                     f"<@{timer.snoozed_by}>: {timer.snooze_reason}")
    if timer is not None and timer.rca_url:
        lines.append(f":memo: RCA: {timer.rca_url}")
    lines.append("*Next:* " + ("; ".join(
        f"{c.kind.replace('_', ' ')} {local_time(c.due_at, zone)}" for c in clocks
        if c.due_at is not None) or "nothing is due — no reminders pending"))
    if ledger:
        lines.append("*Sent:*")
        for n in ledger[-20:]:
            to = {"thread": "the packet's thread", "none": "nobody (no leads configured)"}.get(
                n.recipients, ", ".join(f"<@{r}>" if r != "thread" else "the thread"
                                        for r in n.recipients.split(",") if r))
            acted = f" → acted on by <@{n.acted_by}> at {fmt_hhmm(n.acted_at)}" \
                if n.acted_at else (" (cancelled: the clock was reset)" if n.cancelled else "")
            lines.append(f"• {fmt_utc(n.at)} — {_ACTION_WORDS.get(n.action, n.action)} → "
                         f"{to or 'nobody'}{acted}")
    else:
        lines.append("No reminder has been sent.")
    return ReminderResult(True, "\n".join(lines))
