"""What a Jira status change means for the escalation (pure rules).

Jira's side is described by a :class:`IssueSnapshot` (status name and category, assignee, fix
versions). :func:`sync_action` compares the snapshot the bot knew with the new one and says
which escalation change, if any, follows. The status → action table is configurable; the
defaults follow issue 10: *In Progress* → fix in progress, *Done* / *Resolved* → resolved
pending verification (with the fix version), a done issue that comes back → reopened.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class SyncAction(StrEnum):
    FIX_IN_PROGRESS = "fix_in_progress"
    RESOLVED = "resolved"
    REOPENED = "reopened"


DEFAULT_STATUS_MAP: Mapping[str, SyncAction] = {
    "in progress": SyncAction.FIX_IN_PROGRESS,
    "done": SyncAction.RESOLVED,
    "resolved": SyncAction.RESOLVED,
    "closed": SyncAction.RESOLVED,
    "reopened": SyncAction.REOPENED,
}

DONE_CATEGORY = "done"


@dataclass(frozen=True)
class IssueSnapshot:
    key: str
    status: str
    status_category: str = "new"  # Jira's statusCategory.key: new, indeterminate, done
    assignee: str | None = None
    fix_versions: tuple[str, ...] = ()
    summary: str | None = None

    @property
    def done(self) -> bool:
        return self.status_category == DONE_CATEGORY

    def describe(self) -> str:
        who = self.assignee or "unassigned"
        fixed = f", fix version {', '.join(self.fix_versions)}" if self.fix_versions else ""
        return f"{self.key} is {self.status} ({who}{fixed})"


def normalise_map(mapping: Mapping[str, str | SyncAction]) -> dict[str, SyncAction]:
    return {name.strip().lower(): SyncAction(action) for name, action in mapping.items()}


def sync_action(before: IssueSnapshot | None, after: IssueSnapshot,
                mapping: Mapping[str, SyncAction] = DEFAULT_STATUS_MAP) -> SyncAction | None:
    """The escalation change a new Jira snapshot asks for, or None (nothing changed)."""
    if before is not None and before.status.lower() == after.status.lower():
        return None
    action = mapping.get(after.status.strip().lower())
    if action is not None:
        return action
    if before is not None and before.done and not after.done:
        return SyncAction.REOPENED  # e.g. Done → To Do: the fix did not hold
    if after.done:
        return SyncAction.RESOLVED  # an unmapped status in Jira's "done" category
    return None


def fix_version_text(snapshot: IssueSnapshot) -> str | None:
    return ", ".join(snapshot.fix_versions) or None


class NoteKind(StrEnum):
    CREATED = "created"
    LINKED = "linked"
    STATUS = "status"


@dataclass(frozen=True)
class JiraNote:
    """What the packet's thread (and, for a resolution, the requester) is told about Jira."""

    kind: NoteKind
    key: str
    url: str
    by: str | None = None               # Slack user who created or linked it
    status: str | None = None
    assignee: str | None = None
    fix_versions: tuple[str, ...] = ()
    action: SyncAction | None = None    # what the status change did to the escalation
    applied: bool = False               # False: the escalation's state did not allow it


WRITE_BACK_KINDS = frozenset({"claimed", "handoff_accepted", "eta_set", "severity_changed",
                              "resolved", "reopened", "jira_linked"})
JIRA_ACTOR = "jira"


def write_back_lines(kind: str, actor: str, detail: Mapping[str, object],
                     public_id: str) -> list[str] | None:
    """The Jira comment for an escalation event (None: not written back).

    Changes that came from Jira (actor ``jira``) are never written back: no echo loop.
    """
    if kind not in WRITE_BACK_KINDS or actor.startswith(JIRA_ACTOR):
        return None
    who = f"Slack user {actor}"

    def get(name: str) -> str | None:
        value = detail.get(name)
        return None if value in (None, "") else str(value)

    if kind == "claimed":
        lines = [f"{public_id}: owner is now {who} (claimed in Slack)."]
    elif kind == "handoff_accepted":
        lines = [f"{public_id}: ownership handed over; the owner is now {who}."]
    elif kind == "eta_set":
        lines = [f"{public_id}: fix ETA set by {who}: {get('eta') or 'see Slack'}."]
        if get("reason"):
            lines.append(f"Reason: {get('reason')}")
    elif kind == "severity_changed":
        lines = [f"{public_id}: severity changed by {who}: "
                 f"{get('from_severity') or get('from') or '?'} → "
                 f"{get('to_severity') or get('to') or '?'}."]
        if get("reason"):
            lines.append(f"Reason: {get('reason')}")
    elif kind == "resolved":
        lines = [f"{public_id}: resolved by {who}"
                 + (f" ({get('category_label')})" if get("category_label") else "") + "."]
        if get("root_cause"):
            lines.append(f"Root cause: {get('root_cause')}")
        if get("fix_version"):
            lines.append(f"Fix version: {get('fix_version')}")
    elif kind == "reopened":
        lines = [f"{public_id}: reopened by {who}."
                 + (f" Reason: {get('reason')}" if get("reason") else "")]
    else:  # jira_linked
        owner = get("owner")
        lines = [f"Linked to escalation {public_id} in Slack"
                 + (f"; owner: Slack user {owner}" if owner else "") + "."]
    return lines


# What a Jira status change may do to the escalation, by the escalation's current state
# (state values, so the table holds for every state the lifecycle knows). A change from any
# other state is noted in the thread but leaves the state alone: Jira cannot, say, resolve
# an escalation nobody owns yet, or reopen one that is still being worked on.
_OWNED = ("claimed", "accepted", "reproduced", "cannot_reproduce", "reopened", "needs_info")
SYNC_FROM: Mapping[SyncAction, frozenset[str]] = {
    SyncAction.FIX_IN_PROGRESS: frozenset(_OWNED),
    SyncAction.RESOLVED: frozenset((*_OWNED, "fix_in_progress")),
    SyncAction.REOPENED: frozenset(("resolved",)),
}


def sync_target(action: SyncAction, current: str, known_states: frozenset[str]) -> str | None:
    """The state ``action`` moves an escalation in ``current`` to, or None (not from here).

    Reopening lands on ``reopened`` where the lifecycle has it, else back on ``claimed``
    (the previous owner keeps it, as issue 5's reopen does).
    """
    if current not in SYNC_FROM[action]:
        return None
    if action is SyncAction.FIX_IN_PROGRESS:
        return "fix_in_progress"
    if action is SyncAction.RESOLVED:
        return "resolved"
    return "reopened" if "reopened" in known_states else "claimed"
