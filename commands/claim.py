"""Claim: one click, one owner, logged.

The click is on the hot path of a person watching the packet, so the winner's work is one
read and one write transaction before ``chat.update``: the compare-and-set, the audit event
and the outbox items (born leased to this worker) commit together in
:func:`commands.change.store_change`, and the packet update is sent straight from there.
If sending fails, the leased item is retried like any other.
Losers answer from a read that takes no lock and write nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from commands.change import Change, Owed, store_change
from commands.context import Context
from commands.deliver import record_posted, run_leased
from commands.escalate import load, with_jira
from core.claim import ClaimView, refusal, refusal_text, time_to_claim
from core.model import Domain, Escalation, State, public_id
from core.timefmt import humanize_duration
from storage import deadlines as dl
from storage import jira as jira_store
from storage import loop as loop_data
from storage import repository as repo
from storage.tables import EscalationRow


@dataclass(frozen=True)
class ClaimResult:
    won: bool
    # What the clicker is told (mrkdwn); the winner sees the packet change too.
    text: str


def _view(row: EscalationRow) -> ClaimView:
    return ClaimView(public_id=public_id(row.id or 0), state=State(row.state),
                     posted=row.message_ts is not None, owner=row.owner_id,
                     claimed_at=row.claimed_at)


def _domain(ctx: Context, row: EscalationRow) -> Domain:
    return ctx.domains.get(row.domain_key) or Domain(row.domain_key, row.domain_key,
                                                     row.channel_id)


def _refused(ctx: Context, row: EscalationRow, user: str,
             specialists: frozenset[str] | None) -> ClaimResult | None:
    view = _view(row)
    reason = refusal(view, user=user, specialists=specialists)
    if reason is None:
        return None
    spec = _domain(ctx, row).specialists
    group = f"<!subteam^{spec}>" if spec else None
    return ClaimResult(False, refusal_text(reason, view, group_mention=group, clicker=user))


def _read_posted(ctx: Context, escalation_id: int) -> EscalationRow | None:
    """The row, waiting up to ``ctx.posting_grace`` for its posting to be recorded."""
    deadline = time.monotonic() + ctx.posting_grace.total_seconds()
    while True:
        with ctx.db.read() as session:
            row = repo.get_escalation(session, escalation_id=escalation_id)
        if row is None or row.message_ts is not None or row.state != State.OPEN.value \
                or time.monotonic() >= deadline:
            return row
        time.sleep(0.05)


def record_posted_from_click(ctx: Context, row: EscalationRow, *, channel: str,
                             message_ts: str) -> EscalationRow:
    """The click proves the packet landed (in its channel, at ``message_ts``): record it as
    delivery does — the same compare-and-set, so the outbox stops trying to post it."""
    assert row.id is not None
    esc = load(ctx, row.id)
    with ctx.db.transaction() as session:
        # Long sections go to the thread; an overflow item with nothing to post is a no-op.
        record_posted(ctx, session, escalation_id=row.id, channel=channel, ts=message_ts,
                      overflow=True, esc=esc, source="claim_click")
        fresh = repo.get_escalation(session, escalation_id=row.id)
    assert fresh is not None
    return fresh


def claim(ctx: Context, *, escalation_id: int, user: str,
          request_key: str | None = None, channel: str | None = None,
          message_ts: str | None = None) -> ClaimResult:
    """Claim an open, posted escalation (specialists of its domain; anyone without a group).

    Stored through :func:`commands.change.store_change` (version compare-and-set, audit event
    with open → claimed, outbox items born leased). Of many concurrent clicks exactly one
    wins; the others are told who owns it. ``channel``/``message_ts``: where the clicked
    packet is, when the click came from it — proof that it was posted.
    """
    if message_ts is None:
        row = _read_posted(ctx, escalation_id)
    else:  # the click comes from the packet: no need to wait for its record
        with ctx.db.read() as session:
            row = repo.get_escalation(session, escalation_id=escalation_id)
    if row is None:
        return ClaimResult(False, "That escalation no longer exists.")
    if row.message_ts is None and message_ts is not None and channel == row.channel_id:
        row = record_posted_from_click(ctx, row, channel=channel, message_ts=message_ts)
    domain = _domain(ctx, row)
    specialists = ctx.slack.group_members(domain.specialists) if domain.specialists else None
    for _ in range(3):  # a version moved by something other than a claim: try again
        refused = _refused(ctx, row, user, specialists)
        if refused is not None:
            return refused  # already owned, not posted, not a specialist: nothing to write
        now = ctx.now()
        waited = time_to_claim(row.posted_at, now)
        change = Change(
            escalation_id=escalation_id, version=row.version, actor=user, kind="claimed",
            from_state=State.OPEN, to_state=State.CLAIMED,
            values={"owner_id": user, "claimed_at": now},
            details={"time_to_claim_s": None if waited is None
                     else int(waited.total_seconds())},
            owe=[Owed("notify_claimed")], request_key=request_key)
        with ctx.db.transaction() as session:
            stored = store_change(session, change, now=now, policy=ctx.policy,
                                  worker=ctx.worker, lease=ctx.lease)
            if stored is not None:
                # The clocks were re-planned by store_change (AFTER_CHANGE).
                dl.update_timer(session, escalation_id=escalation_id, queue_note=None)
                esc: Escalation = with_jira(ctx, repo.to_core(
                    stored.row, repo.load_answers(session, escalation_id=escalation_id),
                    domain, loop_data.progress(session, stored.row, domain)),
                    jira_store.get(session, escalation_id=escalation_id))
            else:
                session.rollback()
                row = repo.get_escalation(session, escalation_id=escalation_id)
                assert row is not None
        if stored is not None:
            for item in stored.leased:
                run_leased(ctx, item, esc)
            took = "" if waited is None or waited < timedelta(minutes=1) else \
                f" ({humanize_duration(waited)} after it was posted)"
            return ClaimResult(True, f"You own {esc.public_id} now.{took}")
    return ClaimResult(False, f"{public_id(escalation_id)} could not be claimed; try again.")
