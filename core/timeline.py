"""The audit trail as a timeline: one line per event, for the thread and the export.

Every stored change is an audit event (actor, kind, from-state, to-state, details, UTC).
:func:`entry` turns one into a :class:`TimelineEntry`: a headline built only from trusted
pieces (mentions, states, labels, times) and the user's own words as separate ``quotes``,
which a renderer escapes. Seed 003's Incident Timeline Table names each row's milestone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.model import Severity, State
from core.timefmt import fmt_utc
from core.workflow import Action

# The audit event kind each action writes (``created``, ``posted``, ``post_failed`` and
# ``claimed`` are the spine's).
AUDIT_KIND: Mapping[Action, str] = {
    Action.CLAIM: "claimed",
    Action.ACCEPT: "accepted",
    Action.POST_UPDATE: "update_posted",
    Action.NEEDS_INFO: "info_requested",
    Action.ANSWER_INFO: "info_answered",
    Action.REPRODUCED: "reproduced",
    Action.CANNOT_REPRODUCE: "cannot_reproduce",
    Action.SET_ETA: "eta_set",
    Action.ESCALATE_LEVEL: "level_changed",
    Action.CHANGE_SEVERITY: "severity_changed",
    Action.SET_IC: "ic_set",
    Action.REASSIGN: "handoff_requested",
    Action.ACCEPT_HANDOFF: "handoff_accepted",
    Action.DECLINE_HANDOFF: "handoff_declined",
    Action.RESOLVE: "resolved",
    Action.VERIFY: "verified",
    Action.REOPEN: "reopened",
    Action.CANCEL: "cancelled",
    Action.CLOSE: "closed",
    Action.MERGE: "merged",
    Action.RATE_HANDOFF: "handoff_rated",
    Action.CUSTOMER_TOLD: "customer_told",
}
# Written on the survivor when a duplicate is merged into it.
MERGED_IN = "merged_in"


@dataclass(frozen=True)
class Event:
    """One audit event as the core sees it."""

    id: int
    at: datetime
    actor: str
    kind: str
    from_state: State | None = None
    to_state: State | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    actor: str
    kind: str
    # mrkdwn from trusted pieces only (mentions, labels, states, UTC times).
    headline: str
    # The user's words, (label, text): escape them when rendering.
    quotes: tuple[tuple[str, str], ...] = ()
    # Seed 003's milestone: Detection, Triage, Claim, Acceptance, Mitigation, Handoff, …
    milestone: str = ""


@dataclass(frozen=True)
class Notice:
    """A DM: the timeline entry it is about, and the buttons it carries."""

    to: str
    entry: TimelineEntry
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class SeveritySuggestion:
    """After merges: upgrade to ``severity`` (one click), because of ``reason``."""

    severity: Severity
    reason: str
    owner: str | None


def _d(event: Event, key: str) -> str:
    value = event.details.get(key)
    return "" if value is None else str(value)


def _who(user: str) -> str:
    return "The bot" if user in ("bot", "") else f"<@{user}>"


def _moved(event: Event) -> str:
    if event.from_state and event.to_state and event.from_state is not event.to_state:
        return f" ({event.from_state.label.lower()} → {event.to_state.label.lower()})"
    return ""


def entry(event: Event) -> TimelineEntry:
    """The timeline line for ``event`` (any kind: unknown kinds get a generic line)."""
    who = _who(event.actor)
    kind = event.kind
    moved = _moved(event)
    q: list[tuple[str, str]] = []

    def quote(label: str, key: str) -> None:
        if _d(event, key).strip():
            q.append((label, _d(event, key)))

    milestone = "Update"
    if kind == "created":
        headline = (f"{who} escalated it: {_d(event, 'severity')}, target "
                    f"{_d(event, 'target_level')}")
        milestone = "Triage"
    elif kind == "posted":
        headline = "The packet was posted to the domain channel"
        milestone = "Triage"
    elif kind == "post_failed":
        headline = f"Posting the packet failed (attempt {_d(event, 'attempt')}); retrying"
        milestone = "Delivery"
    elif kind == "claimed":
        headline = f"{who} claimed it{moved}"
        milestone = "Claim"
    elif kind == "accepted":
        headline = f"{who} accepted it{moved}"
        quote("Note", "note")
        milestone = "Acceptance"
    elif kind == "update_posted":
        due = _d(event, "next_update_at")
        headline = f"{who} posted a status update" + (f"; next by {due}" if due else "")
        quote("What we know", "known")
        milestone = "Status update"
    elif kind == "info_requested":
        headline = f"{who} asked the requester for information{moved}"
        quote("Question", "question")
        milestone = "Needs info"
    elif kind == "info_answered":
        owner = _d(event, "owner")
        to = f" — <@{owner}>" if owner else ""
        headline = f"{who} answered{moved}{to}"
        quote("Answer", "answer")
        milestone = "Needs info"
    elif kind in ("reproduced", "cannot_reproduce"):
        headline = (f"{who} reproduced it{moved}" if kind == "reproduced"
                    else f"{who} could not reproduce it{moved}")
        quote("Environment", "environment")
        quote("Notes", "notes")
        milestone = "Reproduction"
    elif kind == "eta_set":
        before = _d(event, "previous_eta")
        headline = (f"{who} changed the fix ETA from {before} to {_d(event, 'eta')}{moved}"
                    if before else f"{who} set the fix ETA: {_d(event, 'eta')}{moved}")
        quote("Reason", "reason")
        milestone = "Mitigation / ETA"
    elif kind == "level_changed":
        lead = " · leadership notified" if event.details.get("notify_leadership") else ""
        headline = (f"{who} escalated it from {_d(event, 'from_level')} to "
                    f"{_d(event, 'to_level')}{lead}")
        quote("Reason", "reason")
        milestone = "Level change"
    elif kind == "severity_changed":
        headline = (f"{who} changed the severity from {_d(event, 'from_severity')} to "
                    f"{_d(event, 'to_severity')}")
        quote("Reason", "reason")
        milestone = "Severity change"
    elif kind == "ic_set":
        ic = _d(event, "ic")
        headline = (f"{who} made <@{ic}> incident commander" if ic
                    else f"{who} cleared the incident commander")
        milestone = "Incident command"
    elif kind == "handoff_requested":
        headline = f"{who} is handing it off to <@{_d(event, 'to')}> (pending their acceptance)"
        quote("Handoff note", "note")
        milestone = "Handoff"
    elif kind == "handoff_accepted":
        headline = f"{who} accepted the handoff from <@{_d(event, 'from')}> and owns it now"
        milestone = "Handoff"
    elif kind == "handoff_declined":
        headline = f"{who} declined the handoff; <@{_d(event, 'owner')}> still owns it"
        quote("Reason", "reason")
        milestone = "Handoff"
    elif kind == "resolved":
        headline = f"{who} resolved it{moved}: {_d(event, 'category_label')}"
        quote("Root cause", "root_cause")
        quote("Fix version", "fix_version")
        milestone = "Resolution"
    elif kind == "verified":
        headline = f"{who} verified the fix with the customer and closed it{moved}"
        quote("Note", "note")
        milestone = "Verification"
    elif kind == "reopened":
        headline = f"{who} reopened it{moved}; <@{_d(event, 'owner')}> owns it again"
        quote("Reason", "reason")
        milestone = "Reopened"
    elif kind == "cancelled":
        headline = f"{who} cancelled it{moved}"
        quote("Reason", "reason")
        milestone = "Cancelled"
    elif kind == "closed":
        headline = f"{who} closed it without resolution{moved}"
        quote("Reason", "reason")
        milestone = "Closed"
    elif kind == "merged":
        headline = f"{who} merged it as a duplicate into ESC-{_d(event, 'survivor')}{moved}"
        milestone = "Merged"
    elif kind == MERGED_IN:
        headline = (f"{who} merged ESC-{_d(event, 'duplicate')} into it: impact now "
                    f"{_d(event, 'total_users')} users, {_d(event, 'customers')} customer(s)")
        milestone = "Merged"
    elif kind == "customer_told":
        headline = f"{who} gave the customer an update"
        milestone = "Customer update"
    elif kind == "handoff_rated":
        headline = f"{who} rated the handoff"
        milestone = "Handoff rating"
    elif kind == "reminders_snoozed":
        headline = f"{who} snoozed the reminders until {_d(event, 'until_hhmm')}"
        quote("Reason", "reason")
        milestone = "Reminders"
    elif kind == "reminders_resumed":
        headline = f"{who} ended the snooze: reminders are back on"
        milestone = "Reminders"
    elif kind == "rca_attached":
        headline = f"{who} attached the RCA"
        quote("Link", "url")
        milestone = "RCA"
    elif kind == "returned_to_queue":
        headline = (f"Back in the queue: <@{_d(event, 'old_owner')}> did not accept it "
                    f"({_d(event, 'reason')})")
        milestone = "Claim"
    else:
        headline = f"{who}: {kind.replace('_', ' ')}{moved}"
    return TimelineEntry(at=event.at, actor=event.actor, kind=kind, headline=headline,
                         quotes=tuple(q), milestone=milestone)


def when(event: Event) -> str:
    return fmt_utc(event.at)
