"""What a fired timer does: nudge someone (logged in the ledger, owed through the outbox),
raise the level of an unclaimed escalation, or return an unaccepted one to the queue.

Everything here runs inside the sweep's fenced transaction. Every reminder is logged in the
nudge ledger; state changes (a level raised, a return to the queue) also in the audit trail.
Nudges are outbox items of kind
``nudge`` with dedupe key ``nudge:<ledger id>:<target>`` (``thread`` or a user id), so a
retried sweep or delivery never sends one twice; the delivery skips a nudge whose clock has
been reset meanwhile (a real update cancels the nudge that was about to go).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from commands.context import Context
from core.model import Escalation, Level, State
from core.timefmt import humanize_duration
from core.timers import Action, Audience, Firing, Nudge, TimerKind
from storage import deadlines as dl
from storage import repository as repo
from storage.tables import EscalationRow, OutboxRow

log = logging.getLogger(__name__)

THREAD = "thread"

# Which ledger kinds an act answers (the nudge is "acted on").
ANSWERS = {
    "claimed": (TimerKind.CLAIM.value,),
    "accepted": (TimerKind.ACCEPT.value,),
    "status_update": (TimerKind.UPDATE.value, TimerKind.ETA.value),
    "info_answered": (TimerKind.NEEDS_INFO.value,),
    "rca": (TimerKind.RCA.value,),
    "customer_told": (TimerKind.CUSTOMER.value,),
}


def mark_acted(session: Session, *, escalation_id: int, act_kind: str, at: datetime,
               by: str) -> None:
    kinds = ANSWERS.get(act_kind)
    if kinds:
        dl.mark_acted(session, escalation_id=escalation_id, kinds=kinds, at=at, by=by)


# The firings that DM the leads (their user groups are resolved before the sweep writes).
LEADS_ACTIONS = frozenset({Action.CLAIM_LEADS, Action.UPDATE_OVERDUE_LEADS})


class LeadsUnresolved(Exception):
    """A firing needs a user group's members that were not asked of Slack before the
    transaction (the facts changed in between): the deadline is tried again shortly."""


def lead_ids(ctx: Context, row: EscalationRow) -> tuple[str, ...]:
    """The leads as configured (user and user group ids), global and of the domain."""
    domain = ctx.domains.get(row.domain_key)
    return tuple(getattr(ctx, "leads", ())) + tuple(getattr(domain, "leads", ()) or ())


def leads_for(ctx: Context, row: EscalationRow,
              groups: Mapping[str, frozenset[str]] | None = None) -> tuple[str, ...]:
    """The leads to DM (users; user groups are expanded), global and of the domain.

    Inside a transaction pass ``groups`` (asked of Slack before it opened): a Slack call
    there would hold the database's write lock for as long as Slack takes. Without
    ``groups`` the members are asked of Slack (outside any transaction only)."""
    users: list[str] = []
    for lead in lead_ids(ctx, row):
        if not lead.startswith("S"):
            users.append(lead)
        elif groups is None:
            users.extend(sorted(ctx.slack.group_members(lead) or ()))
        elif lead in groups:
            users.extend(sorted(groups[lead]))
        else:
            raise LeadsUnresolved(lead)
    return tuple(dict.fromkeys(users))


def incident_commander(ctx: Context, row: EscalationRow) -> str | None:
    """The effective IC: set on the escalation, else the domain's default for SEV1–2."""
    value = getattr(row, "incident_commander_id", None)
    if isinstance(value, str) and value:
        return value
    domain = ctx.domains.get(row.domain_key)
    default = getattr(domain, "incident_commander", None)
    return default if row.severity in ("SEV1", "SEV2") and isinstance(default, str) else None


