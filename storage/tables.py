"""The database tables (SQLModel, ``table=True``).

Roles: every class here is a *table row*. Rows are built by the data functions in
:mod:`storage.repository` from core objects that were validated already, so they carry no
validation of their own. Timestamps are :class:`UTCDateTime`: stored in UTC, read back aware.

No ``from __future__ import annotations`` here: SQLModel needs real annotations at runtime.
"""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite has no time zones)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store UTC-aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(nullable: bool = False, **kw: Any) -> Any:
    return Field(sa_column=sa.Column(UTCDateTime(), nullable=nullable, **kw))


class EscalationRow(SQLModel, table=True):
    """One escalation: the routing facts, the level decision, delivery and ownership."""

    __tablename__ = "escalation"
    # The reports count escalations by when they were opened, posted, claimed and resolved.
    __table_args__ = (sa.Index("ix_escalation_created_at", "created_at"),
                      sa.Index("ix_escalation_claimed_at", "claimed_at"),
                      sa.Index("ix_escalation_posted_at", "posted_at"),
                      sa.Index("ix_escalation_resolved_at", "resolved_at"))

    id: int | None = Field(default=None, primary_key=True)
    # The modal's root view id: a retried final submission finds the same row.
    idempotency_key: str = Field(max_length=255, unique=True)
    state: str = Field(max_length=32, index=True)
    severity: str = Field(max_length=8)
    domain_key: str = Field(max_length=64, index=True)
    channel_id: str = Field(max_length=32)
    problem: str = Field(max_length=3000)
    requester_id: str = Field(max_length=32, index=True)
    case_owner_id: str | None = Field(default=None, max_length=32)
    customer: str = Field(max_length=300)
    tier: str = Field(max_length=32)
    affected_users: int
    target_level: int
    leadership_notified: bool = False
    level_reason: str = Field(max_length=1000)
    first_reported_at: datetime | None = _ts(nullable=True)
    created_at: datetime = _ts()
    posted_at: datetime | None = _ts(nullable=True)
    message_ts: str | None = Field(default=None, max_length=32)
    permalink: str | None = Field(default=None, max_length=500)
    owner_id: str | None = Field(default=None, max_length=32, index=True)
    claimed_at: datetime | None = _ts(nullable=True)
    version: int = 0
    # The feedback loop (migration 0002). Severity and level above are the *current* ones.
    incident_commander_id: str | None = Field(default=None, max_length=32)
    accepted_at: datetime | None = _ts(nullable=True)
    last_update_at: datetime | None = _ts(nullable=True)
    last_update_by: str | None = Field(default=None, max_length=32)
    # The time promised in the last update ("when you'll hear from us again").
    promised_update_at: datetime | None = _ts(nullable=True)
    # Computed by core.progress.next_update_due at every change (timers query it).
    next_update_due: datetime | None = _ts(nullable=True, index=True)
    fix_eta: datetime | None = _ts(nullable=True)
    handoff_to: str | None = Field(default=None, max_length=32, index=True)
    return_state: str | None = Field(default=None, max_length=32)
    info_bounces: int = 0
    updates_count: int = 0
    resolved_at: datetime | None = _ts(nullable=True)
    closed_at: datetime | None = _ts(nullable=True)
    verified_at: datetime | None = _ts(nullable=True)
    merged_into: int | None = None  # the survivor's id (see the merge table)


class ChecklistAnswerRow(SQLModel, table=True):
    """One checklist item's answer, as the agent submitted it (text; see core.codec)."""

    __tablename__ = "checklist_answer"

    escalation_id: int = Field(foreign_key="escalation.id", primary_key=True)
    field: str = Field(max_length=64, primary_key=True)
    value: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))


