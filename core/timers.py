"""Timers that keep promises: the per-SEV timer policy and the deadline planner.

Seed 001 §2 promises updates every 30–60 min for SEV1, 2–3 h for SEV2, 24 h for SEV3 and an
RCA within 48 h of a SEV1; seed 003 wants owners to acknowledge within SLA windows. This
module turns an escalation's facts into *clocks* — each a ladder of stages with due times and
the action each stage takes — and decides, for a given ``now``, which stage fires. Pure data:
the sweep (commands.timers) stores the clocks in the deadline table and acts on them.

Rules that make it quiet:

* one clock per kind per escalation; a clock whose *basis* (what started it: the post, the
  claim, the last update…) changes starts again at stage 0, otherwise it keeps its place;
* after downtime only the latest stage that fell due fires — earlier ones are *superseded*
  (an update due at 10:00 and overdue at 11:00 seen at 11:30 gives one overdue nudge);
* a snooze moves every owner-facing due time to its end (never the claim ladder), and stops
  counting when the severity goes up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from core.business_hours import ALWAYS, BusinessHours, Clock
from core.model import Severity
from core.timefmt import utc


class ClaimRung(StrEnum):
    """Who is told at each rung of the unclaimed ladder."""

    CHANNEL = "channel"  # re-ping in the packet's thread, mentioning the specialists' group
    LEADS = "leads"      # DM the leads
    RAISE = "raise"      # raise the target level one rung


class OverdueRung(StrEnum):
    OWNER = "owner"  # DM the owner
    LEADS = "leads"  # DM the leads


class TimerKind(StrEnum):
    CLAIM = "claim"
    ACCEPT = "accept"
    UPDATE = "update"
    CUSTOMER = "customer_update"
    ETA = "eta"
    NEEDS_INFO = "needs_info"
    RCA = "rca"


# Calendar deadlines (not tied to an escalation) use kinds with this prefix, e.g.
# ``cal:weekly_digest``; the planner never produces them (see commands.timers).
CALENDAR_PREFIX = "cal:"


class Action(StrEnum):
    CLAIM_CHANNEL = "claim_channel"
    CLAIM_LEADS = "claim_leads"
    RAISE_LEVEL = "raise_level"
    ACCEPT_NUDGE = "accept_nudge"
    RETURN_TO_QUEUE = "return_to_queue"
    UPDATE_DUE = "update_due"
    UPDATE_OVERDUE_OWNER = "update_overdue_owner"
    UPDATE_OVERDUE_LEADS = "update_overdue_leads"
    CUSTOMER_UPDATE_DUE = "customer_update_due"
    ETA_PASSED = "eta_passed"
    NEEDS_INFO_REMINDER = "needs_info_reminder"
    RCA_REMINDER = "rca_reminder"
    RCA_DUE = "rca_due"


_CLAIM_ACTIONS = {ClaimRung.CHANNEL: Action.CLAIM_CHANNEL, ClaimRung.LEADS: Action.CLAIM_LEADS,
                  ClaimRung.RAISE: Action.RAISE_LEVEL}
_OVERDUE_ACTIONS = {OverdueRung.OWNER: Action.UPDATE_OVERDUE_OWNER,
                    OverdueRung.LEADS: Action.UPDATE_OVERDUE_LEADS}


def _positive(name: str, span: timedelta | None) -> None:
    if span is not None and span <= timedelta(0):
        raise ValueError(f"{name} must be longer than zero")


@dataclass(frozen=True)
class TimerPolicy:
    """What one severity promises, as durations (counted 24/7 or in business hours)."""

    # Unclaimed: rung k of the ladder falls due at (k + 1) × claim after the post.
    claim: timedelta
    # Claimed but not accepted: nudge the owner after ``accept``, back to the queue after
    # ``return_to_queue``.
    accept: timedelta
    return_to_queue: timedelta
    # Status updates: due after ``update``, overdue after ``overdue`` (None: no cadence).
    update: timedelta | None
    overdue: timedelta | None
    # The requester owes the customer an update this often (None: same as ``update``),
    # counted from the claim and from each update they record having given the customer.
    customer_update: timedelta | None = None
    # Waiting on the requester (needs-info): remind them after this.
    needs_info: timedelta | None = None
    # RCA after a resolve at this severity: reminded at ``rca_reminder``, due at ``rca``.
    rca: timedelta | None = None
    rca_reminder: timedelta | None = None
    # True: clocks count business hours only; False: 24/7. The RCA clock is always 24/7.
    business_hours: bool = False
    claim_ladder: tuple[ClaimRung, ...] = (ClaimRung.CHANNEL, ClaimRung.LEADS, ClaimRung.RAISE)
    overdue_ladder: tuple[OverdueRung, ...] = (OverdueRung.OWNER, OverdueRung.LEADS)

    def __post_init__(self) -> None:
        for name in ("claim", "accept", "return_to_queue", "update", "overdue",
                     "customer_update", "needs_info", "rca", "rca_reminder"):
            _positive(name, getattr(self, name))
        if self.return_to_queue <= self.accept:
            raise ValueError("return_to_queue must be after accept")
        if (self.update is None) != (self.overdue is None):
            raise ValueError("update and overdue go together (set both, or neither)")
        if self.update is not None and self.overdue is not None and self.overdue <= self.update:
            raise ValueError("overdue must be after update")
        if self.rca_reminder is not None and (self.rca is None or self.rca_reminder >= self.rca):
            raise ValueError("rca_reminder must be before rca")
        if not self.claim_ladder:
            raise ValueError("claim_ladder needs at least one rung")

    @property
    def customer_cadence(self) -> timedelta | None:
        return self.customer_update or self.update

    @property
    def info_reminder(self) -> timedelta:
        return self.needs_info or self.update or self.accept


DEFAULT_TIMER_POLICIES: Mapping[Severity, TimerPolicy] = {
    Severity.SEV1: TimerPolicy(claim=timedelta(minutes=15), accept=timedelta(minutes=15),
                               return_to_queue=timedelta(minutes=30),
                               update=timedelta(minutes=30), overdue=timedelta(minutes=60),
                               rca=timedelta(hours=48), rca_reminder=timedelta(hours=24)),
    Severity.SEV2: TimerPolicy(claim=timedelta(minutes=30), accept=timedelta(minutes=30),
                               return_to_queue=timedelta(hours=1),
                               update=timedelta(hours=2), overdue=timedelta(hours=3)),
    Severity.SEV3: TimerPolicy(claim=timedelta(hours=4), accept=timedelta(hours=4),
                               return_to_queue=timedelta(hours=8),
                               update=timedelta(hours=24), overdue=timedelta(hours=36),
                               business_hours=True),
    Severity.SEV4: TimerPolicy(claim=timedelta(hours=24), accept=timedelta(hours=24),
                               return_to_queue=timedelta(hours=48), update=None, overdue=None,
                               needs_info=timedelta(hours=24), business_hours=True),
}


@dataclass(frozen=True)
class TimerSettings:
    """The timer policy table: per severity, overridable per domain; business hours."""

    sev: Mapping[Severity, TimerPolicy] = field(
        default_factory=lambda: dict(DEFAULT_TIMER_POLICIES))
    hours: BusinessHours = field(default_factory=BusinessHours)
    domain_sev: Mapping[str, Mapping[Severity, TimerPolicy]] = field(default_factory=dict)
    domain_hours: Mapping[str, BusinessHours] = field(default_factory=dict)

    def policy(self, severity: Severity, domain: str | None = None) -> TimerPolicy:
        per_domain = self.domain_sev.get(domain or "", {})
        return per_domain.get(severity) or self.sev[severity]

    def business_hours(self, domain: str | None = None) -> BusinessHours:
        return self.domain_hours.get(domain or "", self.hours)

    def clock(self, severity: Severity, domain: str | None = None) -> Clock:
        if not self.policy(severity, domain).business_hours:
            return ALWAYS
        return Clock(self.business_hours(domain))


DEFAULT_TIMERS = TimerSettings()


# ---------------------------------------------------------------- facts and clocks


class Phase(StrEnum):
    """Where the escalation is, as far as the clocks care."""

    UNPOSTED = "unposted"      # no packet yet: nothing to remind anyone of
    UNCLAIMED = "unclaimed"    # posted, nobody owns it
    CLAIMED = "claimed"        # owned, not accepted yet
    WORKING = "working"        # accepted (reproduced, fix in progress…)
    NEEDS_INFO = "needs_info"  # waiting on the requester
    RESOLVED = "resolved"      # only the RCA clock may run
    ENDED = "ended"            # closed, cancelled, merged: silence


@dataclass(frozen=True)
class Snooze:
    until: datetime
    by: str
    reason: str
    # The severity when it was set: a snooze never outlives a severity increase.
    severity: Severity

    def active(self, severity: Severity, now: datetime | None = None) -> bool:
        if severity.rank < self.severity.rank:
            return False
        return now is None or utc(now) < utc(self.until)


@dataclass(frozen=True)
class TimerFacts:
    """What the clocks read from a stored escalation (UTC instants)."""

    severity: Severity
    phase: Phase
    domain: str | None = None
    unclaimed_since: datetime | None = None  # the post, or the return to the queue
    claimed_at: datetime | None = None
    accepted_at: datetime | None = None
    last_update_at: datetime | None = None   # the last status update (resets its clock)
    # "When you'll hear from us again" from the last update: due then if that is sooner.
    promised_update_at: datetime | None = None
    eta: datetime | None = None
    # The last time the requester recorded giving the customer an update ("Customer told").
    customer_told_at: datetime | None = None
    needs_info_since: datetime | None = None
    # Finished needs-info intervals since the update clock's basis: they do not count.
    pauses: tuple[tuple[datetime, datetime], ...] = ()
    resolved_at: datetime | None = None
    resolved_severity: Severity | None = None
    rca_done: bool = False
    snooze: Snooze | None = None


@dataclass(frozen=True)
class Stage:
    due_at: datetime
    action: Action
    # The nominal time since the basis (for wording: "unclaimed for 45 min").
    after: timedelta


@dataclass(frozen=True)
class Schedule:
    """One clock: what started it (``basis``) and its ladder of stages."""

    kind: TimerKind
    basis: datetime
    stages: tuple[Stage, ...]

    @property
    def basis_key(self) -> str:
        return f"{self.kind.value}@{utc(self.basis).isoformat()}"


def _ladder(kind: TimerKind, basis: datetime, clock: Clock,
            offsets: list[tuple[timedelta, Action]], *, shift: timedelta = timedelta(0),
            snooze_until: datetime | None = None) -> Schedule:
    dues = [clock.add(basis, after + shift) for after, _ in offsets]
    if snooze_until is not None and dues and dues[0] < utc(snooze_until):
        # The whole ladder moves: the first stage falls due when the snooze ends, the
        # others keep their distance (a snooze never turns into an instant overdue).
        moved = utc(snooze_until) - dues[0]
        dues = [due + moved for due in dues]
    stages = tuple(Stage(due, action, after) for due, (after, action) in zip(dues, offsets,
                                                                             strict=True))
    return Schedule(kind, utc(basis), stages)


def plan(facts: TimerFacts, settings: TimerSettings = DEFAULT_TIMERS) -> dict[TimerKind, Schedule]:
    """Every clock that runs for these facts, with its stages' due times."""
    policy = settings.policy(facts.severity, facts.domain)
    clock = settings.clock(facts.severity, facts.domain)
    snooze = facts.snooze.until if facts.snooze and facts.snooze.active(facts.severity) else None
    out: dict[TimerKind, Schedule] = {}

    def add(schedule: Schedule) -> None:
        out[schedule.kind] = schedule

    if facts.phase is Phase.UNCLAIMED and facts.unclaimed_since is not None:
        add(_ladder(TimerKind.CLAIM, facts.unclaimed_since, clock,
                    [(policy.claim * (k + 1), _CLAIM_ACTIONS[rung])
                     for k, rung in enumerate(policy.claim_ladder)]))
    if facts.phase is Phase.CLAIMED and facts.claimed_at is not None:
        add(_ladder(TimerKind.ACCEPT, facts.claimed_at, clock,
                    [(policy.accept, Action.ACCEPT_NUDGE),
                     (policy.return_to_queue, Action.RETURN_TO_QUEUE)], snooze_until=snooze))
    owned = facts.phase in (Phase.CLAIMED, Phase.WORKING, Phase.NEEDS_INFO)
    if facts.phase is Phase.WORKING and policy.update and policy.overdue:
        basis = _latest(facts.last_update_at, facts.accepted_at, facts.claimed_at)
        if basis is not None:
            paused = sum((clock.elapsed(max(a, basis), b) for a, b in facts.pauses
                          if b > basis), timedelta(0))
            gap = policy.overdue - policy.update
            offsets = [(policy.update, Action.UPDATE_DUE)] + [
                (policy.overdue + gap * k, _OVERDUE_ACTIONS[rung])
                for k, rung in enumerate(policy.overdue_ladder)]
            schedule = _ladder(TimerKind.UPDATE, basis, clock, offsets, shift=paused)
            promised = facts.promised_update_at
            if promised is not None and basis < utc(promised) < schedule.stages[0].due_at:
                early = schedule.stages[0].due_at - utc(promised)
                schedule = replace(schedule, stages=tuple(
                    replace(s, due_at=s.due_at - early) for s in schedule.stages))
            if snooze is not None and schedule.stages[0].due_at < utc(snooze):
                moved = utc(snooze) - schedule.stages[0].due_at
                schedule = replace(schedule, stages=tuple(
                    replace(s, due_at=s.due_at + moved) for s in schedule.stages))
            add(schedule)
    cadence = policy.customer_cadence
    if owned and cadence is not None:
        # Support's own clock: a status update gives them a fresh draft to pass on, but only
        # their telling the customer settles it.
        basis = _latest(facts.customer_told_at, facts.claimed_at)
        if basis is not None:
            add(_ladder(TimerKind.CUSTOMER, basis, clock,
                        [(cadence, Action.CUSTOMER_UPDATE_DUE)], snooze_until=snooze))
    if facts.phase is Phase.WORKING and facts.eta is not None and (
            facts.last_update_at is None or facts.last_update_at < facts.eta):
        add(_ladder(TimerKind.ETA, facts.eta, ALWAYS, [(timedelta(0), Action.ETA_PASSED)],
                    snooze_until=snooze))
    if facts.phase is Phase.NEEDS_INFO and facts.needs_info_since is not None:
        add(_ladder(TimerKind.NEEDS_INFO, facts.needs_info_since, clock,
                    [(policy.info_reminder, Action.NEEDS_INFO_REMINDER)]))
    if facts.phase is Phase.RESOLVED and facts.resolved_at is not None and not facts.rca_done:
        rca_policy = settings.policy(facts.resolved_severity or facts.severity, facts.domain)
        if rca_policy.rca is not None:
            offsets = [(rca_policy.rca, Action.RCA_DUE)]
            if rca_policy.rca_reminder is not None:
                offsets.insert(0, (rca_policy.rca_reminder, Action.RCA_REMINDER))
            add(_ladder(TimerKind.RCA, facts.resolved_at, ALWAYS, offsets))
    return out