def act(ctx: Context, session: Session, row: EscalationRow, *, kind: TimerKind, basis: str,
        firing: Firing, now: datetime, groups: Mapping[str, frozenset[str]]
        ) -> list[OutboxRow]:
    """Do what ``firing`` says; returns the outbox items born leased to this worker.
    ``groups``: the members of the leads' user groups, asked of Slack before the
    transaction (nothing here calls Slack)."""
    assert row.id is not None
    action = firing.action
    owner = row.owner_id
    domain = ctx.domains.get(row.domain_key)
    group = domain.specialists if domain else None
    detail: dict[str, Any] = {"after_s": int(firing.after.total_seconds())}
    targets: list[str] = []
    mentions: list[str] = []
    extra_items: list[OutboxRow] = []
    if action is Action.CLAIM_CHANNEL:
        targets, mentions = [THREAD], [group] if group else []
    elif action in (Action.CLAIM_LEADS, Action.UPDATE_OVERDUE_LEADS):
        targets = list(leads_for(ctx, row, groups))
    elif action is Action.RAISE_LEVEL:
        raised, owed = _raise_level(ctx, session, row, firing, now)
        detail.update(raised)
        extra_items += owed
        targets, mentions = [THREAD], [group] if group else []
    elif action is Action.RETURN_TO_QUEUE:
        returned = _return_to_queue(ctx, session, row, firing, now) if owner else None
        if returned is None:
            return []
        extra_items += returned
        detail["old_owner"] = owner
        targets, mentions = [THREAD, owner or ""], [group] if group else []
    elif action is Action.UPDATE_DUE:
        ic = incident_commander(ctx, row)
        targets = [THREAD]
        mentions = [u for u in (owner, ic) if u]
        extra_items += _owe(ctx, session, row.id, "update_packet",
                            f"update_packet:{row.id}:timer:{basis}:{firing.stage}", now)
    elif action is Action.UPDATE_OVERDUE_OWNER:
        targets = [owner] if owner else []
        extra_items += _owe(ctx, session, row.id, "update_packet",
                            f"update_packet:{row.id}:timer:{basis}:{firing.stage}", now)
    elif action in (Action.ACCEPT_NUDGE, Action.ETA_PASSED, Action.RCA_REMINDER,
                    Action.RCA_DUE):
        targets = [owner] if owner else []
        if action is Action.ETA_PASSED:
            detail["eta"] = firing.due_at.isoformat()
    elif action in (Action.CUSTOMER_UPDATE_DUE, Action.NEEDS_INFO_REMINDER):
        targets = [row.requester_id]
        if action is Action.CUSTOMER_UPDATE_DUE:
            draft = _latest_draft(session, row.id)
            if draft:
                detail["draft"] = draft
    audience = (Audience.NONE if not targets else Audience.THREAD if targets == [THREAD]
                else Audience.DM)
    nudge_id = dl.record_nudge(
        session, escalation_id=row.id, kind=kind.value, basis=basis, stage=firing.stage,
        action=action.value, due_at=firing.due_at, at=now, audience=audience.value
        if targets != [THREAD, owner] else "thread+dm", recipients=targets,
        superseded=firing.superseded, mentions=mentions, **detail)
    if nudge_id is None:
        return []  # this due time was nudged already
    items = list(extra_items)
    for target in targets:
        items += _owe(ctx, session, row.id, "nudge", f"nudge:{nudge_id}:{target}", now)
    return items


def _latest_draft(session: Session, escalation_id: int) -> str | None:
    """The customer-safe draft of the last status update, ready to copy."""
    from core.customer_safe import build_draft
    from storage.loop import status_updates

    updates = list(status_updates(session, escalation_id=escalation_id))
    if not updates:
        return None
    last = updates[-1]
    return build_draft(known=last.known, unknown=last.unknown, next_steps=last.next_steps,
                       customer_action=last.customer_action,
                       next_update=last.next_update_at).as_text()[:2500]


def _owe(ctx: Context, session: Session, escalation_id: int, kind: str, key: str,
         now: datetime) -> list[OutboxRow]:
    item_id = repo.enqueue(session, escalation_id=escalation_id, kind=kind, dedupe_key=key,
                           now=now, leased_by=ctx.worker, lease_for=ctx.lease)
    if item_id is None:
        return []
    return [OutboxRow(id=item_id, escalation_id=escalation_id, kind=kind, dedupe_key=key,
                      attempts=1, next_attempt_at=now, created_at=now)]