class AuditEventRow(SQLModel, table=True):
    """Who did what to which escalation, when (UTC). Append-only."""

    __tablename__ = "audit_event"
    # The reports count events of a kind in a period (covering the escalation id).
    __table_args__ = (sa.Index("ix_audit_event_kind_at", "kind", "at", "escalation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int | None = Field(default=None, foreign_key="escalation.id", index=True)
    at: datetime = _ts()
    actor: str = Field(max_length=64)
    kind: str = Field(max_length=64, index=True)
    detail: str = Field(default="{}", sa_column=sa.Column(sa.Text(), nullable=False))
    from_state: str | None = Field(default=None, max_length=32)
    to_state: str | None = Field(default=None, max_length=32)
    # The Slack request that caused it (trigger/action id): a retried request is recognised.
    request_key: str | None = Field(default=None, max_length=255, unique=True, index=True)


class DraftRow(SQLModel, table=True):
    """The answers of a modal in progress, so Back and re-opening keep what was typed."""

    __tablename__ = "draft"

    key: str = Field(primary_key=True, max_length=255)
    user_id: str = Field(max_length=32, index=True)
    answers: str = Field(default="{}", sa_column=sa.Column(sa.Text(), nullable=False))
    step: str = Field(max_length=32)
    channel_id: str | None = Field(default=None, max_length=32)
    updated_at: datetime = _ts()


class OutboxRow(SQLModel, table=True):
    """A Slack delivery owed: written with the state change, retried until it lands.

    A worker leases a row (compare-and-set on ``lease_until``) before calling Slack, so two
    replicas never send the same item at once. ``in_flight`` stays true when an attempt's
    outcome is unknown (crash, timeout, 5xx), telling the next attempt to look before posting.
    """

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    kind: str = Field(max_length=32)
    dedupe_key: str = Field(max_length=255, unique=True)
    # What the item needs beyond the escalation (JSON), e.g. {"event": 12}.
    payload: str | None = Field(default=None, sa_column=sa.Column(sa.Text()))
    status: str = Field(default="pending", max_length=16, index=True)
    attempts: int = 0
    next_attempt_at: datetime = _ts()
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = _ts(nullable=True)
    in_flight: bool = False
    last_error: str | None = Field(default=None, max_length=1000)
    created_at: datetime = _ts()
    done_at: datetime | None = _ts(nullable=True)


class InboundDeliveryRow(SQLModel, table=True):
    """Slack deliveries already handled (trigger ids, action ids): retries are dropped."""

    __tablename__ = "inbound_delivery"

    key: str = Field(primary_key=True, max_length=255)
    seen_at: datetime = _ts()


class DeadlineRow(SQLModel, table=True):
    """One clock's next due time (core.timers): written with the state change that moves it.

    ``key`` names the clock: ``esc:42:update`` for an escalation's clock, ``cal:weekly_digest``
    for a calendar deadline (no escalation). ``basis`` says what started the clock (a new basis
    starts the ladder at stage 0), ``stage`` is the next rung to fire, ``due_at`` when (NULL:
    nothing pending). A sweep leases due rows (``lease_owner``/``lease_until``) and finishes
    them only if ``generation`` is unchanged — a re-plan bumps it, fencing off a stale sweep.
    """

    __tablename__ = "deadline"
    __table_args__ = (sa.Index("ix_deadline_due", "due_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=128, unique=True)
    escalation_id: int | None = Field(default=None, foreign_key="escalation.id", index=True)
    kind: str = Field(max_length=64)
    basis: str = Field(max_length=128)
    stage: int = 0
    due_at: datetime | None = _ts(nullable=True)
    generation: int = 0
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = _ts(nullable=True)
    attempts: int = 0
    sent_at: datetime | None = _ts(nullable=True)
    outcome: str | None = Field(default=None, max_length=32)
    updated_at: datetime = _ts()


class NudgeRow(SQLModel, table=True):
    """The nudge ledger: every reminder the timers sent — what, when, to whom, where — and
    whether it was acted on (the next claim, accept or update after it)."""

    __tablename__ = "nudge"
    __table_args__ = (sa.UniqueConstraint("escalation_id", "kind", "basis", "stage",
                                          name="uq_nudge_due"),
                      # The reports: missed updates by due time, reminders sent in a period.
                      sa.Index("ix_nudge_kind_due", "kind", "due_at"),
                      sa.Index("ix_nudge_at", "at"))

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int | None = Field(default=None, foreign_key="escalation.id", index=True)
    kind: str = Field(max_length=64)
    basis: str = Field(max_length=128)
    stage: int
    action: str = Field(max_length=64)
    due_at: datetime = _ts()
    at: datetime = _ts()
    # Who was told and through which channel: "thread", "dm", "none" (nobody to tell).
    audience: str = Field(max_length=32)
    recipients: str = Field(default="", max_length=1000)
    superseded: int = 0
    detail: str = Field(default="{}", sa_column=sa.Column(sa.Text(), nullable=False))
    acted_at: datetime | None = _ts(nullable=True)
    acted_by: str | None = Field(default=None, max_length=32)
    cancelled: bool = False


class EscalationTimerRow(SQLModel, table=True):
    """Timer facts that are not the escalation's own state: the snooze, the RCA link, when it
    (re)entered the queue."""

    __tablename__ = "escalation_timer"

    escalation_id: int = Field(foreign_key="escalation.id", primary_key=True)
    unclaimed_since: datetime | None = _ts(nullable=True)
    # Why it is back in the queue ("not accepted within 30 min"), shown on the packet.
    queue_note: str | None = Field(default=None, max_length=200)
    snoozed_until: datetime | None = _ts(nullable=True)
    snoozed_by: str | None = Field(default=None, max_length=32)
    snooze_reason: str | None = Field(default=None, max_length=300)
    snooze_severity: str | None = Field(default=None, max_length=8)
    rca_url: str | None = Field(default=None, max_length=500)
    rca_at: datetime | None = _ts(nullable=True)
    rca_by: str | None = Field(default=None, max_length=32)
# ---------------------------------------------------------------- the feedback loop (0002)


class StatusUpdateRow(SQLModel, table=True):
    """A status update: seed 001 §3's five answers (the customer draft is built from them)."""

    __tablename__ = "status_update"

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    at: datetime = _ts()
    author: str = Field(max_length=32)
    known: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    unknown: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    next_steps: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    next_update_at: datetime | None = _ts(nullable=True)
    customer_action: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    internal_note: str | None = Field(default=None, sa_column=sa.Column(sa.Text()))


class InfoRequestRow(SQLModel, table=True):
    """Needs info: the owner's question, the state to return to, and the answer (a bounce)."""

    __tablename__ = "info_request"

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    asked_at: datetime = _ts()
    asked_by: str = Field(max_length=32)
    question: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    return_state: str = Field(max_length=32)
    answered_at: datetime | None = _ts(nullable=True)
    answered_by: str | None = Field(default=None, max_length=32)
    answer: str | None = Field(default=None, sa_column=sa.Column(sa.Text()))


class ReproductionRow(SQLModel, table=True):
    """Reproduction validation: reproduced or not, the notes and the environment used."""

    __tablename__ = "reproduction"

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    at: datetime = _ts()
    by: str = Field(max_length=32)
    reproduced: bool
    notes: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    environment: str = Field(max_length=300)


class FixEtaRow(SQLModel, table=True):
    """Every fix ETA ever set (a change carries its reason)."""

    __tablename__ = "fix_eta"

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    eta: datetime = _ts()
    set_at: datetime = _ts()
    set_by: str = Field(max_length=32)
    reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text()))


class HandoffRow(SQLModel, table=True):
    """A reassignment: pending until the named person accepts or declines it."""

    __tablename__ = "handoff"

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    from_user: str | None = Field(default=None, max_length=32)
    to_user: str = Field(max_length=32, index=True)
    note: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    requested_at: datetime = _ts()
    requested_by: str = Field(max_length=32)
    # pending | accepted | declined | replaced | cancelled
    status: str = Field(default="pending", max_length=16, index=True)
    decided_at: datetime | None = _ts(nullable=True)
    reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text()))