def _latest(*moments: datetime | None) -> datetime | None:
    present = [utc(m) for m in moments if m is not None]
    return max(present) if present else None


# ---------------------------------------------------------------- firing


@dataclass(frozen=True)
class Firing:
    """What a sweep does for one clock at ``now``."""

    stage: int                 # the stage that fires
    action: Action
    after: timedelta
    due_at: datetime
    superseded: int            # earlier stages that fell due meanwhile and are skipped
    next_stage: int            # the stage to wait for next (== len(stages) when finished)
    next_due: datetime | None  # its due time, None when the ladder is done


def fire(schedule: Schedule, next_stage: int, now: datetime) -> Firing | None:
    """The latest stage from ``next_stage`` on that is due at ``now``; None if none is due."""
    now = utc(now)
    due = [i for i in range(next_stage, len(schedule.stages))
           if schedule.stages[i].due_at <= now]
    if not due:
        return None
    stage = due[-1]
    following = stage + 1
    return Firing(stage=stage, action=schedule.stages[stage].action,
                  after=schedule.stages[stage].after, due_at=schedule.stages[stage].due_at,
                  superseded=stage - next_stage, next_stage=following,
                  next_due=schedule.stages[following].due_at
                  if following < len(schedule.stages) else None)


def next_due(schedule: Schedule, next_stage: int) -> datetime | None:
    if next_stage >= len(schedule.stages):
        return None
    return schedule.stages[next_stage].due_at


