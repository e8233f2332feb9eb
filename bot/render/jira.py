"""Jira in Slack: the packet's Jira line, thread notes on status changes, the requester's DM."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
)

from bot.render.ids import Ids
from bot.render.mrkdwn import escape
from core.jira_sync import JiraNote, NoteKind, SyncAction
from core.model import Escalation

_DID = {SyncAction.FIX_IN_PROGRESS: "the escalation is now *fix in progress*",
        SyncAction.RESOLVED: "the escalation is *resolved*, pending verification with the "
                             "customer",
        SyncAction.REOPENED: "the escalation is *reopened*"}


def _link(key: str, url: str) -> str:
    return f"<{url}|{escape(key)}>"


def _fix(versions: tuple[str, ...]) -> str:
    return f", fix version {escape(', '.join(versions))}" if versions else ""


def note_text(esc: Escalation, note: JiraNote) -> str:
    issue = _link(note.key, note.url)
    if note.kind is NoteKind.CREATED:
        return f":ticket: Jira issue {issue} created for {esc.public_id}" + \
            (f" by <@{note.by}>" if note.by else "") + " with the clean-ticket fields."
    if note.kind is NoteKind.LINKED:
        status = f" ({escape(note.status)})" if note.status else ""
        return f":link: {esc.public_id} is linked to Jira issue {issue}{status}" + \
            (f" by <@{note.by}>" if note.by else "") + "."
    who = f", assignee {escape(note.assignee)}" if note.assignee else ""
    text = f":arrows_counterclockwise: Jira {issue} moved to *{escape(note.status or '?')}*" \
        f"{who}{_fix(note.fix_versions)}"
    if note.action is not None:
        text += f" — {_DID[note.action]}." if note.applied else \
            f" — the escalation stays *{esc.state.value.replace('_', ' ')}* (that change " \
            "does not apply in its current state)."
    return text


def resolved_dm(esc: Escalation, note: JiraNote) -> str:
    link = f"<{esc.permalink}|{esc.public_id}>" if esc.permalink else esc.public_id
    return (f":white_check_mark: Engineering marked {_link(note.key, note.url)} "
            f"*{escape(note.status or 'Done')}*{_fix(note.fix_versions)}: {link} is resolved, "
            "pending verification. Please confirm the fix with the customer.")


def packet_blocks(esc: Escalation) -> list[Block]:
    """The Jira line on the packet (key, status, assignee), or the Create button."""
    key = esc.extra.get("jira_key")
    if key:
        status = esc.extra.get("jira_status") or "status unknown"
        assignee = esc.extra.get("jira_assignee") or "unassigned"
        text = (f":ticket: Jira {_link(key, esc.extra.get('jira_url') or '')} · "
                f"*{escape(status)}* · {escape(assignee)}")
        return [ContextBlock(block_id="jira", elements=[MarkdownTextObject(text=text)])]
    if esc.extra.get("jira_enabled") and esc.owner:
        return [ActionsBlock(block_id="jira_actions", elements=[ButtonElement(
            action_id=Ids.JIRA_CREATE, text=PlainTextObject(text="Create Jira issue"),
            value=str(esc.id))])]
    return []
