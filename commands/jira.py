"""The Engineering ticket: create or link the Jira issue, and keep both sides in sync.

* **Create** stores the wish (audit event + a ``jira_create`` outbox item, once per
  escalation) and lets the outbox call Jira: an outage, a 429 or a 5xx delays the issue, never
  loses it, and never makes two — an attempt whose outcome is unknown first searches Jira for
  the escalation's label before creating again.
* **Link existing** checks the key with Jira at once (the user is waiting for the answer).
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

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlmodel import Session

from commands import zendesk
from commands.change import Change, store_change
from commands.context import Context
from commands.escalate import load, load_in
from commands.ports import DeliveryError, JiraPort, NotFoundError
from core.jira_sync import (
    DEFAULT_STATUS_MAP,
    JIRA_ACTOR,
    WRITE_BACK_KINDS,
    IssueSnapshot,
    JiraNote,
    NoteKind,
    SyncAction,
    sync_action,
    sync_target,
    write_back_lines,
)
from core.model import Escalation, State
from core.ticket import TicketSettings, id_label, issue_fields, plain_doc
from core.timeline import AUDIT_KIND
from core.workflow import Action
from storage import jira as store
from storage import loop as loop_data
from storage import repository as repo
from storage.tables import OutboxRow

log = logging.getLogger(__name__)

ISSUE_KEY = re.compile(r"^[A-Z][A-Z0-9_]{1,9}-[1-9]\d{0,8}$")


@dataclass
class JiraSetup:
    """What the commands need to work with Jira (built in ``bot.app`` from the config)."""

    port: JiraPort
    settings_for: Callable[[str], TicketSettings | None]
    status_map: Mapping[str, SyncAction] = field(default_factory=lambda: DEFAULT_STATUS_MAP)
    poll_interval: timedelta = timedelta(seconds=60)
    bot_account: str | None = None  # the bot's Jira accountId: its own events are echoes


@dataclass(frozen=True)
class JiraOutcome:
    ok: bool
    text: str


def _setup(ctx: Context) -> JiraSetup | None:
    setup = ctx.extra.get("jira")
    return setup if isinstance(setup, JiraSetup) else None


def _leads(ctx: Context) -> frozenset[str]:
    leads = getattr(ctx, "leads", None) or ctx.extra.get("leads") or ()
    return frozenset(str(x) for x in leads)  # type: ignore[union-attr]


def _may_manage(ctx: Context, esc: Escalation, user: str) -> str | None:
    """Why ``user`` may not create or link the issue (None: they may)."""
    if user == esc.owner or user in _leads(ctx):
        return None
    if esc.owner is None:
        return (f"{esc.public_id} has no owner yet: claim it first. Only the owner or a lead "
                "can create or link its Jira issue.")
    return (f"Only the owner (<@{esc.owner}>) or a lead can create or link the Jira issue "
            f"of {esc.public_id}.")


def _precheck(ctx: Context, escalation_id: int, user: str
              ) -> tuple[JiraSetup, Escalation, TicketSettings] | JiraOutcome:
    setup = _setup(ctx)
    if setup is None:
        return JiraOutcome(False, "Jira is not set up for this workspace (no `jira:` section "
                                  "in escalation.yml).")
    esc = load(ctx, escalation_id)
    if esc is None:
        return JiraOutcome(False, f"There is no escalation ESC-{escalation_id}.")
    settings = setup.settings_for(esc.domain.key)
    if settings is None:
        return JiraOutcome(False, f"No Jira project is configured for the "
                                  f"{esc.domain.name} domain (jira.project_per_domain).")
    refusal = _may_manage(ctx, esc, user)
    if refusal:
        return JiraOutcome(False, refusal)
    if esc.extra.get("jira_key"):
        return JiraOutcome(False, f"{esc.public_id} is already linked to "
                                  f"<{esc.extra.get('jira_url')}|{esc.extra['jira_key']}>.")
    return setup, esc, settings


def request_create(ctx: Context, *, escalation_id: int, user: str) -> JiraOutcome:
    """Create the Jira issue (through the outbox: once, whatever is retried or clicked)."""
    checked = _precheck(ctx, escalation_id, user)
    if isinstance(checked, JiraOutcome):
        return checked
    _, esc, settings = checked
    now = ctx.now()
    with ctx.db.transaction() as session:
        # Born leased to this worker: the click that asked does the work (the sweep of
        # another replica cannot take it meanwhile); a crash leaves it to the sweep.
        queued = repo.enqueue(session, escalation_id=esc.id, kind="jira_create",
                              dedupe_key=f"jira_create:{esc.id}", now=now,
                              leased_by=ctx.worker, lease_for=ctx.lease)
        if queued is not None:
            repo.add_audit(session, escalation_id=esc.id, actor=user,
                           kind="jira_create_requested", at=now, project=settings.project)
    if queued is None:
        return JiraOutcome(True, f"The Jira issue for {esc.public_id} is being created; it "
                                 "will show on the packet.")
    from commands.deliver import deliver_due, run_leased

    run_leased(ctx, OutboxRow(id=queued, escalation_id=esc.id, kind="jira_create",
                              dedupe_key=f"jira_create:{esc.id}", attempts=1,
                              next_attempt_at=now, created_at=now), esc)
    deliver_due(ctx, escalation_id=esc.id)
    fresh = load(ctx, esc.id) or esc
    if fresh.extra.get("jira_key"):
        return JiraOutcome(True, f"Created <{fresh.extra['jira_url']}|"
                                 f"{fresh.extra['jira_key']}> for {esc.public_id}.")
    return JiraOutcome(True, f"Jira is not answering right now; the issue for "
                             f"{esc.public_id} will be created as soon as it does (nothing "
                             "to click again).")


def link_existing(ctx: Context, *, escalation_id: int, user: str, key: str) -> JiraOutcome:
    key = key.strip().upper()
    if not ISSUE_KEY.match(key):
        return JiraOutcome(False, f"`{key[:40]}` is not a Jira issue key (like PROJ-123).")
    checked = _precheck(ctx, escalation_id, user)
    if isinstance(checked, JiraOutcome):
        return checked
    setup, esc, _settings = checked
    try:
        snapshot = setup.port.issue(key)
    except NotFoundError:
        return JiraOutcome(False, f"{key} does not exist in Jira, or the bot's account cannot "
                                  "see it.")
    except DeliveryError as failure:
        return JiraOutcome(False, f"Jira is not answering ({failure}); try again in a "
                                  "minute.")
    now = ctx.now()
    with ctx.db.transaction() as session:
        other = store.by_key(session, issue_key=key)
        if other is not None and other.escalation_id != esc.id:
            return JiraOutcome(False, f"{key} is already linked to ESC-{other.escalation_id}.")
        if not store.link(session, escalation_id=esc.id, issue_key=key, issue_id=None,
                          url=setup.port.browse_url(key), origin="linked", linked_by=user,
                          now=now, snapshot=snapshot):
            return JiraOutcome(False, f"{esc.public_id} is already linked to a Jira issue.")
        _after_link(session, esc, key, setup.port.browse_url(key), user, now, NoteKind.LINKED,
                    snapshot)
    from commands.deliver import deliver_due

    deliver_due(ctx, escalation_id=esc.id)
    return JiraOutcome(True, f"Linked {esc.public_id} to <{setup.port.browse_url(key)}|{key}> "
                             f"({snapshot.status}).")


def _after_link(session: object, esc: Escalation, key: str, url: str, user: str,
                now: datetime, kind: NoteKind, snapshot: IssueSnapshot | None) -> None:
    """What every new link owes: the audit event, a thread note, the packet, the remote link
    back to the packet, and a first comment naming the escalation and its owner."""
    from sqlmodel import Session

    assert isinstance(session, Session)
    audit_id = store.add_audit(session, escalation_id=esc.id, actor=user, kind="jira_linked",
                               at=now, key=key, url=url, origin=kind.value, owner=esc.owner,
                               status=snapshot.status if snapshot else None)
    store.set_comment_cursor(session, escalation_id=esc.id, audit_id=audit_id)
    for item, dedupe in (("jira_note", f"jira_note:{esc.id}:{audit_id}"),
                         ("update_packet", f"update_packet:{esc.id}:jira:{audit_id}"),
                         ("jira_remote_link", f"jira_remote_link:{esc.id}")):
        repo.enqueue(session, escalation_id=esc.id, kind=item, dedupe_key=dedupe, now=now)
    if kind is NoteKind.LINKED:
        repo.enqueue(session, escalation_id=esc.id, kind="jira_comment",
                     dedupe_key=f"jira_comment:{esc.id}:{audit_id}", now=now)


# ---------------------------------------------------------------- Jira → escalation


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
    setup = _setup(ctx)
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
        audit_id = store.add_audit(
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
    setup = _setup(ctx)
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
    if _setup(ctx) is None:
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
    if _setup(ctx) is None:
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


# ---------------------------------------------------------------- outbox handlers


def _audit_from(item: OutboxRow) -> int:
    return int(item.dedupe_key.rsplit(":", 1)[1])


def _require_setup(ctx: Context) -> JiraSetup:
    setup = _setup(ctx)
    if setup is None:
        raise DeliveryError("Jira is no longer configured", retryable=False)
    return setup


def _create(ctx: Context, esc: Escalation, item: OutboxRow) -> None:
    setup = _require_setup(ctx)
    if esc.extra.get("jira_key"):
        return  # linked meanwhile (e.g. someone linked an existing issue)
    settings = setup.settings_for(esc.domain.key)
    if settings is None:
        raise DeliveryError(f"no Jira project for domain {esc.domain.key}", retryable=False)
    found = None
    if item.in_flight:  # the last attempt may have created it: look before creating again
        found = setup.port.find_by_label(settings.project, id_label(esc))
    permalink = esc.permalink
    if permalink is None and esc.channel and esc.message_ts:
        permalink = ctx.slack.permalink(esc.channel, esc.message_ts)
    if found is not None:
        key, issue_id, snapshot = found.key, None, found
    else:
        created = setup.port.create_issue(issue_fields(esc, settings, permalink=permalink))
        key, issue_id, snapshot = created.key, created.id, None
    now = ctx.now()
    with ctx.db.transaction() as session:
        requested = [e for e in repo.audit_trail(session, escalation_id=esc.id)
                     if e.kind == "jira_create_requested"]
        by = requested[-1].actor if requested else "bot"
        if store.link(session, escalation_id=esc.id, issue_key=key, issue_id=issue_id,
                      url=setup.port.browse_url(key), origin="created", linked_by=by,
                      now=now, snapshot=snapshot or IssueSnapshot(key, "To Do", "new")):
            _after_link(session, esc, key, setup.port.browse_url(key), by, now,
                        NoteKind.CREATED, snapshot)


def _remote_link(ctx: Context, esc: Escalation, item: OutboxRow) -> None:
    setup = _require_setup(ctx)
    key = esc.extra.get("jira_key")
    if not key:
        return
    url = esc.permalink
    if url is None and esc.channel and esc.message_ts:
        url = ctx.slack.permalink(esc.channel, esc.message_ts)
    if url is None:
        from commands.deliver import Deferred

        raise Deferred("no packet permalink yet")
    setup.port.add_remote_link(key, url=url, title=f"{esc.public_id} in Slack",
                               global_id=f"escalation-bot:{esc.public_id}")


def _comment(ctx: Context, esc: Escalation, item: OutboxRow) -> None:
    setup = _require_setup(ctx)
    key = esc.extra.get("jira_key")
    with ctx.db.read() as session:
        event = store.audit_event(session, audit_id=_audit_from(item))
    if not key or event is None:
        return
    lines = write_back_lines(event.kind, event.actor, json.loads(event.detail or "{}"),
                             esc.public_id)
    if lines:
        if esc.permalink:
            lines.append(f"Slack packet: {esc.permalink}")
        setup.port.add_comment(key, plain_doc(*lines))


def _note_from(esc: Escalation, detail: dict[str, object], kind: NoteKind) -> JiraNote:
    action = detail.get("action")
    origin = detail.get("origin")
    return JiraNote(
        kind=NoteKind(str(origin)) if kind is not NoteKind.STATUS and origin else kind,
        key=str(detail.get("key") or esc.extra.get("jira_key") or "?"),
        url=str(detail.get("url") or esc.extra.get("jira_url") or ""),
        by=None, status=str(detail["status"]) if detail.get("status") else None,
        assignee=str(detail["assignee"]) if detail.get("assignee") else None,
        fix_versions=tuple(str(v) for v in detail.get("fix_versions") or []),  # type: ignore[attr-defined]
        action=SyncAction(str(action)) if action else None,
        applied=bool(detail.get("applied")))


def _note(ctx: Context, esc: Escalation, item: OutboxRow) -> None:
    from commands.deliver import Deferred

    if esc.message_ts is None or esc.channel is None:
        raise Deferred("packet not posted yet")
    with ctx.db.read() as session:
        event = store.audit_event(session, audit_id=_audit_from(item))
    if event is None:
        return
    detail = json.loads(event.detail or "{}")
    kind = NoteKind.STATUS if event.kind == "jira_status" else NoteKind.LINKED
    note = _note_from(esc, detail, kind)
    if event.kind == "jira_linked":
        note = replace(note, by=event.actor if event.actor != "bot" else None)
    ctx.slack.post_jira_note(esc, note)


def _resolved_dm(ctx: Context, esc: Escalation, item: OutboxRow) -> None:
    with ctx.db.read() as session:
        event = store.audit_event(session, audit_id=_audit_from(item))
    if event is None:
        return
    ctx.slack.notify_jira_resolved(esc, _note_from(esc, json.loads(event.detail or "{}"),
                                                   NoteKind.STATUS))


HANDLERS = {
    "jira_create": _create,
    "jira_remote_link": _remote_link,
    "jira_comment": _comment,
    "jira_note": _note,
    "jira_resolved_dm": _resolved_dm,
}
