"""The outbox's Jira items: create the issue, link back to the packet, comment, and the
thread note and DM that tell Slack what happened in Jira."""

from __future__ import annotations

import json
from dataclasses import replace

from commands.context import Context
from commands.jira import JiraSetup, after_link, setup_of
from commands.ports import DeliveryError
from core.jira_sync import IssueSnapshot, JiraNote, NoteKind, SyncAction, write_back_lines
from core.model import Escalation
from core.ticket import id_label, issue_fields, plain_doc
from storage import jira as store
from storage import repository as repo
from storage.tables import OutboxRow


def _audit_from(item: OutboxRow) -> int:
    return int(item.dedupe_key.rsplit(":", 1)[1])


def _require_setup(ctx: Context) -> JiraSetup:
    setup = setup_of(ctx)
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
            after_link(session, esc, key, setup.port.browse_url(key), by, now,
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
