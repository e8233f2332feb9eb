"""Who may claim an escalation and what each clicker is told."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from core.claim import (
    ClaimRefusal,
    ClaimView,
    refusal,
    refusal_text,
    time_to_claim,
    time_to_claim_text,
)
from core.model import State

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SPECIALISTS = frozenset({"U0ALICE", "U0BOB"})
OPEN = ClaimView(public_id="ESC-42", state=State.OPEN, posted=True, owner=None,
                 claimed_at=None)
CLAIMED = replace(OPEN, state=State.CLAIMED, owner="U0ALICE",
                  claimed_at=datetime(2026, 11, 23, 9, 7, tzinfo=UTC))


class TestRefusal:
    def test_open_posted_specialist_may_claim(self) -> None:
        """A specialist clicking Claim on a posted open escalation is let through."""
        assert refusal(OPEN, user="U0BOB", specialists=SPECIALISTS) is None

    def test_anyone_may_claim_without_a_specialists_group(self) -> None:
        """When the domain has no specialists group, anyone may claim."""
        assert refusal(OPEN, user="U0ANYONE", specialists=None) is None

    def test_already_claimed(self) -> None:
        """A second clicker is told it is already claimed."""
        assert refusal(CLAIMED, user="U0BOB", specialists=SPECIALISTS) is (
            ClaimRefusal.ALREADY_CLAIMED)

    def test_already_claimed_beats_not_specialist(self) -> None:
        """A non-specialist clicking a claimed case learns who owns it, not that they can't."""
        assert refusal(CLAIMED, user="U0MALLORY", specialists=SPECIALISTS) is (
            ClaimRefusal.ALREADY_CLAIMED)

    def test_owner_clicking_again_is_already_claimed(self) -> None:
        """The owner double-clicking is told it is already theirs (not re-claimed)."""
        assert refusal(CLAIMED, user="U0ALICE", specialists=SPECIALISTS) is (
            ClaimRefusal.ALREADY_CLAIMED)

    def test_not_posted(self) -> None:
        """Clicking before the packet is fully posted is refused for now."""
        view = replace(OPEN, posted=False)
        assert refusal(view, user="U0BOB", specialists=SPECIALISTS) is ClaimRefusal.NOT_POSTED

    def test_not_specialist(self) -> None:
        """Someone outside the domain's specialists group cannot claim."""
        assert refusal(OPEN, user="U0MALLORY", specialists=SPECIALISTS) is (
            ClaimRefusal.NOT_SPECIALIST)

    def test_empty_specialists_group_refuses_everyone(self) -> None:
        """An empty (but configured) specialists group lets nobody claim."""
        assert refusal(OPEN, user="U0BOB", specialists=frozenset()) is (
            ClaimRefusal.NOT_SPECIALIST)

    @pytest.mark.parametrize("state", [s for s in State if s is not State.OPEN])
    def test_not_open(self, state: State) -> None:
        """Only an open escalation can be claimed; resolved, closed, cancelled … cannot."""
        view = replace(OPEN, state=state)
        assert refusal(view, user="U0BOB", specialists=SPECIALISTS) is ClaimRefusal.CLOSED

    def test_not_open_beats_not_posted(self) -> None:
        """A cancelled draft that was never posted says it is cancelled, not "still posting"."""
        view = replace(OPEN, state=State.CANCELLED, posted=False)
        assert refusal(view, user="U0BOB", specialists=SPECIALISTS) is ClaimRefusal.CLOSED


