"""Keep the display-name cache filled, so reports show people by name (issue 7).

The names come from Slack (``users.info`` through the gateway, with its retries) and go into
``user_name`` (:mod:`storage.names`); every report reads them from there — the CLI, which runs
without Slack, included. Asking Slack happens only in background work, never in a request
handler:

* :func:`refresh_open_people`, a scheduler job every minute: the owners and pending handoff
  receivers of open escalations whose name is missing or older than a day. Someone who claims,
  accepts or is handed an escalation is named within a minute.
* :func:`with_fresh_names`, at digest time: everyone the digest shows, before it is posted.

Each run asks at most a bounded number of people and stops at the first failure (Slack down or
rate limiting): what is not fresh is asked for on the next run, and the stale name (or the id)
is shown meanwhile. Two replicas asking at once write the same row twice; the write is one
upsert, so the cache stays consistent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from commands.context import Context
from commands.ports import DeliveryError
from core.people import NAME_TTL, is_user_id
from core.report import Report
from core.timefmt import utc
from storage import names as store

log = logging.getLogger(__name__)

# Slack's users.info is a Tier 4 method (100+ calls a minute): a run stays well below that.
MAX_LOOKUPS = 20


def refresh(ctx: Context, users: Iterable[str], *, now: datetime | None = None,
            limit: int = MAX_LOOKUPS) -> int:
    """Ask Slack for the names of those ``users`` whose entry is missing or stale; returns
    how many were stored."""
    now = utc(now or ctx.now())
    wanted = [u for u in users if is_user_id(u)]
    if not wanted:
        return 0
    with ctx.db.read() as session:
        due = store.stale(session, users=wanted, fresh_after=now - NAME_TTL)
    return _ask(ctx, due[:limit], now)


def refresh_open_people(ctx: Context, *, now: datetime | None = None,
                        limit: int = MAX_LOOKUPS) -> int:
    """The scheduler job: names for the people of open escalations (never asked first)."""
    now = utc(now or ctx.now())
    with ctx.db.read() as session:
        due = store.stale_open_people(session, fresh_after=now - NAME_TTL, limit=limit)
    return _ask(ctx, [u for u in due if is_user_id(u)], now)


def with_fresh_names(ctx: Context, report: Report, *, now: datetime | None = None,
                     limit: int = 3 * MAX_LOOKUPS) -> Report:
    """``report`` with its people's names refreshed from Slack first (the digest)."""
    people = report.user_ids()
    if refresh(ctx, people, now=now, limit=limit):
        with ctx.db.read() as session:
            return report.with_names(store.names_for(session, users=people))
    return report


def _ask(ctx: Context, users: list[str], now: datetime) -> int:
    stored = 0
    for user in users:
        try:
            name = ctx.slack.display_name(user)
        except DeliveryError as failure:
            log.warning("users.info for %s failed (%s): names are refreshed later", user,
                        failure)
            break
        with ctx.db.transaction() as session:
            store.save(session, user=user, name=name, now=now)
        stored += 1
    return stored