def _store(ctx: Context, session: Session, row: EscalationRow, now: datetime, *, kind: str,
           to_state: State, values: dict[str, Any], details: dict[str, Any]
           ) -> list[OutboxRow] | None:
    """Store a timer's state change the way every change is stored (commands.change): version
    compare-and-set, audit event, packet update owed, clocks re-planned. None: it moved on."""
    from commands.change import Change, store_change

    assert row.id is not None
    stored = store_change(session, Change(
        escalation_id=row.id, version=row.version, actor="bot", kind=kind,
        from_state=State(row.state), to_state=to_state, values=values, details=details,
        thread_line=False), now=now, policy=ctx.policy, worker=ctx.worker, lease=ctx.lease)
    return None if stored is None else list(stored.leased)


def _raise_level(ctx: Context, session: Session, row: EscalationRow, firing: Firing,
                 now: datetime) -> tuple[dict[str, Any], list[OutboxRow]]:
    reason = f"unclaimed for {humanize_duration(firing.after)}"
    current = Level(row.target_level)
    if current >= ctx.policy.ceiling:
        return {"level": current.name, "raised": False, "reason": reason}, []
    target = Level(current + 1)
    items = _store(ctx, session, row, now, kind="level_changed", to_state=State(row.state),
                   values={"target_level": int(target),
                           "level_reason": f"{target.label}: raised one rung by the bot, "
                                           f"{reason}"},
                   details={"from_level": current.name, "to_level": target.name,
                            "reason": reason, "notify_leadership": False, "by_timer": True})
    if items is None:
        return {"level": current.name, "raised": False, "reason": reason}, []
    return {"level": target.name, "from_level": current.name, "raised": True,
            "reason": reason}, items


def _return_to_queue(ctx: Context, session: Session, row: EscalationRow, firing: Firing,
                     now: datetime) -> list[OutboxRow] | None:
    if row.state != State.CLAIMED.value or row.owner_id is None:
        return None
    reason = f"not accepted within {humanize_duration(firing.after)}"
    items = _store(ctx, session, row, now, kind="returned_to_queue", to_state=State.OPEN,
                   values={"owner_id": None, "claimed_at": None},
                   details={"old_owner": row.owner_id, "reason": reason})
    if items is None:
        return None
    assert row.id is not None
    dl.update_timer(session, escalation_id=row.id, unclaimed_since=now,
                    queue_note=f"returned to the queue: {reason}")
    from commands.planning import replan

    replan(session, escalation_id=row.id, settings=ctx.policy.timers, now=now)
    return items


# ---------------------------------------------------------------- delivery (outbox handler)


def parse_key(dedupe_key: str) -> tuple[int, str]:
    _, nudge_id, target = dedupe_key.split(":", 2)
    return int(nudge_id), target


def deliver_nudge(ctx: Context, esc: Escalation, item: OutboxRow) -> None:
    """Send one owed nudge (outbox handler); a nudge whose clock was reset is skipped."""
    nudge_id, target = parse_key(item.dedupe_key)
    with ctx.db.read() as session:
        row = dl.get_nudge(session, nudge_id=nudge_id)
        clock = dl.get_deadline(session, key=dl.clock_key(esc.id, row.kind)) if row else None
    if row is None:
        return
    if clock is not None and clock.basis != row.basis:
        with ctx.db.transaction() as session:
            dl.cancel_nudge(session, nudge_id=nudge_id)
        log.info("nudge %s for %s cancelled: its clock was reset", nudge_id, esc.public_id)
        return
    detail = json.loads(row.detail or "{}")
    nudge = Nudge(
        id=nudge_id, action=Action(row.action),
        audience=Audience.THREAD if target == THREAD else Audience.DM,
        recipient=None if target == THREAD else target,
        mentions=tuple(detail.pop("mentions", ()) or ()),
        after=_seconds(detail.get("after_s")), due_at=row.due_at, now=ctx.now(),
        detail={k: str(v) for k, v in detail.items()})
    ctx.slack.send_nudge(esc, nudge, look_first=item.in_flight)


def _seconds(value: object) -> timedelta:
    return timedelta(seconds=int(value)) if isinstance(value, int | str) else timedelta(0)
