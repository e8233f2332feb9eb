"""APScheduler jobs. Schedules only decide *when*; the work is in :mod:`commands`.

* ``deliver-outbox``: every few seconds, and once at start-up, deliver whatever Slack is owed
  (packets that failed to post, updates, DMs). Leases in the outbox make this safe to run on
  every replica at once.
* ``sweep-deadlines``: every ``SWEEP_INTERVAL_SECONDS`` (default 10), act on the deadlines
  that fell due (:func:`commands.timers.sweep`). APScheduler is only the ticker: the deadlines
  live in the database, leased per row, so every replica runs the same job safely and a
  restart loses nothing (not one pickled job per deadline in APScheduler's job store, which
  cannot be shared between processes and drops a one-off job missed past its grace time).
* ``jira-poll``: every ``jira.poll_seconds``, re-read the stalest linked Jira issues (the
  fallback when no webhook reaches the bot, e.g. Socket Mode) — paced: one search of at most
  50 keys per run, each issue at most once per interval.
* ``heartbeat``: every couple of seconds, tell peers this process is alive; when a peer has
  gone silent while holding outbox items, timer deadlines or digest posts, deliver / sweep at
  once (its leases are free now).
* ``refresh-names``: every minute, ask Slack for the display names of the people of open
  escalations that the cache lacks or has had for over a day (:mod:`commands.names`), so the
  reports and charts — the CLI's too — show names, not user ids.
* ``housekeeping``: hourly, forget old redelivery keys, abandoned drafts and long-silent
  workers.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from commands import jira_sync, names, workers
from commands.context import Context
from commands.deliver import deliver_due
from commands.digest import deliver_digests
from commands.inbound import housekeeping
from commands.timers import sweep

log = logging.getLogger(__name__)

DELIVERY_INTERVAL_S = 15
SWEEP_INTERVAL_S = 10
HEARTBEAT_S = 2
NAMES_INTERVAL_S = 60


def _deliver(ctx: Context) -> None:
    jira_sync.queue_write_backs(ctx)  # Jira comments owed for new events ride the same sweep
    delivered = deliver_due(ctx)
    if delivered:
        log.info("outbox sweep delivered %d item(s)", delivered)
    # Weekly digests whose first attempt failed are retried here too.
    if deliver_digests(ctx):
        log.info("weekly digest posted")


def _sweep(ctx: Context) -> None:
    result = sweep(ctx)
    if result.fired or result.failed:
        log.info("deadline sweep: %d reminder(s) fired (%d after downtime), %d failed",
                 result.fired, result.superseded, result.failed)


def _heartbeat(ctx: Context, me: tuple[str, str, int]) -> None:
    identity, boot_id, pid = me
    orphaned = workers.heartbeat(ctx, identity=identity, boot_id=boot_id, pid=pid)
    if orphaned.deadlines:
        log.info("a silent peer holds %d deadline(s): sweeping them", orphaned.deadlines)
        _sweep(ctx)
    if orphaned.outbox or orphaned.digests:
        log.info("a silent peer holds %d outbox item(s) and %d digest post(s): delivering "
                 "them", orphaned.outbox, orphaned.digests)
        _deliver(ctx)


def _refresh_names(ctx: Context) -> None:
    stored = names.refresh_open_people(ctx)
    if stored:
        log.info("display names: %d refreshed from Slack", stored)


def _housekeeping(ctx: Context) -> None:
    housekeeping(ctx)
    workers.forget_silent(ctx)


def build_scheduler(ctx: Context, *, delivery_interval_s: float = DELIVERY_INTERVAL_S,
                    sweep_interval_s: float = SWEEP_INTERVAL_S, heartbeat_s: float = HEARTBEAT_S,
                    jira_poll_s: float = 0, names_interval_s: float = NAMES_INTERVAL_S,
                    me: tuple[str, str, int] | None = None) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_job(_deliver, "interval", seconds=delivery_interval_s, args=[ctx],
                      id="deliver-outbox", next_run_time=datetime.now(UTC),
                      max_instances=1, coalesce=True, misfire_grace_time=None)
    scheduler.add_job(_sweep, "interval", seconds=sweep_interval_s, args=[ctx],
                      id="sweep-deadlines", next_run_time=datetime.now(UTC),
                      max_instances=1, coalesce=True, misfire_grace_time=None)
    if jira_poll_s > 0:
        scheduler.add_job(jira_sync.sweep, "interval", seconds=jira_poll_s, args=[ctx],
                          id="jira-poll", next_run_time=datetime.now(UTC), max_instances=1,
                          coalesce=True, misfire_grace_time=None)
    if me is not None:
        scheduler.add_job(_heartbeat, "interval", seconds=heartbeat_s, args=[ctx, me],
                          id="heartbeat", max_instances=1, coalesce=True,
                          misfire_grace_time=None)
    scheduler.add_job(_refresh_names, "interval", seconds=names_interval_s, args=[ctx],
                      id="refresh-names", max_instances=1,
                      coalesce=True, misfire_grace_time=None)
    scheduler.add_job(_housekeeping, "interval", hours=1, args=[ctx], id="housekeeping",
                      max_instances=1, coalesce=True)
    return scheduler
