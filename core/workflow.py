"""The feedback loop's rules: which action is possible in which state, and who may do it.

Seed 001 §4–5: escalations fail when ownership is implicit and when Engineering's side
(acceptance, reproduction validation, fix-timeline updates, post-fix validation notes) is
never recorded. Every action names the states it is allowed from (:data:`ALLOWED_FROM`) and
the roles that may take it (:data:`WHO`); :func:`refusal` answers "may this user do this
now?" with ``None`` or a sentence saying why not and what is possible instead — never a
crash, never a silent no-op. Adapters (buttons, the slash command, modals) all ask here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from core.model import Level, Severity, State
from core.roles import People, Role, who_text
from core.timefmt import fmt_utc, utc


class Action(StrEnum):
    """Everything a person can do to an escalation. Values double as slash-command verbs."""

    CLAIM = "claim"
    ACCEPT = "accept"
    POST_UPDATE = "update"
    NEEDS_INFO = "info"
    ANSWER_INFO = "answer"
    REPRODUCED = "reproduced"
    CANNOT_REPRODUCE = "cannot-reproduce"
    SET_ETA = "eta"
    ESCALATE_LEVEL = "level"
    CHANGE_SEVERITY = "severity"
    SET_IC = "ic"
    REASSIGN = "reassign"
    ACCEPT_HANDOFF = "accept-handoff"
    DECLINE_HANDOFF = "decline-handoff"
    RESOLVE = "resolve"
    VERIFY = "verify"
    REOPEN = "reopen"
    CANCEL = "cancel"
    CLOSE = "close"
    MERGE = "merge"
    RATE_HANDOFF = "rate"
    EXPORT = "export"
    CUSTOMER_TOLD = "told"

    @property
    def label(self) -> str:
        """The button / menu label, in plain words."""
        return ACTION_LABELS[self]

    @property
    def verb(self) -> str:
        """For sentences: "Only the owner can <verb> ESC-42"."""
        return ACTION_VERBS[self]

    @property
    def needs_input(self) -> bool:
        """Whether the action opens a modal (it needs typed input) or acts on the click."""
        return self not in ONE_CLICK


ACTION_LABELS: Mapping[Action, str] = {
    Action.CLAIM: "Claim",
    Action.ACCEPT: "Accept",
    Action.POST_UPDATE: "Post update",
    Action.NEEDS_INFO: "Needs info",
    Action.ANSWER_INFO: "Answer",
    Action.REPRODUCED: "Reproduced",
    Action.CANNOT_REPRODUCE: "Cannot reproduce",
    Action.SET_ETA: "Set fix ETA",
    Action.ESCALATE_LEVEL: "Escalate a level",
    Action.CHANGE_SEVERITY: "Change severity",
    Action.SET_IC: "Set incident commander",
    Action.REASSIGN: "Reassign",
    Action.ACCEPT_HANDOFF: "Accept handoff",
    Action.DECLINE_HANDOFF: "Decline handoff",
    Action.RESOLVE: "Resolve",
    Action.VERIFY: "Verify",
    Action.REOPEN: "Reopen",
    Action.CANCEL: "Cancel",
    Action.CLOSE: "Close without resolution",
    Action.MERGE: "Merge as duplicate",
    Action.RATE_HANDOFF: "Rate the handoff",
    Action.EXPORT: "Export",
    Action.CUSTOMER_TOLD: "Customer told",
}

ACTION_VERBS: Mapping[Action, str] = {
    Action.CLAIM: "claim",
    Action.ACCEPT: "accept",
    Action.POST_UPDATE: "post an update on",
    Action.NEEDS_INFO: "ask the requester for info on",
    Action.ANSWER_INFO: "answer the question on",
    Action.REPRODUCED: "mark as reproduced",
    Action.CANNOT_REPRODUCE: "mark as cannot-reproduce",
    Action.SET_ETA: "set the fix ETA of",
    Action.ESCALATE_LEVEL: "escalate a level",
    Action.CHANGE_SEVERITY: "change the severity of",
    Action.SET_IC: "set the incident commander of",
    Action.REASSIGN: "reassign",
    Action.ACCEPT_HANDOFF: "accept the handoff of",
    Action.DECLINE_HANDOFF: "decline the handoff of",
    Action.RESOLVE: "resolve",
    Action.VERIFY: "verify",
    Action.REOPEN: "reopen",
    Action.CANCEL: "cancel",
    Action.CLOSE: "close without resolution",
    Action.MERGE: "merge as a duplicate",
    Action.RATE_HANDOFF: "rate the handoff of",
    Action.EXPORT: "export",
    Action.CUSTOMER_TOLD: "record a customer update on",
}

# Actions that change things on the click alone (optional notes aside).
ONE_CLICK: frozenset[Action] = frozenset({
    Action.CLAIM, Action.ACCEPT_HANDOFF, Action.VERIFY, Action.RATE_HANDOFF, Action.EXPORT,
    Action.CUSTOMER_TOLD,
})

# ---------------------------------------------------------------- states

TERMINAL: frozenset[State] = frozenset({State.CLOSED, State.CANCELLED, State.MERGED})
ACTIVE: frozenset[State] = frozenset({
    State.OPEN, State.CLAIMED, State.ACCEPTED, State.REPRODUCED, State.CANNOT_REPRODUCE,
    State.FIX_IN_PROGRESS, State.NEEDS_INFO, State.REOPENED,
})
# Someone on the Engineering side owns it and owes work.
OWNED: frozenset[State] = ACTIVE - {State.OPEN}
# Accepted: the owner confirmed they own it.
WORKING: frozenset[State] = frozenset({
    State.ACCEPTED, State.REPRODUCED, State.CANNOT_REPRODUCE, State.FIX_IN_PROGRESS,
})
ALL_STATES: frozenset[State] = frozenset(State)

ALLOWED_FROM: Mapping[Action, frozenset[State]] = {
    Action.CLAIM: frozenset({State.OPEN}),
    Action.ACCEPT: frozenset({State.CLAIMED, State.REOPENED}),
    Action.POST_UPDATE: OWNED,
    Action.NEEDS_INFO: OWNED - {State.NEEDS_INFO},
    Action.ANSWER_INFO: frozenset({State.NEEDS_INFO}),
    Action.REPRODUCED: frozenset({State.ACCEPTED, State.CANNOT_REPRODUCE}),
    Action.CANNOT_REPRODUCE: frozenset({State.ACCEPTED}),
    Action.SET_ETA: frozenset({State.ACCEPTED, State.REPRODUCED, State.FIX_IN_PROGRESS}),
    Action.ESCALATE_LEVEL: ACTIVE,
    Action.CHANGE_SEVERITY: ACTIVE,
    Action.SET_IC: ACTIVE,
    Action.REASSIGN: OWNED,
    Action.ACCEPT_HANDOFF: OWNED,
    Action.DECLINE_HANDOFF: OWNED,
    Action.RESOLVE: WORKING,
    Action.VERIFY: frozenset({State.RESOLVED}),
    Action.REOPEN: frozenset({State.RESOLVED, State.CLOSED}),
    Action.CANCEL: ACTIVE,
    Action.CLOSE: ACTIVE | {State.RESOLVED},
    Action.MERGE: ACTIVE,
    Action.RATE_HANDOFF: ALL_STATES - {State.OPEN},
    Action.EXPORT: ALL_STATES,
    # While someone owns it: the customer-update clock runs then.
    Action.CUSTOMER_TOLD: OWNED,
}

# Where an action takes the escalation; absent: the state does not change.
# ANSWER_INFO returns to the state needs-info came from (``Progress.return_state``).
TARGET: Mapping[Action, State] = {
    Action.CLAIM: State.CLAIMED,
    Action.ACCEPT: State.ACCEPTED,
    Action.NEEDS_INFO: State.NEEDS_INFO,
    Action.REPRODUCED: State.REPRODUCED,
    Action.CANNOT_REPRODUCE: State.CANNOT_REPRODUCE,
    Action.SET_ETA: State.FIX_IN_PROGRESS,
    Action.RESOLVE: State.RESOLVED,
    Action.VERIFY: State.CLOSED,
    Action.REOPEN: State.REOPENED,
    Action.CANCEL: State.CANCELLED,
    Action.CLOSE: State.CLOSED,
    Action.MERGE: State.MERGED,
}

# The order actions are offered in (packet buttons first, then the overflow menu).
PACKET_ORDER: tuple[Action, ...] = (
    Action.CLAIM, Action.ACCEPT, Action.POST_UPDATE, Action.REPRODUCED,
    Action.CANNOT_REPRODUCE, Action.SET_ETA, Action.NEEDS_INFO, Action.RESOLVE, Action.VERIFY,
    Action.REOPEN, Action.ESCALATE_LEVEL, Action.CHANGE_SEVERITY, Action.REASSIGN,
    Action.SET_IC, Action.MERGE, Action.CANCEL, Action.CLOSE, Action.EXPORT,
)
# Offered elsewhere than on the packet: in DMs (Answer, Accept/Decline handoff) and privately
# to the owner (Rate the handoff).
PERSONAL: frozenset[Action] = frozenset({
    Action.ANSWER_INFO, Action.ACCEPT_HANDOFF, Action.DECLINE_HANDOFF, Action.RATE_HANDOFF,
    Action.CUSTOMER_TOLD,
})


def target_state(action: Action, current: State, return_state: State | None = None) -> State:
    """The state after ``action`` from ``current`` (unchanged for most actions)."""
    if action is Action.ANSWER_INFO:
        return return_state or State.ACCEPTED
    return TARGET.get(action, current)


def available(state: State) -> tuple[Action, ...]:
    """Actions the packet offers in ``state`` (everyone sees them; roles are checked on click)."""
    return tuple(a for a in PACKET_ORDER if state in ALLOWED_FROM[a])


# ---------------------------------------------------------------- who may act

WHO: Mapping[Action, frozenset[Role]] = {
    Action.CLAIM: frozenset({Role.SPECIALIST}),
    Action.ACCEPT: frozenset({Role.OWNER}),
    Action.POST_UPDATE: frozenset({Role.OWNER}),
    Action.NEEDS_INFO: frozenset({Role.OWNER}),
    Action.ANSWER_INFO: frozenset({Role.REQUESTER, Role.CASE_OWNER}),
    Action.REPRODUCED: frozenset({Role.OWNER}),
    Action.CANNOT_REPRODUCE: frozenset({Role.OWNER}),
    Action.SET_ETA: frozenset({Role.OWNER}),
    Action.ESCALATE_LEVEL: frozenset({Role.OWNER, Role.REQUESTER, Role.LEAD}),
    # Raising; lowering is DOWNGRADE_WHO.
    Action.CHANGE_SEVERITY: frozenset({Role.OWNER, Role.REQUESTER, Role.INCIDENT_COMMANDER,
                                       Role.LEAD}),
    Action.SET_IC: frozenset({Role.OWNER, Role.LEAD}),
    Action.REASSIGN: frozenset({Role.OWNER, Role.LEAD}),
    Action.ACCEPT_HANDOFF: frozenset({Role.HANDOFF_TARGET}),
    Action.DECLINE_HANDOFF: frozenset({Role.HANDOFF_TARGET}),
    Action.RESOLVE: frozenset({Role.OWNER}),
    Action.VERIFY: frozenset({Role.REQUESTER, Role.CASE_OWNER}),
    # Within the reopen window; after it, REOPEN_LATE_WHO.
    Action.REOPEN: frozenset({Role.REQUESTER, Role.OWNER, Role.LEAD}),
    Action.CANCEL: frozenset({Role.LEAD}),
    Action.CLOSE: frozenset({Role.LEAD}),
    Action.MERGE: frozenset({Role.OWNER, Role.LEAD}),
    Action.RATE_HANDOFF: frozenset({Role.OWNER}),
    Action.EXPORT: frozenset({Role.ANYONE}),
    # Support owes the customer the updates (seed 001 §2): the requester or the case owner.
    Action.CUSTOMER_TOLD: frozenset({Role.REQUESTER, Role.CASE_OWNER}),
}
DOWNGRADE_WHO: frozenset[Role] = frozenset({Role.LEAD})
REOPEN_LATE_WHO: frozenset[Role] = frozenset({Role.LEAD})


# ---------------------------------------------------------------- the question


class RefusalReason(StrEnum):
    STATE = "state"            # not possible in the current state
    ROLE = "role"              # possible, but not for this user
    PRECONDITION = "precondition"  # e.g. no pending handoff, already rated, same severity
    CONFLICT = "conflict"      # someone else changed it between read and write


@dataclass(frozen=True)
class Refusal:
    reason: RefusalReason
    text: str  # mrkdwn, for an ephemeral message or a modal error; no user text inside


@dataclass(frozen=True)
class Situation:
    """The facts about one escalation that the rules read (a projection of the stored row)."""

    public_id: str
    state: State
    people: People
    severity: Severity
    level: Level
    return_state: State | None = None
    open_question: bool = False
    rated: bool = False
    # When it was resolved or closed (the reopen window runs from the later of the two).
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    merged_into: int | None = None


def possible_now_text(state: State) -> str:
    offered = [a.label for a in available(state) if a is not Action.EXPORT]
    if not offered:
        return "Nothing more can happen to it (Export still works)."
    return "Possible now: " + ", ".join(offered) + "."


def state_refusal(action: Action, sit: Situation) -> Refusal:
    if sit.state is State.MERGED and sit.merged_into is not None:
        why = f"{sit.public_id} was merged into ESC-{sit.merged_into}; act on that one."
        return Refusal(RefusalReason.STATE, why)
    label = sit.state.label.lower()
    text = (f"{sit.public_id} is {label}, so you cannot {action.verb} it now. "
            f"{possible_now_text(sit.state)}")
    if action is Action.RESOLVE and sit.state in (State.CLAIMED, State.REOPENED):
        text = (f"{sit.public_id} is {label}: the owner accepts it first (*Accept*), then "
                "resolves it.")
    elif action is Action.ACCEPT and sit.state in WORKING:
        text = f"{sit.public_id} is accepted already ({label})."
    elif action is Action.CLAIM and sit.people.owner is not None:
        text = f"{sit.public_id} is already claimed by <@{sit.people.owner}>."
    return Refusal(RefusalReason.STATE, text)


def role_refusal(action: Action, roles: frozenset[Role], sit: Situation,
                 what: str | None = None) -> Refusal:
    doing = what or f"{action.verb} {sit.public_id}"
    return Refusal(RefusalReason.ROLE, f"Only {who_text(roles, sit.people)} can {doing}.")


def reopen_window_open(sit: Situation, now: datetime, window: timedelta) -> bool:
    ended = max((t for t in (sit.resolved_at, sit.closed_at) if t is not None),
                default=None, key=utc)
    return ended is None or utc(now) - utc(ended) <= window


def refusal(action: Action, sit: Situation, *, user: str, now: datetime,
            reopen_window: timedelta = timedelta(days=7),
            new_severity: Severity | None = None) -> Refusal | None:
    """Why ``user`` may not take ``action`` now, or None when they may.

    ``new_severity`` is the severity asked for (CHANGE_SEVERITY): lowering it is for leads.
    Input-dependent rules (a reason is required, the target level is sequential …) are in
    :mod:`core.forms`; this answers only "may this person do this, in this state?".
    """
    if sit.state not in ALLOWED_FROM[action]:
        return state_refusal(action, sit)
    roles = sit.people.roles_of(user)
    allowed = WHO[action]
    what: str | None = None
    if action is Action.CHANGE_SEVERITY and new_severity is not None \
            and new_severity.rank > sit.severity.rank:
        allowed = DOWNGRADE_WHO
        what = f"lower the severity of {sit.public_id}"
    if action is Action.REOPEN and not reopen_window_open(sit, now, reopen_window):
        allowed = REOPEN_LATE_WHO
        days = reopen_window.days or 1
        what = f"reopen {sit.public_id} after the {days}-day reopen window"
    if action in (Action.ACCEPT_HANDOFF, Action.DECLINE_HANDOFF) \
            and sit.people.handoff_to is None:
        return Refusal(RefusalReason.PRECONDITION,
                       f"No handoff of {sit.public_id} is pending (it was accepted, declined or "
                       "replaced).")
    if not roles & allowed:
        return role_refusal(action, allowed, sit, what)
    return _precondition(action, sit, user=user, new_severity=new_severity)


def _precondition(action: Action, sit: Situation, *, user: str,
                  new_severity: Severity | None) -> Refusal | None:
    def no(text: str) -> Refusal:
        return Refusal(RefusalReason.PRECONDITION, text)

    if action is Action.CLAIM and sit.people.owner is not None:
        if sit.people.owner == user:
            return no(f"You already own {sit.public_id}.")
        return no(f"{sit.public_id} is already claimed by <@{sit.people.owner}>.")
    if action is Action.CHANGE_SEVERITY and new_severity is sit.severity:
        return no(f"{sit.public_id} is {sit.severity.value} already.")
    if action is Action.ESCALATE_LEVEL and sit.level >= Level.L4:
        return no(f"{sit.public_id} is at {Level.L4.label}, the top of the ladder. For contract "
                  "or PR risk, escalate with *Notify leadership* ticked: L5 Leadership is "
                  "notified, never the owner.")
    if action is Action.RATE_HANDOFF and sit.rated:
        return no(f"The handoff of {sit.public_id} is rated already — thank you.")
    if action is Action.ANSWER_INFO and not sit.open_question:
        return no(f"No question is open on {sit.public_id}.")
    return None


def conflict_text(public_id: str, *, actor: str, action_label: str, at: datetime,
                  state: State) -> str:
    """What the loser of a race is told: the other change, who made it, and where it stands."""
    return (f"Not applied: <@{actor}> {action_label} {public_id} at {fmt_utc(at)}, just before "
            f"you. It is {state.label.lower()} now. {possible_now_text(state)}")
