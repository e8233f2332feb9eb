"""The escalation's vocabulary: severities, tiers, ladder levels, states and the answers record.

Pure Python: no Slack, database or scheduler imports anywhere in ``core``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum


class Severity(StrEnum):
    """Seed 001 §2: the response model matches intensity to customer impact."""

    SEV1 = "SEV1"
    SEV2 = "SEV2"
    SEV3 = "SEV3"
    SEV4 = "SEV4"

    @property
    def meaning(self) -> str:
        return SEVERITY_MEANINGS[self]

    @property
    def rank(self) -> int:
        """1 for SEV1 (most severe) … 4 for SEV4."""
        return int(self.value[-1])


SEVERITY_MEANINGS: dict[Severity, str] = {
    Severity.SEV1: "Outage or data loss; on-call Engineering now, updates every 30–60 min",
    Severity.SEV2: "Major degradation; Tier 3 + Engineering, updates every 2–3 h",
    Severity.SEV3: "Contained issue; Support / Tier 3 owns it, updates every 24 h",
    Severity.SEV4: "Minor issue or question; standard workflow, KB update as needed",
}


class CustomerTier(StrEnum):
    STRATEGIC = "strategic"
    ENTERPRISE = "enterprise"
    BUSINESS = "business"
    STANDARD = "standard"
    FREE = "free"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Level(IntEnum):
    """Seed 001 §1: the escalation ladder."""

    L1 = 1
    L2 = 2
    L3 = 3
    L4 = 4
    L5 = 5

    @property
    def owner(self) -> str:
        return LEVEL_OWNERS[self]

    @property
    def label(self) -> str:
        return f"{self.name} {self.owner}"


LEVEL_OWNERS: dict[Level, str] = {
    Level.L1: "Tier 1",
    Level.L2: "Tier 2",
    Level.L3: "Tier 3",
    Level.L4: "Engineering",
    Level.L5: "Leadership",
}


class Signal(StrEnum):
    """Complexity signals the agent ticks; each can raise the target level."""

    DATA_LOSS = "data_loss"
    SECURITY = "security"
    CODE_CHANGE = "code_change"
    MULTIPLE_CUSTOMERS = "multiple_customers"
    CONTRACT_RISK = "contract_risk"

    @property
    def label(self) -> str:
        return SIGNAL_LABELS[self]


SIGNAL_LABELS: dict[Signal, str] = {
    Signal.DATA_LOSS: "Data loss or corruption",
    Signal.SECURITY: "Security or privacy exposure",
    Signal.CODE_CHANGE: "Needs a code change",
    Signal.MULTIPLE_CUSTOMERS: "Several customers affected",
    Signal.CONTRACT_RISK: "Contract, legal or PR risk",
}


class Environment(StrEnum):
    PRODUCTION = "production"
    STAGING = "staging"
    SANDBOX = "sandbox"
    LOCAL = "local"


class Workaround(StrEnum):
    AVAILABLE = "available"
    PARTIAL = "partial"
    NONE = "none"

    @property
    def label(self) -> str:
        return {"available": "Workaround available", "partial": "Partial workaround",
                "none": "No workaround"}[self.value]


@dataclass(frozen=True)
class Domain:
    """A technology domain and the channel its specialists watch."""

    key: str
    name: str
    channel: str
    specialists: str | None = None
    # The domain's leads: Slack user ids (U…/W…) and/or user group ids (S…), added to the
    # global ``leads:`` of the YAML.
    leads: tuple[str, ...] = ()
    # Who commands SEV1–2 incidents of this domain unless one is set on the escalation.
    incident_commander: str | None = None


@dataclass
class Answers:
    """Everything the agent typed, step by step. Unset fields are ``None``.

    This is the checklist record (seed 001 §5 and §6, seed 002's handoff template, seed 003's
    triage attributes). Validation lives in :mod:`core.checklist`.
    """

    # Step 1 — the problem and its impact
    problem: str | None = None
    background: str | None = None
    domain: str | None = None
    severity: Severity | None = None
    customer: str | None = None
    tier: CustomerTier | None = None
    affected_users: str | None = None
    first_reported_at: datetime | None = None
    signals: tuple[Signal, ...] = ()
    # Step 2 — reproduction and evidence
    repro_steps: str | None = None
    expected: str | None = None
    actual: str | None = None
    environment: Environment | None = None
    build_version: str | None = None
    feature_flags: str | None = None
    region: str | None = None
    workflow: str | None = None
    logs: str | None = None
    evidence_links: str | None = None
    # Files uploaded on the evidence step: one "name<TAB>permalink" per line.
    evidence_files: str | None = None
    # Step 3 — diagnosis and handoff
    tried: str | None = None
    blocker: str | None = None
    hypothesis: str | None = None
    asks: str | None = None
    workaround: Workaround | None = None
    deadline: str | None = None
    renewal_at_stake: bool = False
    posture: str | None = None
    linked_tickets: str | None = None
    case_owner: str | None = None

    def affected_users_count(self) -> int | None:
        text = (self.affected_users or "").replace(",", "").replace("_", "").strip()
        return int(text) if text.isdecimal() else None


@dataclass(frozen=True)
class LevelDecision:
    """Where on the ladder the escalation goes, and the one-line reason."""

    target: Level
    leadership_notified: bool
    reason: str


class State(StrEnum):
    """The escalation's lifecycle. See :mod:`core.workflow` for the actions between states.

    open → claimed → accepted → reproduced | cannot_reproduce → fix_in_progress (with an ETA)
    → resolved → closed (verified by the requester, or closed by a lead); needs_info waits on
    the requester and returns to the state it came from; reopened is claimed again by the
    previous owner; cancelled and merged (as a duplicate) end it.
    """

    OPEN = "open"
    CLAIMED = "claimed"
    ACCEPTED = "accepted"
    REPRODUCED = "reproduced"
    CANNOT_REPRODUCE = "cannot_reproduce"
    FIX_IN_PROGRESS = "fix_in_progress"
    NEEDS_INFO = "needs_info"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    CANCELLED = "cancelled"
    MERGED = "merged"

    @property
    def label(self) -> str:
        """Plain words for people: "Fix in progress", "Needs info"."""
        return STATE_LABELS[self]


STATE_LABELS: dict[State, str] = {
    State.OPEN: "Open",
    State.CLAIMED: "Claimed",
    State.ACCEPTED: "Accepted",
    State.REPRODUCED: "Reproduced",
    State.CANNOT_REPRODUCE: "Cannot reproduce",
    State.FIX_IN_PROGRESS: "Fix in progress",
    State.NEEDS_INFO: "Needs info",
    State.RESOLVED: "Resolved",
    State.CLOSED: "Closed",
    State.REOPENED: "Reopened",
    State.CANCELLED: "Cancelled",
    State.MERGED: "Merged as duplicate",
}


@dataclass(frozen=True)
class PendingHandoff:
    """A reassignment waiting for the named person's Accept handoff (ownership has not moved)."""

    to: str
    by: str
    at: datetime
    note: str


