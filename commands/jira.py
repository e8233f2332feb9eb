"""The Engineering ticket: create or link the Jira issue of an escalation.

* **Create** stores the wish (audit event + a ``jira_create`` outbox item, once per
  escalation) and lets the outbox call Jira (:mod:`commands.jira_outbox`): an outage, a 429 or
  a 5xx delays the issue, never loses it, and never makes two — an attempt whose outcome is
  unknown first searches Jira for the escalation's label before creating again.
* **Link existing** checks the key with Jira at once (the user is waiting for the answer).

Keeping both sides in sync afterwards is :mod:`commands.jira_sync`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from commands.context import Context
from commands.escalate import load
from commands.ports import DeliveryError, JiraPort, NotFoundError
from core.jira_sync import DEFAULT_STATUS_MAP, IssueSnapshot, NoteKind, SyncAction
from core.model import Escalation
from core.ticket import TicketSettings
from storage import jira as store
from storage import repository as repo
from storage.tables import OutboxRow

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



def setup_of(ctx: Context) -> JiraSetup | None:
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
    setup = setup_of(ctx)
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
        after_link(session, esc, key, setup.port.browse_url(key), user, now, NoteKind.LINKED,
                    snapshot)
    from commands.deliver import deliver_due

    deliver_due(ctx, escalation_id=esc.id)
    return JiraOutcome(True, f"Linked {esc.public_id} to <{setup.port.browse_url(key)}|{key}> "
                             f"({snapshot.status}).")

def after_link(session: Session, esc: Escalation, key: str, url: str, user: str,
                now: datetime, kind: NoteKind, snapshot: IssueSnapshot | None) -> None:
    """What every new link owes: the audit event, a thread note, the packet, the remote link
    back to the packet, and a first comment naming the escalation and its owner."""
    audit_id = repo.add_audit_returning(session, escalation_id=esc.id, actor=user,
                                        kind="jira_linked", at=now, key=key, url=url,
                                        origin=kind.value, owner=esc.owner,
                                        status=snapshot.status if snapshot else None)
    store.set_comment_cursor(session, escalation_id=esc.id, audit_id=audit_id)
    for item, dedupe in (("jira_note", f"jira_note:{esc.id}:{audit_id}"),
                         ("update_packet", f"update_packet:{esc.id}:jira:{audit_id}"),
                         ("jira_remote_link", f"jira_remote_link:{esc.id}")):
        repo.enqueue(session, escalation_id=esc.id, kind=item, dedupe_key=dedupe, now=now)
    if kind is NoteKind.LINKED:
        repo.enqueue(session, escalation_id=esc.id, kind="jira_comment",
                     dedupe_key=f"jira_comment:{esc.id}:{audit_id}", now=now)
