"""Zendesk internal notes on the escalation's linked tickets: the handoff and the wrap-up.

When the packet is posted, each linked Zendesk ticket gets a private note with the handoff
summary and the packet's link; when the escalation is resolved, a private note with the
wrap-up and a customer-safe draft for the agent to send. One outbox item per ticket and
moment, so a ticket that fails is retried alone and nothing is noted twice.
"""

from __future__ import annotations

import json

from sqlmodel import Session

from commands.context import Context
from commands.ports import ZendeskPort
from core.model import Escalation
from core.ticket import zendesk_ticket_ids
from storage import repository as repo
from storage.tables import OutboxRow

POSTED, RESOLVED = "posted", "resolved"


def port(ctx: Context) -> ZendeskPort | None:
    found = ctx.extra.get("zendesk")
    return found if hasattr(found, "internal_note") else None


def queue_notes(ctx: Context, session: Session, esc: Escalation, moment: str,
                audit_id: int | None = None) -> None:
    """Owe one internal note per linked Zendesk ticket (in the caller's transaction)."""
    if port(ctx) is None:
        return
    suffix = f":{audit_id}" if audit_id is not None else ""
    for ticket in zendesk_ticket_ids(esc.answers.linked_tickets):
        repo.enqueue(session, escalation_id=esc.id, kind="zendesk_note",
                     dedupe_key=f"zendesk_note:{esc.id}:{moment}{suffix}:{ticket}",
                     now=ctx.now())


def handoff_note(esc: Escalation, link: str | None) -> str:
    a = esc.answers
    sev = a.severity.value if a.severity else "SEV?"
    lines = [f"Escalated to Tier 2 as {esc.public_id} ({sev}, {esc.domain.name}).",
             f"Target level: {esc.decision.target.label} — {esc.decision.reason}",
             f"Problem: {a.problem or '—'}",
             f"Blocker: {a.blocker or '—'}",
             f"Asked of engineering: {a.asks or '—'}"]
    if link:
        lines.append(f"Slack packet (status and owner): {link}")
    lines.append("Internal note from the escalation bot: do not forward to the customer.")
    return "\n".join(lines)


def wrap_up_note(esc: Escalation, detail: dict[str, object], link: str | None) -> str:
    raw = detail.get("fix_versions") or detail.get("fix_version") or []
    versions = raw if isinstance(raw, list) else [raw]
    fix = ", ".join(str(v) for v in versions)
    lines = [f"{esc.public_id} is resolved, pending verification with the customer."]
    if detail.get("key"):
        lines.append(f"Engineering ticket: {detail['key']} ({detail.get('status') or 'Done'})")
    if detail.get("root_cause"):
        lines.append(f"Root cause: {detail['root_cause']}")
    if fix:
        lines.append(f"Fix version: {fix}")
    if link:
        lines.append(f"Slack packet: {link}")
    draft = detail.get("customer_draft") or (
        "Thank you for your patience. Our engineering team has released a fix for the issue "
        "you reported" + (f" (version {fix})" if fix else "") + ". Could you check whether "
        "it works for you now? If anything still looks wrong, reply here and we will pick it "
        "up right away.")
    lines += ["", "Draft reply for the customer (review before sending):", str(draft)]
    return "\n".join(lines)


def _note(ctx: Context, esc: Escalation, item: OutboxRow) -> None:
    zendesk = port(ctx)
    if zendesk is None:
        return
    parts = item.dedupe_key.split(":")
    moment, ticket = parts[2], int(parts[-1])
    link = esc.permalink
    if link is None and esc.channel and esc.message_ts:
        link = ctx.slack.permalink(esc.channel, esc.message_ts)
    if moment == POSTED:
        zendesk.internal_note(ticket, handoff_note(esc, link))
        return
    detail: dict[str, object] = {}
    if len(parts) == 5:
        with ctx.db.read() as session:
            events = [e for e in repo.audit_trail(session, escalation_id=esc.id)
                      if str(e.id) == parts[3]]
        detail = json.loads(events[0].detail) if events else {}
    zendesk.internal_note(ticket, wrap_up_note(esc, detail, link))


HANDLERS = {"zendesk_note": _note}
