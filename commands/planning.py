"""Deadline planning: the stored facts → clocks → deadline rows, in the caller's transaction.

:func:`replan` is called by every state change (same transaction), so a clock is never ahead
of or behind the escalation: a real update resets it, a severity change re-plans it,
needs-info pauses it, resolve stops everything but the RCA.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from commands.context import Context
from core.model import Severity
from core.timefmt import utc
from core.timers import Phase, Snooze, TimerFacts, TimerSettings, next_due, plan
from storage import deadlines as dl
from storage import repository as repo
from storage.tables import EscalationRow, EscalationTimerRow

_PHASES = {
    "open": Phase.UNCLAIMED, "claimed": Phase.CLAIMED, "reopened": Phase.CLAIMED,
    "accepted": Phase.WORKING, "reproduced": Phase.WORKING, "cannot_reproduce": Phase.WORKING,
    "fix_in_progress": Phase.WORKING, "needs_info": Phase.NEEDS_INFO,
    "resolved": Phase.RESOLVED, "closed": Phase.RESOLVED,
    "cancelled": Phase.ENDED, "merged": Phase.ENDED,
}
# States whose escalations may have a running clock (used to plan missing ones at start).
LIVE_STATES = tuple(s for s, p in _PHASES.items() if p is not Phase.ENDED)


def phase_of(row: EscalationRow) -> Phase:
    phase = _PHASES.get(row.state, Phase.ENDED)
    if phase is Phase.UNCLAIMED and row.message_ts is None:
        return Phase.UNPOSTED
    if phase is Phase.RESOLVED and _get(row, "resolved_at") is None and row.state == "closed":
        return Phase.ENDED  # closed without a resolution (by a lead): nothing is owed
    return phase


def _get(row: Any, name: str) -> Any:
    return getattr(row, name, None)


def facts_for(session: Session, row: EscalationRow, timer: EscalationTimerRow | None
              ) -> TimerFacts:
    """The facts the clocks read, from the stored escalation and its timer row."""
    severity = Severity(row.severity)
    snooze = None
    if timer is not None and timer.snoozed_until is not None:
        snooze = Snooze(timer.snoozed_until, timer.snoozed_by or "", timer.snooze_reason or "",
                        Severity(timer.snooze_severity or row.severity))
    phase = phase_of(row)
    return TimerFacts(
        severity=severity, phase=phase, domain=row.domain_key,
        unclaimed_since=(timer.unclaimed_since if timer and timer.unclaimed_since
                         else row.posted_at),
        claimed_at=row.claimed_at,
        accepted_at=_get(row, "accepted_at"),
        last_update_at=_get(row, "last_update_at"),
        promised_update_at=_get(row, "promised_update_at"),
        eta=_get(row, "fix_eta"),
        customer_told_at=customer_told_at(session, row),
        needs_info_since=_needs_info_since(session, row) if phase is Phase.NEEDS_INFO else None,
        pauses=_pauses(session, row),
        resolved_at=_get(row, "resolved_at"),
        resolved_severity=severity,
        rca_done=bool(timer and timer.rca_url),
        snooze=snooze,
    )


def customer_told_at(session: Session, row: EscalationRow) -> datetime | None:
    """When the requester last recorded giving the customer an update (audit trail)."""
    import sqlalchemy as sa

    from storage.tables import AuditEventRow

    if row.id is None:
        return None
    latest = session.execute(sa.select(sa.func.max(AuditEventRow.at)).where(
        AuditEventRow.escalation_id == row.id,  # type: ignore[arg-type]
        AuditEventRow.kind == "customer_told")).scalar_one_or_none()  # type: ignore[arg-type]
    return utc(latest) if latest is not None else None


def _info_requests(session: Session, row: EscalationRow) -> list[Any]:
    try:
        from storage.tables import InfoRequestRow
    except ImportError:  # before the feedback loop's tables exist
        return []
    from sqlmodel import col, select

    query = select(InfoRequestRow).where(InfoRequestRow.escalation_id == row.id) \
        .order_by(col(InfoRequestRow.id))
    return list(session.exec(query).all())


def _needs_info_since(session: Session, row: EscalationRow) -> datetime | None:
    open_ = [r for r in _info_requests(session, row) if r.answered_at is None]
    return open_[-1].asked_at if open_ else None


def _pauses(session: Session, row: EscalationRow) -> tuple[tuple[datetime, datetime], ...]:
    return tuple((utc(r.asked_at), utc(r.answered_at)) for r in _info_requests(session, row)
                 if r.answered_at is not None)


# ---------------------------------------------------------------- planning


def replan(session: Session, *, escalation_id: int, settings: TimerSettings,
           now: datetime) -> None:
    """Bring the escalation's deadline rows in line with its stored facts (same transaction)."""
    row = repo.get_escalation(session, escalation_id=escalation_id)
    if row is None:
        return
    timer = dl.get_timer(session, escalation_id=escalation_id)
    schedules = plan(facts_for(session, row, timer), settings)
    existing = {d.kind: d for d in dl.deadlines_for(session, escalation_id=escalation_id)}
    for kind, schedule in schedules.items():
        current = existing.get(kind.value)
        stage = current.stage if current is not None and \
            current.basis == schedule.basis_key else 0
        dl.set_deadline(session, key=dl.clock_key(escalation_id, kind.value),
                        escalation_id=escalation_id, kind=kind.value,
                        basis=schedule.basis_key, stage=stage,
                        due_at=next_due(schedule, stage), now=now)
    for kind_name, row_ in existing.items():
        if kind_name not in {k.value for k in schedules} and row_.id is not None:
            dl.cancel_deadline(session, deadline_id=row_.id, now=now)