# ---------------------------------------------------------------- what the packet shows


@dataclass(frozen=True)
class UpdateStatus:
    due_at: datetime
    overdue_by: timedelta | None  # None while not past due


def update_status(facts: TimerFacts, now: datetime,
                  settings: TimerSettings = DEFAULT_TIMERS) -> UpdateStatus | None:
    """"next update due 14:00 UTC", or how long it is overdue (ignoring snoozes)."""
    schedule = plan(replace(facts, snooze=None), settings).get(TimerKind.UPDATE)
    if schedule is None:
        return None
    due = schedule.stages[0].due_at
    now = utc(now)
    return UpdateStatus(due, now - due if now > due else None)


def snooze_choices() -> tuple[timedelta, ...]:
    return (timedelta(minutes=30), timedelta(minutes=60), timedelta(minutes=120))


MAX_SNOOZE = timedelta(days=7)


def check_snooze(until: datetime, now: datetime) -> str | None:
    """Why a snooze until ``until`` is refused, or None."""
    if utc(until) <= utc(now):
        return "pick a time in the future"
    if utc(until) - utc(now) > MAX_SNOOZE:
        return "snooze at most 7 days; ask a lead to lower the severity instead"
    return None


# ---------------------------------------------------------------- what a nudge says


class Audience(StrEnum):
    THREAD = "thread"  # a reply in the packet's thread
    DM = "dm"          # a direct message to each recipient
    NONE = "none"      # nobody to tell (e.g. no leads configured): logged only


@dataclass(frozen=True)
class Nudge:
    """One reminder, as the Slack side renders it."""

    id: int
    action: Action
    audience: Audience
    recipient: str | None      # the DM's user; None for a thread reply
    mentions: tuple[str, ...]  # users (U…) and user groups (S…) to mention
    after: timedelta           # nominal time since the clock's basis
    due_at: datetime
    now: datetime
    detail: Mapping[str, str] = field(default_factory=dict)
