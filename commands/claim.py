"""Claim: one click, one owner, logged.

The click is on the hot path of a person watching the packet, so the winner's work is one
read and one write transaction before ``chat.update``: the compare-and-set, the audit event
and the outbox items (born leased to this worker) commit together, and the packet update is
sent straight from there. If sending fails, the leased item is retried like any other.
Losers answer from a read that takes no lock and write nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from commands.context import Context
from commands.deliver import run_leased
from commands.nudges import mark_acted
from commands.planning import replan
from core.claim import ClaimView, refusal, refusal_text, time_to_claim
from core.model import Domain, Escalation, State, public_id
from core.timefmt import humanize_duration
from storage import deadlines as dl
from storage import repository as repo
from storage.tables import EscalationRow, OutboxRow


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


def claim(ctx: Context, *, escalation_id: int, user: str) -> ClaimResult:
    with ctx.db.read() as session:
        row = repo.get_escalation(session, escalation_id=escalation_id)
    if row is None:
        return ClaimResult(False, "That escalation no longer exists.")
    domain = _domain(ctx, row)
    specialists = ctx.slack.group_members(domain.specialists) if domain.specialists else None
    refused = _refused(ctx, row, user, specialists)
    if refused is not None:
        return refused  # already owned, not posted, not a specialist: nothing to write

    now = ctx.now()
    leased: list[OutboxRow] = []
    with ctx.db.transaction() as session:
        if not repo.claim(session, escalation_id=escalation_id, user=user, now=now):
            row = repo.get_escalation(session, escalation_id=escalation_id)
            assert row is not None
            return _refused(ctx, row, user, specialists) or ClaimResult(
                False, f"{public_id(escalation_id)} could not be claimed; try again.")
        waited = time_to_claim(row.posted_at, now)
        dl.update_timer(session, escalation_id=escalation_id, queue_note=None)
        replan(session, escalation_id=escalation_id, settings=ctx.policy.timers, now=now)
        mark_acted(session, escalation_id=escalation_id, act_kind="claimed", at=now, by=user)
        repo.add_audit(session, escalation_id=escalation_id, actor=user, kind="claimed",
                       at=now, time_to_claim_s=None if waited is None
                       else int(waited.total_seconds()))
        for kind in ("update_packet", "notify_claimed"):
            item_id = repo.enqueue(session, escalation_id=escalation_id, kind=kind,
                                   dedupe_key=f"{kind}:{escalation_id}:claimed", now=now,
                                   leased_by=ctx.worker, lease_for=ctx.lease)
            if item_id is not None:
                leased.append(OutboxRow(id=item_id, escalation_id=escalation_id, kind=kind,
                                        dedupe_key="", attempts=1, next_attempt_at=now,
                                        created_at=now))
        claimed = repo.get_escalation(session, escalation_id=escalation_id)
        assert claimed is not None
        esc: Escalation = repo.to_core(
            claimed, repo.load_answers(session, escalation_id=escalation_id), domain)
    for item in leased:
        run_leased(ctx, item, esc)
    took = "" if waited is None or waited < timedelta(minutes=1) else \
        f" ({humanize_duration(waited)} after it was posted)"
    return ClaimResult(True, f"You own {esc.public_id} now.{took}")
