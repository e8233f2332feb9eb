"""The weekly digest: a calendar deadline owes it, delivery posts it exactly once.

* At start-up :func:`start` registers the calendar job and makes sure the deadline row exists
  (``cal:weekly_digest`` in the timers' table) at the next occurrence of the configured
  weekday and time; a changed schedule moves a future row, a past-due row is left to fire.
* When it falls due, the sweep runs :func:`_run` once across replicas and restarts: it records
  one ``digest_post`` per scope (the team's, plus any per-domain digests) in the sweep's
  transaction, each saying whether it is late, and delivers after the commit.
* :func:`deliver_digests` (also called by the outbox ticker, so failures are retried) leases
  each owed post, posts the Block Kit message (looking first when a previous attempt's
  outcome is unknown), then uploads the chart into the channel and the full Markdown report
  into the message's thread — recording each step, so a retry repeats none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial

from sqlmodel import Session

from commands.context import Context
from commands.fence import LeaseLost, fenced
from commands.names import with_fresh_names
from commands.ports import DeliveryError
from commands.reports import make_report
from commands.timers import CalendarJob, ensure_calendar, register_calendar
from core import digest as rules
from core.period import DigestSchedule, Period
from core.report import ReportKind
from core.timefmt import utc
from storage import deadlines as dl
from storage import digests as store
from storage import workers

log = logging.getLogger(__name__)

RETRY_AFTER = timedelta(minutes=1)
MAX_RETRY = timedelta(minutes=30)


@dataclass(frozen=True)
class DigestSettings:
    """From the YAML: where and when the digest goes."""

    schedule: DigestSchedule = field(default_factory=DigestSchedule)
    channel: str | None = None
    per_domain: dict[str, str] = field(default_factory=dict)


def settings_of(ctx: Context) -> DigestSettings:
    found = ctx.extra.get("digest")
    return found if isinstance(found, DigestSettings) else DigestSettings()


# ------------------------------------------------------------------- the calendar job


def _run(ctx: Context, session: Session, due_at: datetime, now: datetime
         ) -> Callable[[], None] | None:
    settings = settings_of(ctx)
    if settings.channel is None:
        return None
    note = rules.late_note(due_at, now)
    for owed in rules.owed(settings.schedule, due_at, channel=settings.channel,
                           per_domain=settings.per_domain):
        store.owe(session, digest=owed, late_note=note, now=now)

    def deliver() -> None:
        deliver_digests(ctx)

    return deliver


def _next_due(ctx_getter: Callable[[], DigestSchedule]) -> Callable[[datetime, datetime],
                                                                    datetime | None]:
    def following(due_at: datetime, now: datetime) -> datetime | None:
        # Missed weeks are not replayed: the next occurrence after now.
        return ctx_getter().next_after(max(utc(due_at), utc(now)))
    return following


def start(ctx: Context) -> None:
    """Register the job and put the deadline at the next occurrence (idempotent)."""
    settings = settings_of(ctx)
    register_calendar(rules.CALENDAR_KIND, CalendarJob(
        run=_run, next_due=_next_due(lambda: settings_of(ctx).schedule)))
    if settings.channel is None:
        return
    now = ctx.now()
    upcoming = settings.schedule.next_after(now)
    with ctx.db.transaction() as session:
        row = dl.get_deadline(session, key=rules.CALENDAR_KIND)
        if row is None:
            ensure_calendar(session, kind=rules.CALENDAR_KIND, first_due=upcoming, now=now)
        elif row.due_at is None or (utc(row.due_at) > now and utc(row.due_at) != upcoming):
            # The schedule changed (or the row was finished): move it. A past-due row is left
            # alone: the sweep posts that digest once, saying it is late.
            dl.set_deadline(session, key=rules.CALENDAR_KIND, escalation_id=None,
                            kind=rules.CALENDAR_KIND, basis=row.basis, stage=row.stage,
                            due_at=upcoming, now=now)


# ------------------------------------------------------------------------- delivery


def deliver_digests(ctx: Context, now: datetime | None = None) -> int:
    """Deliver every owed digest that is due; returns how many were completed."""
    now = utc(now or ctx.now())
    with ctx.db.read() as session:
        keys = store.due_keys(session, now=now, dead_before=now - ctx.peer_timeout)
    return sum(1 for key in keys if _deliver_one(ctx, key, now))


def _deliver_one(ctx: Context, key: str, now: datetime) -> bool:
    with ctx.db.transaction() as session:
        post = store.lease(session, key=key, worker=ctx.worker, now=now, duration=ctx.lease,
                           dead_before=now - ctx.peer_timeout)
    if post is None:
        return False
    ctx = fenced(ctx, partial(_still_leased, ctx, key, now))  # re-checked before each call
    settings = settings_of(ctx)
    period = Period(utc(post.period_start), utc(post.period_end))
    scope = None if post.scope == rules.ALL else post.scope
    try:
        built = make_report(ctx.db, kind=ReportKind.DIGEST, period=period, policy=ctx.policy,
                            now=now, domain=scope, series=True,
                            timezone=settings.schedule.timezone)
        # People by name in the message, the chart and the report: ask Slack for the names
        # the cache lacks or has had for over a day (bounded; a failure keeps the old ones).
        built = replace(built, report=with_fresh_names(ctx, built.report, now=now))
        ts = post.message_ts
        if ts is None:
            found = ctx.slack.find_digest(post.channel, key=key, since=utc(post.created_at)) \
                if post.in_flight else None
            if found is None:
                _step(ctx, key, in_flight=True)
                found = ctx.slack.post_digest(post.channel, built.report, key=key,
                                              late_note=post.late_note)
            ts = found.ts
            _step(ctx, key, message_ts=ts, in_flight=False, posted_at=now)
        stem = f"escalation-digest-{period.end.strftime('%Y-%m-%d')}"
        if post.scope != rules.ALL:
            stem += f"-{post.scope}"
        if not post.chart_done:
            ctx.slack.upload_digest_chart(post.channel, built.report, built.series,
                                          filename=f"{stem}.png")
            _step(ctx, key, chart_done=True)
        if not post.report_done:
            ctx.slack.upload_digest_report(post.channel, built.report, thread_ts=ts,
                                           filename=f"{stem}.md")
            _step(ctx, key, report_done=True)
    except LeaseLost:
        log.warning("digest %s: lease no longer ours (taken over, or given up at shutdown); "
                    "not sent here", key)
        return False
    except DeliveryError as failure:
        wait = min(RETRY_AFTER * (2 ** min(post.attempts, 5)), MAX_RETRY)
        log.warning("digest %s: attempt %d failed (%s); retrying in %s", key, post.attempts,
                    failure, wait)
        with ctx.db.transaction() as session:
            store.update(session, key=key, worker=ctx.worker, next_attempt_at=now + wait,
                         lease_owner=None, lease_until=None, last_error=str(failure)[:1000],
                         in_flight=failure.outcome_unknown
                         and (post.message_ts is None))
        return False
    with ctx.db.transaction() as session:
        store.update(session, key=key, worker=ctx.worker, status="done", lease_owner=None,
                     lease_until=None, last_error=None)
    return True


def _still_leased(ctx: Context, key: str, now: datetime) -> None:
    """Right before a Slack call: extend this worker's lease on the digest post, or raise
    :class:`commands.fence.LeaseLost` when another worker has taken it over."""
    at = max(now, ctx.now())
    with ctx.db.transaction() as session:
        mine = workers.renew(session, kind="digests", row_id=key, worker=ctx.worker, now=at,
                             duration=ctx.lease)
    if not mine:
        raise LeaseLost(f"digest {key}")


def _step(ctx: Context, key: str, **values: object) -> None:
    with ctx.db.transaction() as session:
        store.update(session, key=key, worker=ctx.worker, **values)
