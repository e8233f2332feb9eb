"""The shape every feedback-loop command shares: read, check in the core, store once, deliver.

1. A request already applied (same ``request_key``: a Slack retry) answers "done already".
2. Read the escalation (no lock) and who is who (user groups through the Slack port's cache).
3. Ask :func:`core.workflow.refusal`; a refusal is told to the user, nothing is written.
4. The action's ``decide`` validates the input (inline errors) and builds a :class:`Change`.
5. :func:`commands.change.store_change` stores it behind a version compare-and-set; a lost
   race is told what happened instead. 6. The leased outbox items are delivered at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from commands.change import Change, Stored, store_change
from commands.context import Context
from commands.deliver import run_leased
from commands.escalate import load
from core.model import Domain, Escalation, Level, Severity, State, public_id
from core.roles import People
from core.workflow import Action, Refusal, Situation, conflict_text, refusal
from storage import loop as data
from storage import repository as repo
from storage.tables import EscalationRow


@dataclass(frozen=True)
class Outcome:
    """What a command tells the person who acted (an ephemeral, or modal errors)."""

    ok: bool
    # mrkdwn for an ephemeral message; never contains the user's own text unescaped.
    text: str
    # Field errors (keys of core.forms) when the input was refused: show them inline.
    errors: Mapping[str, str] = field(default_factory=dict)
    # The escalation's state after the command (or now, when refused).
    state: State | None = None
    # Lost a race: someone changed the escalation first (``text`` says what happened).
    conflict: bool = False
    # A retried request that was applied before: nothing changed this time.
    duplicate: bool = False
    escalation_id: int | None = None
    # With ``deliver=False`` the command stored everything but sent nothing yet: call this
    # after acking Slack (a no-op otherwise; what it misses, the outbox sweep sends).
    deliver: Callable[[], None] = field(default=lambda: None, compare=False, repr=False)


@dataclass(frozen=True)
class Snapshot:
    """What a decision reads: the stored row, its core view, who is who, the situation."""

    row: EscalationRow
    esc: Escalation
    people: People
    situation: Situation

    @property
    def version(self) -> int:
        return self.row.version


# decide() returns field errors, a refusal, or the changes to store (the first is the
# escalation acted on; more for a merge's survivor).
Decision = Mapping[str, str] | Refusal | list[Change]


def domain_of(ctx: Context, row: EscalationRow) -> Domain:
    return ctx.domains.get(row.domain_key) or Domain(row.domain_key, row.domain_key,
                                                     row.channel_id)


def expand(ctx: Context, ids: tuple[str, ...] | list[str]) -> frozenset[str]:
    """User ids, with user group ids (S…) replaced by their members (cached lookups)."""
    users: set[str] = set()
    for item in ids:
        if item.startswith("S"):
            users |= ctx.slack.group_members(item) or frozenset()
        else:
            users.add(item)
    return frozenset(users)


def people_of(ctx: Context, row: EscalationRow, esc: Escalation) -> People:
    domain = domain_of(ctx, row)
    lead_ids = [*ctx.leads, *domain.leads]
    specialists = ctx.slack.group_members(domain.specialists) if domain.specialists else None
    return People(
        requester=row.requester_id,
        case_owner=row.case_owner_id,
        owner=row.owner_id,
        incident_commander=esc.progress.incident_commander,
        handoff_to=row.handoff_to,
        leads=expand(ctx, lead_ids),
        specialists=specialists,
        specialists_group=domain.specialists,
        leads_groups=tuple(i for i in lead_ids if i.startswith("S")),
    )


def situation_of(row: EscalationRow, people: People, *, rated: bool) -> Situation:
    return Situation(
        public_id=public_id(row.id or 0), state=State(row.state), people=people,
        severity=Severity(row.severity), level=Level(row.target_level),
        return_state=State(row.return_state) if row.return_state else None,
        open_question=row.state == State.NEEDS_INFO.value, rated=rated,
        resolved_at=row.resolved_at, closed_at=row.closed_at, merged_into=row.merged_into)


def snapshot(ctx: Context, escalation_id: int) -> Snapshot | None:
    with ctx.db.read() as session:
        row = repo.get_escalation(session, escalation_id=escalation_id)
        rated = data.rating(session, escalation_id=escalation_id) is not None
    if row is None:
        return None
    esc = load(ctx, escalation_id)
    assert esc is not None
    people = people_of(ctx, row, esc)
    return Snapshot(row=row, esc=esc, people=people,
                    situation=situation_of(row, people, rated=rated))


def missing(escalation_id: int) -> Outcome:
    return Outcome(False, f"{public_id(escalation_id)} does not exist.")


def run(ctx: Context, *, escalation_id: int, user: str, action: Action,
        request_key: str | None, decide: Callable[[Snapshot, datetime], Decision],
        done: Callable[[Snapshot, Stored], str], new_severity: Severity | None = None,
        deliver: bool = True) -> Outcome:
    """Run one action end to end (see the module docstring)."""
    if request_key is not None:
        with ctx.db.read() as session:
            seen = data.event_by_request_key(session, key=request_key)
        if seen is not None:
            return Outcome(True, f"Done already ({public_id(escalation_id)}).", duplicate=True,
                           escalation_id=escalation_id)
    snap = snapshot(ctx, escalation_id)
    if snap is None:
        return missing(escalation_id)
    now = ctx.now()
    refused = refusal(action, snap.situation, user=user, now=now,
                      reopen_window=ctx.policy.reopen_window, new_severity=new_severity)
    if refused is not None:
        return Outcome(False, refused.text, state=snap.situation.state,
                       escalation_id=escalation_id)
    decision = decide(snap, now)
    if isinstance(decision, Refusal):
        return Outcome(False, decision.text, state=snap.situation.state,
                       escalation_id=escalation_id)
    if not isinstance(decision, list):
        return Outcome(False, "Please correct the highlighted fields.", errors=dict(decision),
                       state=snap.situation.state, escalation_id=escalation_id)
    for change in decision:
        change.request_key = change.request_key if change is not decision[0] else request_key
    stored: list[Stored] = []
    with ctx.db.transaction() as session:
        for change in decision:
            result = store_change(session, change, now=now, policy=ctx.policy,
                                  worker=ctx.worker, lease=ctx.lease)
            if result is None:
                session.rollback()
                return lost_race(ctx, escalation_id, request_key)
            stored.append(result)
    first = stored[0]
    if deliver:
        deliver_now(ctx, stored)
        return Outcome(True, done(snap, first), state=State(first.row.state),
                       escalation_id=escalation_id)
    return Outcome(True, done(snap, first), state=State(first.row.state),
                   escalation_id=escalation_id, deliver=lambda: deliver_now(ctx, stored))


def deliver_now(ctx: Context, stored: list[Stored]) -> None:
    """Send what the stored changes owe, right away (failures are retried by the sweep)."""
    for item in stored:
        esc = load(ctx, item.change.escalation_id)
        for outbox in item.leased:
            run_leased(ctx, outbox, esc)


def lost_race(ctx: Context, escalation_id: int, request_key: str | None) -> Outcome:
    """Someone changed the escalation between our read and our write: say who and what."""
    with ctx.db.read() as session:
        if request_key is not None and data.event_by_request_key(session, key=request_key):
            return Outcome(True, f"Done already ({public_id(escalation_id)}).",
                           duplicate=True, escalation_id=escalation_id)
        row = repo.get_escalation(session, escalation_id=escalation_id)
        last = data.last_event(session, escalation_id=escalation_id)
    assert row is not None
    state = State(row.state)
    if last is None:
        text = f"{public_id(escalation_id)} changed just before you; try again."
    else:
        from core.timeline import entry

        line = entry(data.to_event(last))
        text = conflict_text(public_id(escalation_id), actor=last.actor,
                             action_label=_did(line.kind), at=last.at, state=state)
    return Outcome(False, text, state=state, conflict=True, escalation_id=escalation_id)


def _did(kind: str) -> str:
    return {
        "claimed": "claimed", "accepted": "accepted", "update_posted": "posted an update on",
        "info_requested": "asked for info on", "info_answered": "answered the question on",
        "reproduced": "marked as reproduced", "cannot_reproduce": "marked as cannot-reproduce",
        "eta_set": "set the fix ETA of", "level_changed": "changed the level of",
        "severity_changed": "changed the severity of", "ic_set": "set the IC of",
        "handoff_requested": "started a handoff of", "handoff_accepted": "took over",
        "handoff_declined": "declined the handoff of", "resolved": "resolved",
        "verified": "verified", "reopened": "reopened", "cancelled": "cancelled",
        "closed": "closed", "merged": "merged", "merged_in": "merged a duplicate into",
        "handoff_rated": "rated the handoff of",
    }.get(kind, "changed")
