"""Outbox handlers of the feedback loop: what each owed item sends (see commands.change).

Each item's payload names the audit event it was owed by (``{"event": 12, …}``); the
handler renders from stored facts, so a retried delivery sends the same thing.
"""

from __future__ import annotations

from collections.abc import Callable

from commands.context import Context
from commands.deliver import Deferred
from commands.ports import DeliveryError
from core.model import Escalation, Severity
from core.progress import wrap_up
from core.timeline import Event, Notice, SeveritySuggestion, entry
from core.workflow import Action
from storage import loop as data
from storage.tables import OutboxRow


def _require_posted(esc: Escalation) -> None:
    if esc.channel is None or esc.message_ts is None:
        raise Deferred("packet not posted yet")


def _event(ctx: Context, item: OutboxRow) -> Event:
    event_id = int(data.payload(item).get("event") or 0)
    with ctx.db.read() as session:
        row = data.get_event(session, event_id=event_id)
    if row is None:
        raise DeliveryError(f"audit event {event_id} is missing", retryable=False)
    return data.to_event(row)


def _thread_line(ctx: Context, esc: Escalation, item: OutboxRow) -> None:
    _require_posted(esc)
    ctx.slack.post_timeline(esc, entry(_event(ctx, item)))


def _status_update(ctx: Context, esc: Escalation, item: OutboxRow) -> None:
    _require_posted(esc)
    update_id = int(_event(ctx, item).details.get("update_id") or 0)
    with ctx.db.read() as session:
        row = data.get_status_update(session, update_id=update_id)
    if row is None:
        raise DeliveryError(f"status update {update_id} is missing", retryable=False)
    ctx.slack.post_status_update(esc, data.to_status_update(row))


def _wrap_up(ctx: Context, esc: Escalation, item: OutboxRow) -> None:
    _require_posted(esc)
    event = _event(ctx, item)
    with ctx.db.read() as session:
        res = data.latest_resolution(session, escalation_id=esc.id)
    if res is None:
        raise DeliveryError("resolution is missing", retryable=False)
    ctx.slack.post_wrap_up(esc, wrap_up(
        escalated_at=esc.created_at, posted_at=esc.posted_at, claimed_at=esc.claimed_at,
        accepted_at=esc.progress.accepted_at, resolved_at=event.at,
        updates=esc.progress.updates, root_cause=res.root_cause, fix_version=res.fix_version,
        l1_takeaway=res.l1_takeaway, kb_warranted=res.kb_warranted))


def _dm(ctx: Context, esc: Escalation, item: OutboxRow) -> None:
    payload = data.payload(item)
    actions = tuple(Action(a) for a in payload.get("actions") or [])
    ctx.slack.send_dm(esc, Notice(to=str(payload["to"]), entry=entry(_event(ctx, item)),
                                  actions=actions))


def _notify_leads(ctx: Context, esc: Escalation, item: OutboxRow) -> None:
    payload = data.payload(item)
    users = frozenset(str(u) for u in payload.get("users") or [])
    channel = payload.get("channel")
    ctx.slack.notify_leads(esc, entry(_event(ctx, item)), users,
                           str(channel) if channel else None)


def _suggest_severity(ctx: Context, esc: Escalation, item: OutboxRow) -> None:
    _require_posted(esc)
    payload = data.payload(item)
    suggested = Severity(str(payload["severity"]))
    if suggested.rank >= esc.severity.rank:
        return  # raised meanwhile: nothing to suggest any more
    ctx.slack.suggest_severity(esc, SeveritySuggestion(
        severity=suggested, reason=str(payload.get("reason") or ""), owner=esc.owner))


def _ask_rating(ctx: Context, esc: Escalation, item: OutboxRow) -> None:
    _require_posted(esc)
    with ctx.db.read() as session:
        if data.rating(session, escalation_id=esc.id) is not None:
            return
    ctx.slack.ask_handoff_rating(esc, str(data.payload(item)["user"]))


def _send_export(ctx: Context, esc: Escalation, item: OutboxRow) -> None:
    from commands.export import filename, markdown

    document = markdown(ctx, esc.id, ask_slack=True)
    if document is None:
        raise DeliveryError("escalation is missing", retryable=False)
    ctx.slack.send_export(esc, str(data.payload(item)["user"]), filename(esc.id), document)


def _kb_draft(ctx: Context, esc: Escalation, item: OutboxRow) -> None:
    from commands.kb import deliver_draft

    deliver_draft(ctx, esc, item)


HANDLERS: dict[str, Callable[[Context, Escalation, OutboxRow], None]] = {
    "thread_line": _thread_line,
    "status_update": _status_update,
    "wrap_up": _wrap_up,
    "dm": _dm,
    "notify_leads": _notify_leads,
    "suggest_severity": _suggest_severity,
    "ask_rating": _ask_rating,
    "send_export": _send_export,
    "kb_draft": _kb_draft,
}