class TestRefusalText:
    def test_already_claimed_names_owner_and_time(self) -> None:
        """The loser sees who claimed it, as a mention, and when, in UTC."""
        text = refusal_text(ClaimRefusal.ALREADY_CLAIMED, CLAIMED, group_mention=None)
        assert text == "ESC-42 is already claimed by <@U0ALICE> at 09:07 UTC."
        assert re.search(r"<@U[A-Z0-9]+>", text)
        assert re.search(r"\b\d{2}:\d{2} UTC\b", text)

    def test_already_claimed_time_is_converted_to_utc(self) -> None:
        """A claim time stored with another offset is still shown in UTC."""
        view = replace(CLAIMED, claimed_at=datetime(2026, 11, 23, 4, 7,
                                                    tzinfo=timezone(timedelta(hours=-5))))
        text = refusal_text(ClaimRefusal.ALREADY_CLAIMED, view, group_mention=None)
        assert "at 09:07 UTC" in text

    def test_not_specialist_names_the_group(self) -> None:
        """A non-specialist is told which group may claim."""
        text = refusal_text(ClaimRefusal.NOT_SPECIALIST, OPEN,
                            group_mention="<!subteam^S0DB|@db-specialists>")
        assert text == "Only members of <!subteam^S0DB|@db-specialists> can claim ESC-42."

    def test_not_specialist_without_group_mention(self) -> None:
        """Without a group handle the text still explains who may claim."""
        text = refusal_text(ClaimRefusal.NOT_SPECIALIST, OPEN, group_mention=None)
        assert text == "Only members of the domain's specialists group can claim ESC-42."

    def test_not_posted(self) -> None:
        """An early clicker is asked to try again in a moment."""
        text = refusal_text(ClaimRefusal.NOT_POSTED, replace(OPEN, posted=False),
                            group_mention=None)
        assert text == "ESC-42 is still being posted; try again in a moment."

    @pytest.mark.parametrize(
        ("state", "shown"),
        [(State.RESOLVED, "resolved"), (State.CLOSED, "closed"),
         (State.CANCELLED, "cancelled"), (State.FIX_IN_PROGRESS, "fix in progress")],
    )
    def test_closed_says_the_state_in_words(self, state: State, shown: str) -> None:
        """A late clicker is told the escalation's state in plain words."""
        text = refusal_text(ClaimRefusal.CLOSED, replace(OPEN, state=state),
                            group_mention=None)
        assert text == f"ESC-42 is {shown} and cannot be claimed."
        assert "_" not in text

    @pytest.mark.parametrize("reason", list(ClaimRefusal))
    def test_every_reason_names_the_escalation(self, reason: ClaimRefusal) -> None:
        """Whatever the refusal, the clicker sees which escalation it is about."""
        assert "ESC-42" in refusal_text(reason, CLAIMED, group_mention=None)


class TestTimeToClaim:
    def test_span(self) -> None:
        """Time to claim is the wait from posting to claiming."""
        posted = NOW - timedelta(minutes=12)
        assert time_to_claim(posted, NOW) == timedelta(minutes=12)
        assert time_to_claim_text(posted, NOW) == "12m"

    def test_never_negative(self) -> None:
        """Clock skew between workers never shows a negative time to claim."""
        assert time_to_claim(NOW + timedelta(seconds=30), NOW) == timedelta(0)
        assert time_to_claim_text(NOW + timedelta(hours=2), NOW) == "0m"

    def test_not_posted(self) -> None:
        """An escalation never posted has no time to claim; the text shows a dash."""
        assert time_to_claim(None, NOW) is None
        assert time_to_claim_text(None, NOW) == "—"

    def test_long_waits_are_humanised(self) -> None:
        """A long wait reads as hours and minutes."""
        assert time_to_claim_text(NOW - timedelta(hours=3, minutes=10), NOW) == "3h 10m"

    def test_across_time_zones(self) -> None:
        """Post and claim times with different offsets compare as instants."""
        posted = datetime(2026, 11, 23, 6, 50, tzinfo=timezone(timedelta(hours=-5)))
        assert time_to_claim(posted, NOW) == timedelta(minutes=10)

    def test_naive_post_time_is_utc(self) -> None:
        """A naive post time is taken as UTC rather than crashing the claim message."""
        assert time_to_claim(datetime(2026, 11, 23, 11, 45), NOW) == timedelta(minutes=15)


class TestOwnerClicksAgain:
    def test_owner_is_told_they_own_it(self) -> None:
        """The owner's second click (double click, retried delivery) says they own it."""
        text = refusal_text(ClaimRefusal.ALREADY_CLAIMED, CLAIMED, group_mention=None,
                            clicker=CLAIMED.owner)
        assert text.startswith(f"You already own {CLAIMED.public_id} (claimed at ")

    def test_owner_without_time_is_still_named(self) -> None:
        """A claim with no recorded time still names the owner."""
        view = replace(CLAIMED, claimed_at=None)
        text = refusal_text(ClaimRefusal.ALREADY_CLAIMED, view, group_mention=None)
        assert f"already claimed by <@{CLAIMED.owner}>" in text
