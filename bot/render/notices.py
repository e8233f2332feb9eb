"""Short messages to people: the requester's confirmations, the clicker's answers."""

from __future__ import annotations

from bot.render.mrkdwn import escape
from core.claim import time_to_claim_text
from core.model import Escalation
from core.timefmt import fmt_hhmm


def _link(esc: Escalation) -> str:
    return f"<{esc.permalink}|{esc.public_id}>" if esc.permalink else esc.public_id


def posted(esc: Escalation) -> str:
    return (f":white_check_mark: {_link(esc)} is posted in <#{esc.channel}> for "
            f"{escape(esc.domain.name)} — target {esc.decision.target.label}. "
            "I'll tell you who claims it.")


def claimed(esc: Escalation) -> str:
    assert esc.owner and esc.claimed_at
    return (f":raising_hand: <@{esc.owner}> claimed {_link(esc)} at {fmt_hhmm(esc.claimed_at)}"
            f" ({time_to_claim_text(esc.posted_at, esc.claimed_at)} after it was posted). "
            "They own it now.")


def post_problem(esc: Escalation, error: str) -> str:
    return (f":warning: {esc.public_id} is stored, but I could not post it to "
            f"<#{esc.domain.channel}> yet (`{escape(error[:200])}`). I keep retrying. If the "
            "channel is private, invite me there: `/invite @escalation-bot`.")