@dataclass(frozen=True)
class Progress:
    """What happened to the escalation after it was posted: the facts the packet shows.

    Loaded with the escalation (``storage.loop`` fills it); defaults describe a fresh one.
    ``next_update_due`` is computed by :func:`core.progress.next_update_due` and stored, so
    timers can query it.
    """

    version: int = 0
    incident_commander: str | None = None  # effective: set explicitly, or the domain default
    incident_commander_is_default: bool = False
    accepted_at: datetime | None = None
    last_update_at: datetime | None = None
    last_update_by: str | None = None
    next_update_due: datetime | None = None
    fix_eta: datetime | None = None
    pending_handoff: PendingHandoff | None = None
    # needs_info: the open question and the state the answer returns to.
    open_question: str | None = None
    return_state: State | None = None
    info_bounces: int = 0
    updates: int = 0
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    verified_at: datetime | None = None
    # Merges: duplicates merged into this one; the survivor this one was merged into.
    merged_ids: tuple[int, ...] = ()
    merged_into: int | None = None
    # Impact including merged duplicates (None: nothing merged, use the answers).
    total_affected_users: int | None = None
    customers: tuple[str, ...] = ()
    linked_tickets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Escalation:
    """A stored escalation as the rules see it (the storage row maps onto this)."""

    id: int
    answers: Answers
    requester: str
    domain: Domain
    decision: LevelDecision
    state: State
    created_at: datetime
    posted_at: datetime | None = None
    channel: str | None = None
    message_ts: str | None = None
    permalink: str | None = None
    owner: str | None = None
    claimed_at: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)
    progress: Progress = field(default_factory=Progress)

    @property
    def severity(self) -> Severity:
        """The current severity (a change of severity replaces the submitted one)."""
        assert self.answers.severity is not None
        return self.answers.severity

    @property
    def level(self) -> Level:
        """The current ladder level (a level change replaces the routed one)."""
        return self.decision.target

    @property
    def public_id(self) -> str:
        return public_id(self.id)


def public_id(number: int) -> str:
    return f"ESC-{number}"


def parse_public_id(text: str) -> int | None:
    """``ESC-42``, ``esc-42``, ``#42`` or ``42`` → 42; None for anything else."""
    cleaned = text.strip().lstrip("#")
    if cleaned[:4].upper() == "ESC-":
        cleaned = cleaned[4:]
    if not cleaned.isascii() or not cleaned.isdecimal() or len(cleaned) > 12:
        return None
    number = int(cleaned)
    return number if number > 0 else None
