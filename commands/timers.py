"""Timers: plan every escalation's clocks in the deadline table, and sweep what fell due.

* :func:`replan` runs inside the transaction of every state change (post, claim, accept,
  update, severity change, needs-info, resolve, snooze…): it turns the stored facts into
  clocks (:func:`core.timers.plan`) and moves, starts or cancels deadline rows. A moved row's
  generation goes up, so a sweep that leased the old version acts on nothing.
* :func:`sweep` (called by the APScheduler ticker with ``now``) leases due rows, re-reads
  the facts, fires the latest stage that is due (earlier ones are superseded: no burst after
  downtime), records the nudge in the ledger and owes it to Slack through the outbox — all in
  one transaction fenced by lease and generation — then delivers the owed items. Nothing in
  that transaction waits on Slack: the leads' user groups a firing DMs are asked for before
  it opens (:func:`lead_groups`), so a slow Slack never holds the write lock (a Claim waits
  on nothing).
* Calendar deadlines (``cal:…`` kinds, no escalation) run registered jobs on the same table;
  see :func:`register_calendar` and ``/work/notes/timers.md``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from commands.context import Context
from commands.deliver import run_leased
from commands.escalate import load
from commands.nudges import LEADS_ACTIONS, LeadsUnresolved, act, lead_ids
from commands.planning import facts_for
from core.model import Escalation
from core.timefmt import utc
from core.timers import (
    CALENDAR_PREFIX,
    Firing,
    Schedule,
    TimerKind,
    fire,
    next_due,
    plan,
)
from storage import deadlines as dl
from storage import repository as repo
from storage.tables import EscalationRow, OutboxRow

log = logging.getLogger(__name__)

SWEEP_BATCH = 200
ACT_BATCH = 25
RETRY_AFTER_FAILURE = timedelta(seconds=30)


# ---------------------------------------------------------------- calendar deadlines


@dataclass(frozen=True)
class CalendarJob:
    """A deadline on the calendar, not tied to an escalation (e.g. the weekly digest).

    ``run`` does the work inside the sweep's fenced transaction and may return a callable to
    run after the commit (e.g. a Slack post); ``next_due`` says when it runs next, given the
    occurrence that just ran and ``now`` (return a time after ``now``: missed occurrences
    during downtime are not replayed one by one).
    """

    run: Callable[[Context, Session, datetime, datetime], Callable[[], None] | None]
    next_due: Callable[[datetime, datetime], datetime | None]


CALENDAR: dict[str, CalendarJob] = {}


def register_calendar(kind: str, job: CalendarJob) -> None:
    if not kind.startswith(CALENDAR_PREFIX):
        raise ValueError(f"calendar kinds start with {CALENDAR_PREFIX!r}: {kind!r}")
    CALENDAR[kind] = job


def ensure_calendar(session: Session, *, kind: str, first_due: datetime, now: datetime
                    ) -> None:
    """Create the calendar deadline ``kind`` if it does not exist (idempotent)."""
    if dl.get_deadline(session, key=kind) is None:
        dl.set_deadline(session, key=kind, escalation_id=None, kind=kind, basis="calendar",
                        stage=0, due_at=first_due, now=now)


# ---------------------------------------------------------------- the sweep


@dataclass
class SweepResult:
    claimed: int = 0
    fired: int = 0
    superseded: int = 0
    moved: int = 0
    cancelled: int = 0
    stale: int = 0
    failed: int = 0
    delivered: int = 0
    outcomes: list[str] = field(default_factory=list)


def sweep(ctx: Context, now: datetime | None = None, *, limit: int = SWEEP_BATCH,
          deliver: bool = True) -> SweepResult:
    """Act on every deadline due at ``now`` (default: the context's clock)."""
    now = utc(now or ctx.now())
    result = SweepResult()
    with ctx.db.read() as session:  # the idle tick: one index-only probe, no write lock
        if not dl.any_due(session, now=now):
            return result
    while True:
        with ctx.db.transaction() as session:
            claimed = dl.claim_due(session, now=now, worker=ctx.worker, lease_for=ctx.lease,
                                   limit=limit, dead_before=now - ctx.peer_timeout)
        if not claimed:
            return result
        result.claimed += len(claimed)
        owed: list[tuple[int, list[OutboxRow]]] = []
        after: list[Callable[[], None]] = []
        for start in range(0, len(claimed), ACT_BATCH):
            batch = claimed[start:start + ACT_BATCH]
            groups = lead_groups(ctx, batch, now)  # Slack is asked here, outside the write
            for item, processed in _process_batch(ctx, batch, now, groups):
                if processed is None:
                    result.failed += 1
                    continue
                outcome, items, then = processed
                _count(result, outcome)
                if outcome.startswith("fired"):  # how late after its due time (the metrics)
                    ctx.on_deadline(item.kind, max((now - item.due_at).total_seconds(), 0.0))
                if items and item.escalation_id is not None:
                    owed.append((item.escalation_id, items))
                if then is not None:
                    after.append(then)
        if deliver:
            result.delivered += deliver_owed(ctx, owed)
        for then in after:
            try:
                then()
            except Exception:
                log.exception("calendar job follow-up failed")
        if len(claimed) < limit:
            return result


Processed = tuple[str, list[OutboxRow], Callable[[], None] | None]

# Slack allows about one message per second per channel: reminders to one channel (a packet
# thread, one person's DM) go out one after another at this pace, different channels in
# parallel — a burst never waits behind one busy channel, and no 429 is provoked.
CHANNEL_PACE_S = 1.1  # a little over 1 s: network jitter must not make two arrive closer
DELIVERY_THREADS = 32


def deliver_owed(ctx: Context, owed: list[tuple[int, list[OutboxRow]]]) -> int:
    """Deliver leased outbox items: per channel in order and paced, channels in parallel."""
    lanes: dict[str, list[tuple[Escalation | None, OutboxRow]]] = {}
    for escalation_id, items in owed:
        esc = load(ctx, escalation_id)
        for item in items:
            lanes.setdefault(_lane(esc, item), []).append((esc, item))
    if not lanes:
        return 0

    def run(lane: list[tuple[Escalation | None, OutboxRow]]) -> int:
        done, last = 0, 0.0
        for esc, item in lane:
            if item.kind == "nudge":  # chat.postMessage: paced; chat.update is not
                wait = last + CHANNEL_PACE_S - time.monotonic()
                if last and wait > 0:
                    time.sleep(wait)
                last = time.monotonic()
            done += run_leased(ctx, item, esc)
        return done

    if len(lanes) == 1:
        return run(next(iter(lanes.values())))
    with ThreadPoolExecutor(max_workers=min(DELIVERY_THREADS, len(lanes)),
                            thread_name_prefix="nudge") as pool:
        return sum(pool.map(run, lanes.values()))


def _lane(esc: Escalation | None, item: OutboxRow) -> str:
    """The Slack channel an item posts to: the person for a DM, else the packet's channel."""
    if item.kind == "nudge":
        target = item.dedupe_key.rsplit(":", 1)[-1]
        if target != "thread":
            return target
    return (esc.channel or esc.domain.channel) if esc is not None else "?"


Groups = dict[str, frozenset[str]]


# The clocks whose ladders have a leads rung (claim: unclaimed; update: overdue).
_LEADS_CLOCKS = frozenset({TimerKind.CLAIM.value, TimerKind.UPDATE.value})


def _any_group(ctx: Context) -> bool:
    leads = [*ctx.leads, *(lead for d in ctx.domains.values() for lead in d.leads)]
    return any(lead.startswith("S") for lead in leads)


def lead_groups(ctx: Context, batch: list[dl.Claimed], now: datetime) -> Groups:
    """The members of every leads user group that this batch's firings will DM, asked of
    Slack now — before the write transaction that records the nudges, which must not wait on
    Slack. What fires is decided by a read of the same facts (no lock); a row whose facts
    change in between and needs a group not asked for is put back for a moment
    (:class:`commands.nudges.LeadsUnresolved`)."""
    if not _any_group(ctx):
        return {}  # no leads user group configured: nothing to ask
    wanted: set[str] = set()
    with ctx.db.read() as session:
        for item in batch:
            if item.escalation_id is None or item.kind not in _LEADS_CLOCKS:
                continue
            row, _schedule, _stage, firing = _decide(ctx, session, item, now)
            if row is not None and firing is not None and firing.action in LEADS_ACTIONS:
                wanted.update(lead for lead in lead_ids(ctx, row) if lead.startswith("S"))
    return {group: ctx.slack.group_members(group) or frozenset() for group in sorted(wanted)}


def _process_batch(ctx: Context, batch: list[dl.Claimed], now: datetime,
                   groups: Groups | None = None) -> list[tuple[dl.Claimed, Processed | None]]:
    """Act on a batch of leased deadlines in one transaction (fewer commits); if anything
    fails, redo them one transaction each so one bad row cannot hold the others back."""
    groups = {} if groups is None else groups
    try:
        with ctx.db.transaction() as session:
            return [(item, _process(ctx, session, item, now, groups)) for item in batch]
    except Exception:
        log.warning("a batch of %d deadlines failed; retrying one by one", len(batch))
    out: list[tuple[dl.Claimed, Processed | None]] = []
    for item in batch:
        try:
            with ctx.db.transaction() as session:
                out.append((item, _process(ctx, session, item, now, groups)))
        except LeadsUnresolved as missing:  # its facts changed since lead_groups read them
            log.info("deadline %s needs user group %s: trying again", item.key, missing)
            with ctx.db.transaction() as session:
                dl.release(session, claimed=item, worker=ctx.worker,
                           retry_at=now + timedelta(seconds=1))
            out.append((item, None))
        except Exception:
            log.exception("deadline %s failed; retrying later", item.key)
            with ctx.db.transaction() as session:
                dl.release(session, claimed=item, worker=ctx.worker,
                           retry_at=now + RETRY_AFTER_FAILURE)
            out.append((item, None))
    return out


def _count(result: SweepResult, outcome: str) -> None:
    result.outcomes.append(outcome)
    if outcome.startswith("fired"):
        result.fired += 1
        if "superseded" in outcome:
            result.superseded += 1
    elif outcome in ("moved", "cancelled", "stale"):
        setattr(result, outcome, getattr(result, outcome) + 1)


def _decide(ctx: Context, session: Session, item: dl.Claimed, now: datetime
            ) -> tuple[EscalationRow | None, Schedule | None, int, Firing | None]:
    """The escalation, its clock for this row, the stage reached and what fires at ``now``."""
    assert item.escalation_id is not None
    row = repo.get_escalation(session, escalation_id=item.escalation_id)
    kind = TimerKind(item.kind) if item.kind in TimerKind._value2member_map_ else None
    if row is None or kind is None:
        return row, None, 0, None
    timer = dl.get_timer(session, escalation_id=item.escalation_id)
    schedule = plan(facts_for(session, row, timer), ctx.policy.timers).get(kind)
    if schedule is None:
        return row, None, 0, None
    stage = item.stage if schedule.basis_key == item.basis else 0
    return row, schedule, stage, fire(schedule, stage, now)


def _process(ctx: Context, session: Session, item: dl.Claimed, now: datetime,
             groups: Groups | None = None) -> Processed:
    """Act on one leased deadline inside ``session`` (``groups``: the leads' user groups,
    resolved before the transaction).

    The first write is :func:`storage.deadlines.finish`, fenced by lease owner and
    generation: a row re-planned or taken over since the claim makes it fail, and nothing
    else is written for that row.
    """
    if item.escalation_id is None:
        return _calendar(ctx, session, item, now)
    row, schedule, stage, firing = _decide(ctx, session, item, now)
    if row is None or schedule is None:
        if not dl.finish(session, claimed=item, worker=ctx.worker, basis=item.basis,
                         stage=item.stage, due_at=None, outcome="cancelled", now=now,
                         sent=False):
            return "stale", [], None
        return "cancelled", [], None
    if firing is None:  # not due after all (snoozed, re-planned by an older version)
        if not dl.finish(session, claimed=item, worker=ctx.worker,
                         basis=schedule.basis_key, stage=stage,
                         due_at=next_due(schedule, stage), outcome="moved", now=now,
                         sent=False):
            return "stale", [], None
        return "moved", [], None
    if not dl.finish(session, claimed=item, worker=ctx.worker, basis=schedule.basis_key,
                     stage=firing.next_stage, due_at=firing.next_due,
                     outcome="superseded" if firing.superseded else "sent", now=now,
                     sent=True):
        return "stale", [], None
    items = act(ctx, session, row, kind=schedule.kind, basis=schedule.basis_key,
                firing=firing, now=now, groups=groups or {})
    return ("fired (superseded earlier)" if firing.superseded else "fired"), items, None


def _calendar(ctx: Context, session: Session, item: dl.Claimed, now: datetime) -> Processed:
    job = CALENDAR.get(item.kind)
    if job is None:  # a newer version's kind: leave it for a replica that knows it
        dl.release(session, claimed=item, worker=ctx.worker, retry_at=now + timedelta(minutes=5))
        return "stale", [], None
    following = job.next_due(item.due_at, now)
    if not dl.finish(session, claimed=item, worker=ctx.worker, basis=item.basis,
                     stage=item.stage + 1, due_at=following, outcome="sent", now=now,
                     sent=True):
        return "stale", [], None
    then = job.run(ctx, session, item.due_at, now)
    return "fired", [], then
