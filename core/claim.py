"""Who may claim an escalation, and what each clicker is told.

The database makes the claim atomic (a compare-and-set on the owner); these rules decide
eligibility beforehand and word the answer afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from core.model import State
from core.timefmt import fmt_hhmm, humanize_duration, utc


class ClaimRefusal(StrEnum):
    NOT_POSTED = "not_posted"
    ALREADY_CLAIMED = "already_claimed"
    CLOSED = "closed"
    NOT_SPECIALIST = "not_specialist"


@dataclass(frozen=True)
class ClaimView:
    """The facts a claim decision needs (a projection of the stored escalation)."""

    public_id: str
    state: State
    posted: bool
    owner: str | None
    claimed_at: datetime | None


def refusal(
    view: ClaimView, *, user: str, specialists: frozenset[str] | None
) -> ClaimRefusal | None:
    """Why ``user`` may not claim now, or None when the claim may be attempted."""
    if view.owner is not None:
        return ClaimRefusal.ALREADY_CLAIMED
    if view.state is not State.OPEN:
        return ClaimRefusal.CLOSED
    if not view.posted:
        return ClaimRefusal.NOT_POSTED
    if specialists is not None and user not in specialists:
        return ClaimRefusal.NOT_SPECIALIST
    return None


def refusal_text(reason: ClaimRefusal, view: ClaimView, *, group_mention: str | None,
                 clicker: str | None = None) -> str:
    """The ephemeral answer for a clicker who did not get the escalation (mrkdwn).

    The owner clicking again (a double click, a retried delivery) is told they own it.
    """
    if reason is ClaimRefusal.ALREADY_CLAIMED and view.owner:
        at = f" at {fmt_hhmm(view.claimed_at)}" if view.claimed_at else ""
        if view.owner == clicker:
            return f"You already own {view.public_id} (claimed{at})."
        return f"{view.public_id} is already claimed by <@{view.owner}>{at}."
    if reason is ClaimRefusal.NOT_SPECIALIST:
        who = group_mention or "the domain's specialists group"
        return f"Only members of {who} can claim {view.public_id}."
    if reason is ClaimRefusal.NOT_POSTED:
        return f"{view.public_id} is still being posted; try again in a moment."
    return f"{view.public_id} is {view.state.value.replace('_', ' ')} and cannot be claimed."


def time_to_claim(posted_at: datetime | None, claimed_at: datetime) -> timedelta | None:
    return None if posted_at is None else max(utc(claimed_at) - utc(posted_at), timedelta(0))


def time_to_claim_text(posted_at: datetime | None, claimed_at: datetime) -> str:
    span = time_to_claim(posted_at, claimed_at)
    return "—" if span is None else humanize_duration(span)
