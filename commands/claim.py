"""Claim: one click, one owner, logged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from commands.context import Context
from commands.deliver import deliver_due
from core.claim import ClaimView, refusal, refusal_text, time_to_claim
from core.model import State, public_id
from core.timefmt import humanize_duration
from storage import repository as repo
from storage.tables import EscalationRow


@dataclass(frozen=True)
class ClaimResult:
    won: bool
    # What the clicker is told (mrkdwn); the winner sees the packet change instead.
    text: str


def _view(row: EscalationRow) -> ClaimView:
    return ClaimView(public_id=public_id(row.id or 0), state=State(row.state),
                     posted=row.message_ts is not None, owner=row.owner_id,
                     claimed_at=row.claimed_at)


def claim(ctx: Context, *, escalation_id: int, user: str) -> ClaimResult:
    now = ctx.now()
    with ctx.db.transaction() as session:
        row = repo.get_escalation(session, escalation_id=escalation_id)
        if row is None:
            return ClaimResult(False, "That escalation no longer exists.")
        domain = ctx.domains.get(row.domain_key)
    specialists = None
    if domain is not None and domain.specialists:
        specialists = ctx.slack.group_members(domain.specialists)
    group = f"<!subteam^{domain.specialists}>" if domain and domain.specialists else None

    with ctx.db.transaction() as session:
        row = repo.get_escalation(session, escalation_id=escalation_id)
        assert row is not None
        view = _view(row)
        reason = refusal(view, user=user, specialists=specialists)
        won = reason is None and repo.claim(session, escalation_id=escalation_id, user=user,
                                            now=now)
        if won:
            waited = time_to_claim(row.posted_at, now)
            repo.add_audit(session, escalation_id=escalation_id, actor=user, kind="claimed",
                           at=now, time_to_claim_s=None if waited is None
                           else int(waited.total_seconds()))
            repo.enqueue(session, escalation_id=escalation_id, kind="update_packet",
                         dedupe_key=f"update_packet:{escalation_id}:claimed", now=now)
            repo.enqueue(session, escalation_id=escalation_id, kind="notify_claimed",
                         dedupe_key=f"notify_claimed:{escalation_id}", now=now)
        else:
            session.refresh(row)
            view = _view(row)
            reason = reason or refusal(view, user=user, specialists=specialists)
            if reason is None:  # lost a race that left nothing visible: say so plainly
                return ClaimResult(False, f"{view.public_id} could not be claimed; try again.")
            repo.add_audit(session, escalation_id=escalation_id, actor=user,
                           kind="claim_refused", at=now, reason=reason.value)
    if won:
        deliver_due(ctx, escalation_id=escalation_id)
        waited = time_to_claim(row.posted_at, now)
        took = "" if waited is None or waited < timedelta(minutes=1) else \
            f" ({humanize_duration(waited)} after it was posted)"
        return ClaimResult(True, f"You own {view.public_id} now.{took}")
    assert reason is not None
    return ClaimResult(False, refusal_text(reason, view, group_mention=group, clicker=user))
