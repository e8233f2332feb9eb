"""THE place where every state change of an escalation is stored.

:func:`store_change` writes, in the caller's transaction: the escalation's new values behind a
version compare-and-set, the recomputed "next update due", the audit event (actor, kind,
from-state, to-state, details, UTC, request key) and the outbox items the change owes Slack
(born leased to this worker, so the command delivers them right after the commit). It
returns None when the version moved since the decision was made: the caller lost a race and
tells the user what happened instead.

Hooks: :data:`AFTER_CHANGE` callables run at the end of :func:`store_change`, inside the same
transaction, with the stored change — the place for deadline re-planning (timers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from core.model import State
from core.policy import Policy
from core.progress import next_update_due
from storage import loop as data
from storage import repository as repo
from storage.tables import EscalationRow, OutboxRow


@dataclass(frozen=True)
class Owed:
    """An outbox item a change owes. ``payload`` gets ``{"event": <audit event id>}`` added.

    The dedupe key is ``kind:escalation:event`` (once per stored change: retries of the
    delivery or of the command never repeat it), or ``kind:escalation:<once>`` when ``once``
    is set (once per escalation, e.g. the handoff-rating question).
    """

    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    once: str | None = None


@dataclass
class Change:
    """One decided change of one escalation (commands build it from core decisions)."""

    escalation_id: int
    version: int                      # the version the decision was made on
    actor: str
    kind: str                         # the audit kind (core.timeline.AUDIT_KIND)
    from_state: State
    to_state: State
    values: dict[str, Any] = field(default_factory=dict)   # escalation columns to set
    details: dict[str, Any] = field(default_factory=dict)  # audit details (JSON)
    owe: list[Owed] = field(default_factory=list)
    request_key: str | None = None
    thread_line: bool = True          # owe a timeline line in the packet's thread
    update_packet: bool = True        # owe a packet update
    # Rows of the action's own tables (status update, resolution …), written in the same
    # transaction before the audit event; returns extra audit details (e.g. {"update_id": 4}).
    write: Callable[[Session], dict[str, Any]] | None = None


@dataclass(frozen=True)
class Stored:
    change: Change
    event_id: int
    row: EscalationRow
    leased: tuple[OutboxRow, ...]


def replan_timers(session: Session, stored: Stored, now: datetime, policy: Policy) -> None:
    """The timers' clocks follow every stored change (issue 6): re-plan the escalation's
    deadlines and mark the nudges this act answers (claim, accept, update, answer)."""
    from commands.nudges import mark_acted
    from commands.planning import replan

    escalation_id = stored.change.escalation_id
    replan(session, escalation_id=escalation_id, settings=policy.timers, now=now)
    act = {"update_posted": "status_update"}.get(stored.change.kind, stored.change.kind)
    mark_acted(session, escalation_id=escalation_id, act_kind=act, at=now,
               by=stored.change.actor)


def draft_kb_article(session: Session, stored: Stored, now: datetime, policy: Policy) -> None:
    """A resolution that calls for a knowledge-base article drafts it (issue 7)."""
    from commands.kb import draft_on_resolve

    draft_on_resolve(session, stored, now, policy)


def index_resolved(session: Session, stored: Stored, now: datetime, policy: Policy) -> None:
    """A resolved escalation becomes searchable for deflection at intake (issue 7 §3)."""
    if stored.change.kind == "resolved":
        from storage.similar import index_escalation

        index_escalation(session, escalation_id=stored.change.escalation_id, now=now)


AFTER_CHANGE: list[Callable[[Session, Stored, datetime, Policy], None]] = [
    replan_timers, draft_kb_article, index_resolved]


def store_change(session: Session, change: Change, *, now: datetime, policy: Policy,
                 worker: str, lease: timedelta) -> Stored | None:
    """Store ``change`` (see the module docstring); None when its version is stale."""
    values = dict(change.values)
    values["state"] = change.to_state.value
    if not data.compare_and_set(session, escalation_id=change.escalation_id,
                                version=change.version, values=values):
        return None
    row = repo.get_escalation(session, escalation_id=change.escalation_id)
    assert row is not None
    session.refresh(row)
    due = compute_next_update_due(row, policy, session=session)
    if due != row.next_update_due:
        data.set_fields(session, escalation_id=row.id or 0, values={"next_update_due": due})
        row.next_update_due = due
    details = dict(change.details)
    if change.write is not None:
        details.update(change.write(session))
    event_id = data.add_event(session, escalation_id=change.escalation_id, actor=change.actor,
                              kind=change.kind, at=now, from_state=change.from_state,
                              to_state=change.to_state, request_key=change.request_key,
                              details=details)
    owed = list(change.owe)
    if change.thread_line:
        owed.insert(0, Owed("thread_line"))
    if change.update_packet:
        owed.insert(0, Owed("update_packet"))
    leased: list[OutboxRow] = []
    for item in owed:
        suffix = item.once if item.once is not None else str(event_id)
        payload = {"event": event_id, **item.payload}
        key = f"{item.kind}:{change.escalation_id}:{suffix}"
        outbox_id = repo.enqueue(session, escalation_id=change.escalation_id, kind=item.kind,
                                 dedupe_key=key, now=now, leased_by=worker, lease_for=lease,
                                 payload=payload)
        if outbox_id is not None:
            leased.append(data.outbox_item(session, outbox_id=outbox_id))
    stored = Stored(change=change, event_id=event_id, row=row, leased=tuple(leased))
    for hook in AFTER_CHANGE:
        hook(session, stored, now, policy)
    return stored


def compute_next_update_due(row: EscalationRow, policy: Policy, *,
                            session: Session | None = None) -> datetime | None:
    """When the next status update is due: the timers' update clock once accepted (business
    hours, needs-info pauses, promises — the same due time the reminders keep); while only
    claimed, the SEV cadence from the claim; None while waiting on the requester."""
    from core.model import Severity

    if session is not None:
        from commands.planning import planned_update_due

        planned = planned_update_due(session, row, policy.timers)
        if planned is not None:
            return planned[0]
        if row.state == State.NEEDS_INFO.value:
            return None  # the clock is paused until the requester answers
    cadence = policy.for_severity(Severity(row.severity)).update_cadence
    return next_update_due(state=State(row.state), cadence=cadence,
                           last_update_at=row.last_update_at,
                           promised_at=row.promised_update_at, claimed_at=row.claimed_at)
