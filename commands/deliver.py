"""Deliver what the outbox owes Slack: packets, thread overflow, packet updates, DMs.

Each item is leased before Slack is called (two replicas never send it at once), and its
outcome is recorded after. Every external call a delivery makes first re-checks and extends
the lease (:mod:`commands.fence`): a worker whose lease was taken over sends nothing. A failed
attempt is retried with backoff, forever: an accepted escalation is never dropped. A packet
whose previous attempt may have landed (crash, timeout, 5xx) is first looked up in the
channel, so it is never posted twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlmodel import Session

from commands import intake, logctx
from commands.amend import details_entry
from commands.context import Context
from commands.escalate import load
from commands.fence import LeaseLost, fenced
from commands.nudges import deliver_nudge
from commands.planning import replan
from commands.ports import DeliveryError
from core.model import Escalation
from storage import repository as repo
from storage import workers
from storage.tables import OutboxRow

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=10)
# A packet still not posted after this many attempts is reported to the requester once.
REPORT_AFTER_ATTEMPTS = 3


class Deferred(Exception):
    """The item waits for another one (e.g. a packet update before the packet is posted)."""


def _loop_handlers() -> dict[str, Callable[[Context, Escalation, OutboxRow], None]]:
    from commands.deliver_loop import HANDLERS as LOOP

    return LOOP


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=5 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def deliver_due(ctx: Context, *, escalation_id: int | None = None, limit: int = 50) -> int:
    """Deliver every due item (of one escalation, or all); returns how many landed.

    Items a delivery enqueues (the requester's DM after the packet) go out in the same call,
    a few rounds at most, so the requester does not wait for the next sweep.
    """
    landed = 0
    for _ in range(4):
        with ctx.db.transaction() as session:
            ids = repo.due_outbox_ids(session, now=ctx.now(), escalation_id=escalation_id,
                                      limit=limit, dead_before=ctx.dead_before())
        done = sum(1 for outbox_id in ids if _deliver_one(ctx, outbox_id))
        landed += done
        if not done:
            break
    return landed


def _deliver_one(ctx: Context, outbox_id: int) -> bool:
    with ctx.db.transaction() as session:
        item = repo.lease(session, outbox_id=outbox_id, worker=ctx.worker, now=ctx.now(),
                          duration=ctx.lease, dead_before=ctx.dead_before())
    if item is None:
        return False  # another worker has it, or it was done meanwhile
    return run_leased(ctx, item, load(ctx, item.escalation_id))


def run_leased(ctx: Context, item: OutboxRow, esc: Escalation | None) -> bool:
    """Deliver an item this worker holds the lease on, and record the outcome."""
    with logctx.bound(escalation=esc.public_id if esc else None, outbox_kind=item.kind):
        return _run_leased(ctx, item, esc)


def _run_leased(ctx: Context, item: OutboxRow, esc: Escalation | None) -> bool:
    outbox_id = item.id or 0
    handler = HANDLERS.get(item.kind) or _loop_handlers().get(item.kind)
    if esc is None or handler is None:
        with ctx.db.transaction() as session:
            repo.outbox_dead(session, outbox_id=outbox_id, now=ctx.now(),
                             error=f"nothing to deliver for {item.kind}")
        return False
    try:
        handler(fenced(ctx, lambda: _still_leased(ctx, item)), esc, item)
    except LeaseLost:
        ctx.on_delivery(item.kind, "lost")
        log.warning("%s for %s: lease no longer ours (taken over, or given up at shutdown); "
                    "not sent here", item.kind, esc.public_id)
        return False
    except Deferred as wait:
        ctx.on_delivery(item.kind, "deferred")
        with ctx.db.transaction() as session:
            repo.outbox_retry(session, outbox_id=outbox_id, at=ctx.now() + timedelta(seconds=5),
                              error=str(wait), outcome_unknown=False, count_attempt=False,
                              worker=ctx.worker)
        return False
    except DeliveryError as failure:
        _record_failure(ctx, esc, item, failure)
        return False
    except Exception as crash:  # a bug must not lose the item: record it and retry later
        log.exception("delivering %s for %s failed", item.kind, esc.public_id)
        _record_failure(ctx, esc, item, DeliveryError(repr(crash), outcome_unknown=True))
        return False
    with ctx.db.transaction() as session:
        repo.outbox_done(session, outbox_id=outbox_id, now=ctx.now())
    ctx.on_delivery(item.kind, "delivered")
    return True


def _still_leased(ctx: Context, item: OutboxRow) -> None:
    """Right before an external call: extend this worker's lease on ``item``, or raise
    :class:`LeaseLost` when it is no longer this worker's (see :mod:`commands.fence`)."""
    with ctx.db.transaction() as session:
        mine = workers.renew(session, kind="outbox", row_id=item.id or 0, worker=ctx.worker,
                             now=ctx.now(), duration=ctx.lease)
    if not mine:
        raise LeaseLost(f"outbox item {item.id}")


def _record_failure(ctx: Context, esc: Escalation, item: OutboxRow,
                    failure: DeliveryError) -> None:
    attempt = item.attempts  # counted when the lease was taken
    now = ctx.now()
    ctx.on_delivery(item.kind, "failed")
    wait = backoff(attempt)
    if failure.retry_after is not None:  # the service said when: never sooner than that
        wait = max(wait, timedelta(seconds=failure.retry_after))
    with ctx.db.transaction() as session:
        repo.outbox_retry(session, outbox_id=item.id or 0, at=now + wait,
                          error=str(failure)[:1000], outcome_unknown=failure.outcome_unknown,
                          worker=ctx.worker)
        if item.kind == "post_packet":
            repo.add_audit(session, escalation_id=esc.id, actor="bot", kind="post_failed",
                           at=now, attempt=attempt, error=str(failure)[:500],
                           retryable=failure.retryable, channel=esc.domain.channel)
    log.warning("%s for %s failed (attempt %d): %s", item.kind, esc.public_id, attempt, failure)
    if item.kind == "post_packet" and (attempt == REPORT_AFTER_ATTEMPTS
                                       or (attempt == 1 and not failure.retryable)):
        try:
            ctx.slack.notify_post_problem(esc, str(failure))
        except DeliveryError:
            log.warning("could not tell %s about the failed post either", esc.requester)


def _post_packet(ctx: Context, esc: Escalation, item: OutboxRow) -> None:
    if esc.message_ts is not None:
        return
    posted = None
    if item.in_flight:  # the last attempt's outcome is unknown: look before posting again
        posted = ctx.slack.find_packet(esc, since=esc.created_at)
    if posted is None:
        posted = ctx.slack.post_packet(esc)
    with ctx.db.transaction() as session:
        record_posted(ctx, session, escalation_id=esc.id, channel=posted.channel, ts=posted.ts,
                      overflow=posted.has_overflow, esc=esc, attempt=item.attempts)


def record_posted(ctx: Context, session: Session, *, escalation_id: int, channel: str, ts: str,
                  overflow: bool, esc: Escalation | None = None, **detail: object) -> bool:
    """Record where the packet landed (compare-and-set: the first record wins) with what
    follows from it; False when it was recorded already. Delivery calls it, and so does a
    Claim click on a packet not recorded yet (the click proves it landed)."""
    now = ctx.now()
    first = repo.mark_posted(session, escalation_id=escalation_id, channel=channel, ts=ts,
                             now=now)
    if first:
        replan(session, escalation_id=escalation_id, settings=ctx.policy.timers, now=now)
        repo.add_audit(session, escalation_id=escalation_id, actor="bot", kind="posted", at=now,
                       channel=channel, ts=ts, **detail)
        repo.enqueue(session, escalation_id=escalation_id, kind="notify_posted",
                     dedupe_key=f"notify_posted:{escalation_id}", now=now)
        if overflow:
            repo.enqueue(session, escalation_id=escalation_id, kind="post_overflow",
                         dedupe_key=f"post_overflow:{escalation_id}", now=now)
        if esc is not None:
            from commands import zendesk

            zendesk.queue_notes(ctx, session, esc, zendesk.POSTED)
    return first


def _require_posted(esc: Escalation) -> tuple[str, str]:
    if esc.message_ts is None or esc.channel is None:
        raise Deferred("packet not posted yet")
    return esc.channel, esc.message_ts


def _post_overflow(ctx: Context, esc: Escalation, item: OutboxRow) -> None:
    _require_posted(esc)
    ctx.slack.post_overflow(esc)


def _update_packet(ctx: Context, esc: Escalation, item: OutboxRow) -> None:
    _require_posted(esc)
    ctx.slack.update_packet(esc)


def _notify_posted(ctx: Context, esc: Escalation, item: OutboxRow) -> None:
    channel, ts = _require_posted(esc)
    if esc.permalink is None:
        link = ctx.slack.permalink(channel, ts)
        if link:
            with ctx.db.transaction() as session:
                repo.set_permalink(session, escalation_id=esc.id, permalink=link)
            esc = load(ctx, esc.id) or esc
    ctx.slack.notify_posted(esc)


def _notify_claimed(ctx: Context, esc: Escalation, item: OutboxRow) -> None:
    ctx.slack.notify_claimed(esc)


def _post_sources(ctx: Context, esc: Escalation, item: OutboxRow) -> None:
    _require_posted(esc)
    owed = intake.source_items(ctx, esc)
    if owed is not None:
        items, thread_link = owed
        ctx.slack.post_sources(esc, items, thread_link, look_first=item.in_flight)


def _details_line(ctx: Context, esc: Escalation, item: OutboxRow) -> None:
    """"details added: …" in the packet's thread (the audit event's id is in the key)."""
    _require_posted(esc)
    entry = details_entry(ctx, int(item.dedupe_key.rsplit(":", 1)[1]))
    if entry is not None:
        ctx.slack.post_timeline(esc, entry)


HANDLERS: dict[str, Callable[[Context, Escalation, OutboxRow], None]] = {
    "details_line": _details_line,
    "post_packet": _post_packet,
    "post_overflow": _post_overflow,
    "update_packet": _update_packet,
    "notify_posted": _notify_posted,
    "notify_claimed": _notify_claimed,
    "post_sources": _post_sources,
    "nudge": deliver_nudge,
}


def _register_integrations() -> None:
    from commands import jira_outbox, zendesk

    HANDLERS.update(jira_outbox.HANDLERS)
    HANDLERS.update(zendesk.HANDLERS)


_register_integrations()
