"""Keeping the escalation and its Jira issue in sync, both ways.

* **Jira → escalation**: a webhook or the poll hands a fresh :class:`IssueSnapshot` to
  :func:`apply_snapshot`; a status change (compare-and-set on the stored status, so the
  webhook and the poll act once) moves the escalation per the status map through
  ``store_change`` like any other change (resolved_at, timers re-planned, from/to audit
  event), posts a line in the packet's thread, updates the packet and, on resolution, tells
  the requester.
* **Escalation → Jira**: :func:`queue_write_backs` turns new audit events (owner, ETA,
  severity, resolution) into ``jira_comment`` outbox items. Events Jira caused (actor
  ``jira``) are never written back, and Jira events by the bot's own account are ignored:
  no update can echo back and forth.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from commands import zendesk
from commands.change import Change, store_change
from commands.context import Context
from commands.escalate import load_in
from commands.jira import setup_of
from commands.ports import DeliveryError
from core.jira_sync import (
    JIRA_ACTOR,
    WRITE_BACK_KINDS,
    IssueSnapshot,
    SyncAction,
    sync_action,
    sync_target,
)
from core.model import State
from core.timeline import AUDIT_KIND
from core.workflow import Action
from storage import jira as store
from storage import loop as loop_data
from storage import repository as repo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Applied:
    escalation_id: int
    action: SyncAction | None
    applied: bool


def apply_snapshot(ctx: Context, snapshot: IssueSnapshot, *, source: str,
                   by_account: str | None = None) -> Applied | None:
    """Bring the escalation linked to ``snapshot.key`` up to date with Jira.

    None when the issue is not linked, the event is the bot's own echo, or nothing changed.
    """
    setup = setup_of(ctx)
    if setup is None:
        return None
    if by_account is not None and setup.bot_account is not None \
            and by_account == setup.bot_account:
        return None  # the bot's own change (a comment, the remote link): an echo
    now = ctx.now()
    with ctx.db.transaction() as session:
        row = store.by_key(session, issue_key=snapshot.key)
        if row is None:
            return None
        esc_id = row.escalation_id
        before = store.known_snapshot(row)
        if not store.record_snapshot(session, escalation_id=esc_id, before=before,
                                     after=snapshot, now=now):
            return None
        esc_row = repo.get_escalation(session, escalation_id=esc_id, lock=True)
        assert esc_row is not None
        action = sync_action(before, snapshot, setup.status_map)
        current = State(esc_row.state)
        applied = False
        if action is not None:
            target = sync_target(action, current.value, frozenset(s.value for s in State))
            if target is not None:
                # Like every other state change: version compare-and-set, next update due,
                # the from/to audit event, the packet update and the AFTER_CHANGE hooks
                # (timers re-planned, KB drafting). The thread line (jira_note) and the
                # packet update are owed below, unleased, for deliver_due.
                applied = store_change(session, _jira_change(
                    esc_id, esc_row.version, f"{JIRA_ACTOR}:{source}", action,
                    current, State(target), snapshot, now), now=now, policy=ctx.policy,
                    worker=ctx.worker, lease=ctx.lease) is not None
        audit_id = repo.add_audit_returning(
            session, escalation_id=esc_id, actor=f"{JIRA_ACTOR}:{source}", kind="jira_status",
            at=now, key=snapshot.key, url=row.url, status=snapshot.status,
            before=before.status if before else None, assignee=snapshot.assignee,
            fix_versions=list(snapshot.fix_versions), action=action.value if action else None,
            applied=applied, from_state=current.value)
        repo.enqueue(session, escalation_id=esc_id, kind="update_packet",
                     dedupe_key=f"update_packet:{esc_id}:jira:{audit_id}", now=now)
        if before is not None and before.status.lower() != snapshot.status.lower():
            repo.enqueue(session, escalation_id=esc_id, kind="jira_note",
                         dedupe_key=f"jira_note:{esc_id}:{audit_id}", now=now)
        if applied and action is SyncAction.RESOLVED:
            repo.enqueue(session, escalation_id=esc_id, kind="jira_resolved_dm",
                         dedupe_key=f"jira_resolved_dm:{esc_id}:{audit_id}", now=now)
            esc = load_in(ctx, session, esc_id)
            if esc is not None:
                zendesk.queue_notes(ctx, session, esc, zendesk.RESOLVED, audit_id)
    from commands.deliver import deliver_due

    deliver_due(ctx, escalation_id=esc_id)
    return Applied(esc_id, action, applied)


# The audit kind of a state change Jira caused (resolve and reopen as in Slack: reports and
# the timeline read them; their actor ``jira:…`` keeps them from being written back).
JIRA_CHANGE_KIND: Mapping[SyncAction, str] = {
    SyncAction.FIX_IN_PROGRESS: "fix_in_progress",
    SyncAction.RESOLVED: AUDIT_KIND[Action.RESOLVE],
    SyncAction.REOPENED: AUDIT_KIND[Action.REOPEN],
}


def _jira_change(escalation_id: int, version: int, actor: str, action: SyncAction,
                 current: State, target: State, snapshot: IssueSnapshot, now: datetime
                 ) -> Change:
    values: dict[str, object] = {}
    write = None
    if action is SyncAction.RESOLVED:
        values = {"resolved_at": now, "handoff_to": None, "return_state": None}

        def write(session: Session) -> dict[str, object]:
            loop_data.close_pending_handoffs(session, escalation_id=escalation_id, at=now,
                                             status="cancelled")
            return {}
    elif action is SyncAction.REOPENED:
        values = {"resolved_at": None, "closed_at": None, "verified_at": None}
    return Change(escalation_id=escalation_id, version=version, actor=actor,
                  kind=JIRA_CHANGE_KIND[action], from_state=current, to_state=target,
                  values=values, details={"jira_key": snapshot.key, "jira_status":
                                          snapshot.status,
                                          "fix_versions": list(snapshot.fix_versions)},
                  thread_line=False, update_packet=False, write=write)


def poll(ctx: Context, *, limit: int = 50) -> int:
    """The polling fallback: re-read the stalest linked issues (one search of ≤ 50 keys per
    run; each issue at most once per poll interval). Returns how many changes applied."""
    setup = setup_of(ctx)
    if setup is None:
        return 0
    now = ctx.now()
    with ctx.db.read() as session:
        rows = store.due_for_poll(session, older_than=now - setup.poll_interval, limit=limit)
        keys = {r.issue_key: r.escalation_id for r in rows}
    if not keys:
        return 0
    try:
        snapshots = setup.port.issues(list(keys))
    except DeliveryError as failure:
        with ctx.db.transaction() as session:
            for esc_id in keys.values():
                store.mark_synced(session, escalation_id=esc_id, now=now, error=str(failure))
        raise
    changed = 0
    seen = set()
    for snapshot in snapshots:
        seen.add(snapshot.key)
        applied = apply_snapshot(ctx, snapshot, source="poll")
        if applied is not None:
            changed += 1
            ctx.on_sync("poll", "applied" if applied.applied else "noted")
    with ctx.db.transaction() as session:
        for key, esc_id in keys.items():
            store.mark_synced(session, escalation_id=esc_id, now=now,
                              error=None if key in seen else "not found in Jira")
    return changed


def sweep(ctx: Context) -> None:
    """The scheduler's Jira job: owe comments for new events, then poll what is due."""
    if setup_of(ctx) is None:
        return
    queue_write_backs(ctx)
    try:
        poll(ctx)
    except DeliveryError as failure:
        ctx.on_sync("poll", "failed")
        log.warning("Jira poll failed: %s", failure)


# ---------------------------------------------------------------- escalation → Jira


def queue_write_backs(ctx: Context, *, limit: int = 200) -> int:
    """Owe a Jira comment for each new owner, ETA, severity or resolution event of a linked
    escalation (idempotent: one outbox item per audit event, whoever runs it)."""
    if setup_of(ctx) is None:
        return 0
    now = ctx.now()
    queued = 0
    with ctx.db.transaction() as session:
        for event, link in store.unsent_write_backs(session, kinds=WRITE_BACK_KINDS,
                                                    limit=limit):
            if event.actor.startswith(JIRA_ACTOR):
                continue
            if repo.enqueue(session, escalation_id=link.escalation_id, kind="jira_comment",
                            dedupe_key=f"jira_comment:{link.escalation_id}:{event.id}",
                            now=now) is not None:
                queued += 1
        store.advance_write_back_cursor(session, now=now)
    return queued
