"""The Markdown export: seed 003's deliverables for one escalation.

:func:`markdown` renders (pure core renderer :func:`core.export.render` over stored facts);
:func:`request_export` owes the file to the asking user's DM through the outbox
(``files_upload_v2``); ``escalation-bot export ESC-42 [--out FILE]`` prints it.
"""

from __future__ import annotations

from dataclasses import replace

from commands import names
from commands.act import Outcome
from commands.context import Context
from commands.escalate import load
from core.export import ExportFacts, render
from core.model import public_id
from storage import loop as data
from storage import names as names_db
from storage import repository as repo


def facts(ctx: Context, escalation_id: int) -> ExportFacts | None:
    """Everything the export shows, read in one unit of work (people's names from the cache)."""
    esc = load(ctx, escalation_id)
    if esc is None:
        return None
    with ctx.db.read() as session:
        found = ExportFacts(
            esc=esc,
            events=tuple(data.events(session, escalation_id=escalation_id)),
            updates=tuple(data.to_status_update(u) for u in
                          data.status_updates(session, escalation_id=escalation_id)),
            reproductions=tuple(data.to_reproduction(r) for r in
                                data.reproductions(session, escalation_id=escalation_id)),
            resolution=data.to_resolution(
                data.latest_resolution(session, escalation_id=escalation_id)),
        )
        return replace(found, names=names_db.names_for(session, users=found.people()))


def markdown(ctx: Context, escalation_id: int, *, ask_slack: bool = False) -> str | None:
    """The export document, or None when the escalation does not exist. People are shown by
    their cached names; with ``ask_slack`` (the DM export, sent from the outbox — never the
    CLI, which runs without Slack) missing or stale names are asked for first."""
    found = facts(ctx, escalation_id)
    if found is None:
        return None
    if ask_slack and names.refresh(ctx, found.people()):
        with ctx.db.read() as session:
            found = replace(found, names=names_db.names_for(session, users=found.people()))
    return render(found, now=ctx.now())


def filename(escalation_id: int) -> str:
    return f"{public_id(escalation_id)}.md"


def request_export(ctx: Context, *, escalation_id: int, user: str,
                   request_key: str | None = None, deliver: bool = True) -> Outcome:
    """Owe the export file to ``user``'s DM (outbox kind ``send_export``); anyone may ask.

    Ephemeral: "ESC-42's export is on its way to your DMs." A read, not a change: no version
    bump, no audit event (the export's timeline is exactly the audit trail), no thread line.
    """
    now = ctx.now()
    with ctx.db.transaction() as session:
        row = repo.get_escalation(session, escalation_id=escalation_id)
        if row is None:
            return Outcome(False, f"{public_id(escalation_id)} does not exist.")
        key = request_key or f"{user}:{now.isoformat()}"
        item = repo.enqueue(session, escalation_id=escalation_id, kind="send_export",
                            dedupe_key=f"send_export:{escalation_id}:{key}"[:255], now=now,
                            payload={"user": user})
        if item is None:
            return Outcome(True, f"Done already ({public_id(escalation_id)}).",
                           duplicate=True, escalation_id=escalation_id)
    from commands.deliver import deliver_due

    text = f"{public_id(escalation_id)}'s export is on its way to your DMs."
    def send() -> None:
        deliver_due(ctx, escalation_id=escalation_id)

    if not deliver:
        return Outcome(True, text, escalation_id=escalation_id, deliver=send)
    send()
    return Outcome(True, text, escalation_id=escalation_id)
