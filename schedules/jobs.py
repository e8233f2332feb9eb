"""APScheduler jobs. Schedules only decide *when*; the work is in :mod:`commands`.

* ``deliver-outbox``: every few seconds, and once at start-up, deliver whatever Slack is owed
  (packets that failed to post, updates, DMs). Leases in the outbox make this safe to run on
  every replica at once.
* ``housekeeping``: hourly, forget old redelivery keys and abandoned drafts.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from commands.context import Context
from commands.deliver import deliver_due
from commands.inbound import housekeeping

log = logging.getLogger(__name__)

DELIVERY_INTERVAL_S = 15


def _deliver(ctx: Context) -> None:
    delivered = deliver_due(ctx)
    if delivered:
        log.info("outbox sweep delivered %d item(s)", delivered)


def build_scheduler(ctx: Context, *, delivery_interval_s: float = DELIVERY_INTERVAL_S
                    ) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_job(_deliver, "interval", seconds=delivery_interval_s, args=[ctx],
                      id="deliver-outbox", next_run_time=datetime.now(UTC),
                      max_instances=1, coalesce=True, misfire_grace_time=None)
    scheduler.add_job(housekeeping, "interval", hours=1, args=[ctx], id="housekeeping",
                      max_instances=1, coalesce=True)
    return scheduler