class ResolutionRow(SQLModel, table=True):
    """A structured resolution (the reports aggregate it). A reopened case may get another."""

    __tablename__ = "resolution"

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    at: datetime = _ts()
    by: str = Field(max_length=32)
    category: str = Field(max_length=32, index=True)
    root_cause: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    fix_version: str | None = Field(default=None, max_length=150)
    validation_notes: str | None = Field(default=None, sa_column=sa.Column(sa.Text()))
    l1_takeaway: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    kb_warranted: bool = False


class HandoffRatingRow(SQLModel, table=True):
    """Seed 002's measure, once per escalation: did the handoff tell the owner their first move?"""

    __tablename__ = "handoff_rating"

    escalation_id: int = Field(foreign_key="escalation.id", primary_key=True)
    user_id: str = Field(max_length=32)
    rating: str = Field(max_length=16)
    at: datetime = _ts()


class MergeRow(SQLModel, table=True):
    """A duplicate merged into a survivor (one survivor per duplicate)."""

    __tablename__ = "merge"

    duplicate_id: int = Field(foreign_key="escalation.id", primary_key=True)
    survivor_id: int = Field(foreign_key="escalation.id", index=True)
    at: datetime = _ts()
    by: str = Field(max_length=32)


class DigestPostRow(SQLModel, table=True):
    """A weekly digest owed to a channel: written once per occurrence, delivered like the outbox.

    The calendar deadline writes the row (its key names scope and occurrence, so a second
    replica or a retried sweep writes nothing new); delivery leases it, posts the message,
    then the chart and the Markdown report, recording each step so a retry repeats none.
    """

    __tablename__ = "digest_post"

    key: str = Field(primary_key=True, max_length=128)
    scope: str = Field(max_length=64)
    channel: str = Field(max_length=32)
    due_at: datetime = _ts()
    period_start: datetime = _ts()
    period_end: datetime = _ts()
    status: str = Field(default="pending", max_length=16, index=True)
    attempts: int = 0
    next_attempt_at: datetime = _ts()
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = _ts(nullable=True)
    # True while an attempt's message post has an unknown outcome: look before posting again.
    in_flight: bool = False
    message_ts: str | None = Field(default=None, max_length=32)
    late_note: str | None = Field(default=None, max_length=300)
    chart_done: bool = False
    report_done: bool = False
    last_error: str | None = Field(default=None, max_length=1000)
    created_at: datetime = _ts()
    posted_at: datetime | None = _ts(nullable=True)