def plan_missing(ctx: Context, *, limit: int = 1000) -> int:
    """Plan clocks for live escalations that have none (e.g. stored before the timers)."""
    done = 0
    while True:
        with ctx.db.transaction() as session:
            ids = dl.live_escalation_ids_without_clocks(session, states=LIVE_STATES,
                                                        limit=limit)
            for escalation_id in ids:
                replan(session, escalation_id=escalation_id, settings=ctx.policy.timers,
                       now=ctx.now())
        done += len(ids)
        if len(ids) < limit:
            return done




def planned_update_due(session: Session, row: EscalationRow, settings: TimerSettings
                       ) -> tuple[datetime] | None:
    """The update clock's first due time (snoozes aside), if the update clock runs."""
    from core.timers import update_status

    timer = dl.get_timer(session, escalation_id=row.id or 0)
    status = update_status(facts_for(session, row, timer), utc(row.claimed_at or
                                                                row.created_at), settings)
    return None if status is None else (status.due_at,)


def timer_notes(session: Session, row: EscalationRow, settings: TimerSettings,
                now: datetime) -> list[str]:
    """What the packet says about the clocks: next update due / overdue, snooze, queue."""
    from core.timefmt import fmt_hhmm, humanize_duration
    from core.timers import update_status

    timer = dl.get_timer(session, escalation_id=row.id or 0)
    facts = facts_for(session, row, timer)
    notes: list[str] = []
    if facts.phase is Phase.UNCLAIMED and timer is not None and timer.queue_note:
        notes.append(f":leftwards_arrow_with_hook: {timer.queue_note}")
    status = update_status(facts, now, settings)
    if status is not None:
        if status.overdue_by is not None and status.overdue_by >= timedelta(minutes=1):
            notes.append(f":red_circle: update overdue by {humanize_duration(status.overdue_by)}")
        else:
            zone = settings.business_hours(row.domain_key).timezone \
                if settings.policy(facts.severity, row.domain_key).business_hours else None
            if zone and zone != "UTC":  # the status fields show the UTC time already
                notes.append(f"next update due {local_time(status.due_at, zone)}")
    if facts.snooze is not None and facts.snooze.active(facts.severity, now):
        reason = facts.snooze.reason
        notes.append(f":zzz: reminders snoozed until {fmt_hhmm(facts.snooze.until)} by "
                     f"<@{facts.snooze.by}>" + (f": {reason}" if reason else ""))
    return notes


def local_time(moment: datetime, zone: str | None) -> str:
    """``14:00 UTC (09:00 New York)`` for a business-hours zone, else ``14:00 UTC``."""
    from zoneinfo import ZoneInfo

    from core.timefmt import fmt_hhmm

    if not zone or zone == "UTC":
        return fmt_hhmm(moment)
    local = utc(moment).astimezone(ZoneInfo(zone))
    return f"{fmt_hhmm(moment)} ({local:%H:%M} {zone.rsplit('/', 1)[-1].replace('_', ' ')})"