class ThreadSourceRow(SQLModel, table=True):
    """The Slack thread a modal was drafted from: where each drafted item came from.

    Keyed like the draft (the modal's root view id), which is also the escalation's
    ``idempotency_key`` once it is stored, so the packet finds its thread and sources.
    """

    __tablename__ = "thread_source"

    key: str = Field(primary_key=True, max_length=255)
    channel_id: str = Field(max_length=32)
    thread_ts: str = Field(max_length=32)
    permalink: str | None = Field(default=None, max_length=500)
    message_count: int = Field(default=0)
    drafter: str = Field(default="rules", max_length=32)
    # {checklist field: [message ts, ...]}
    sources: str = Field(default="{}", sa_column=sa.Column(sa.Text(), nullable=False))
    created_at: datetime = _ts()


class WorkerRow(SQLModel, table=True):
    """A running bot process and its heartbeat; ``owner`` is what its leases carry.

    ``identity`` is stable across restarts (host and configured name); ``boot_id`` is new at
    every start, so a restarted process can tell its previous incarnation's leases apart.
    """

    __tablename__ = "worker"

    owner: str = Field(primary_key=True, max_length=64)
    identity: str = Field(max_length=48, index=True)
    boot_id: str = Field(max_length=16)
    pid: int
    started_at: datetime = _ts()
    beat_at: datetime = _ts()


class InstallationRow(SQLModel, table=True):
    """One row: this installation's own key, marking its packets in Slack's message metadata
    so that a second installation posting into the same channel is never taken for us."""

    __tablename__ = "installation"

    id: int = Field(primary_key=True)
    key: str = Field(max_length=32)
    created_at: datetime = _ts()


class KbArticleRow(SQLModel, table=True):
    """A knowledge-base article drafted from resolved escalations; approved ones are exported."""

    __tablename__ = "kb_article"

    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(default="draft", max_length=16, index=True)
    title: str = Field(max_length=200)
    symptoms: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    applies_to: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    cause: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    resolution: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    before_escalating: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    domain: str = Field(max_length=64)
    tags: str = Field(default="", max_length=300)  # comma-separated
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    decided_by: str | None = Field(default=None, max_length=32)
    decided_at: datetime | None = _ts(nullable=True)
    version: int = 0


class KbSourceRow(SQLModel, table=True):
    """Which escalations an article came from (kept with the approved article)."""

    __tablename__ = "kb_source"

    article_id: int = Field(foreign_key="kb_article.id", primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", primary_key=True, index=True)
class JiraIssueRow(SQLModel, table=True):
    """The Jira issue an escalation is linked to (one per escalation), as last seen.

    ``status`` … ``fix_versions`` are Jira's side as the bot last read it (webhook or poll);
    a change against them is what moves the escalation. ``synced_at`` is when that was.
    """

    __tablename__ = "jira_issue"

    escalation_id: int = Field(foreign_key="escalation.id", primary_key=True)
    issue_key: str = Field(max_length=64, unique=True)
    issue_id: str | None = Field(default=None, max_length=32)
    url: str = Field(max_length=500)
    origin: str = Field(max_length=16)  # created | linked
    linked_by: str = Field(max_length=64)
    linked_at: datetime = _ts()
    status: str | None = Field(default=None, max_length=64)
    status_category: str | None = Field(default=None, max_length=32)
    assignee: str | None = Field(default=None, max_length=255)
    fix_versions: str | None = Field(default=None, max_length=500)
    synced_at: datetime | None = _ts(nullable=True, index=True)
    sync_error: str | None = Field(default=None, max_length=500)
    # Audit events up to this id were considered for Jira comments (owner, ETA, severity …).
    comment_cursor: int = 0
