"""Next update due, wrap-up figures, merged impact, timeline lines and escalation ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.model import Severity, State, parse_public_id
from core.policy import MergeThreshold
from core.progress import add_impact, is_overdue, merge_suggestion, next_update_due, wrap_up
from core.timeline import Event, entry

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)


class TestNextUpdateDue:
    def test_from_the_claim_then_from_the_last_update(self) -> None:
        assert next_update_due(state=State.CLAIMED, cadence=2 * H, last_update_at=None,
                               promised_at=None, claimed_at=NOW) == NOW + 2 * H
        assert next_update_due(state=State.ACCEPTED, cadence=2 * H, last_update_at=NOW + H,
                               promised_at=None, claimed_at=NOW) == NOW + 3 * H

    def test_a_sooner_promise_wins_a_later_one_does_not(self) -> None:
        due = next_update_due(state=State.ACCEPTED, cadence=2 * H, last_update_at=NOW,
                              promised_at=NOW + H, claimed_at=NOW)
        assert due == NOW + H
        due = next_update_due(state=State.ACCEPTED, cadence=H, last_update_at=NOW,
                              promised_at=NOW + 5 * H, claimed_at=NOW)
        assert due == NOW + H

    @pytest.mark.parametrize("state", [State.OPEN, State.RESOLVED, State.CLOSED,
                                       State.CANCELLED, State.MERGED])
    def test_nothing_owed_outside_ownership(self, state: State) -> None:
        assert next_update_due(state=state, cadence=H, last_update_at=None, promised_at=None,
                               claimed_at=NOW) is None

    def test_sev4_has_no_cadence(self) -> None:
        assert next_update_due(state=State.ACCEPTED, cadence=None, last_update_at=None,
                               promised_at=None, claimed_at=NOW) is None

    def test_overdue(self) -> None:
        assert is_overdue(NOW, NOW + timedelta(seconds=1)) and not is_overdue(NOW, NOW)
        assert not is_overdue(None, NOW)


def test_wrap_up_figures() -> None:
    wrap = wrap_up(escalated_at=NOW, posted_at=NOW + timedelta(minutes=1),
                   claimed_at=NOW + timedelta(minutes=13), accepted_at=None,
                   resolved_at=NOW + 26 * H, updates=4, root_cause=" cause ",
                   fix_version="4.2.2", l1_takeaway="Check the URN", kb_warranted=True)
    assert wrap.escalation_to_resolution == 26 * H
    assert wrap.time_to_claim == timedelta(minutes=12) and wrap.time_to_accept is None
    assert wrap.root_cause == "cause"
    assert wrap.next_steps == "L1 takeaway: Check the URN Knowledge-base article warranted."


class TestMerge:
    def test_impact_adds_users_and_unions_customers_and_tickets(self) -> None:
        impact = add_impact([(600, "Acme", ["ZD-1"]), (500, "acme ", ["zd-1", "ZD-2"]),
                             (10, "Globex", [])])
        assert impact.affected_users == 1110
        assert impact.customers == ("Acme", "Globex")
        assert impact.linked_tickets == ("ZD-1", "ZD-2")

    def test_suggestion_only_past_the_threshold_and_only_upwards(self) -> None:
        rule = MergeThreshold(customers=5, affected_users=1000, suggest=Severity.SEV2)
        small = add_impact([(10, f"C{i}", []) for i in range(4)])
        assert merge_suggestion(Severity.SEV3, small, rule) is None
        many = add_impact([(10, f"C{i}", []) for i in range(5)])
        assert merge_suggestion(Severity.SEV3, many, rule) is Severity.SEV2
        big = add_impact([(1000, "Acme", [])])
        assert merge_suggestion(Severity.SEV4, big, rule) is Severity.SEV2
        assert merge_suggestion(Severity.SEV1, big, rule) is None
        assert merge_suggestion(Severity.SEV2, big, rule) is None


class TestTimeline:
    def test_user_words_are_quotes_not_headline(self) -> None:
        """The headline carries no user text, so a renderer can escape the quotes alone."""
        event = Event(id=1, at=NOW, actor="U1", kind="info_requested",
                      from_state=State.ACCEPTED, to_state=State.NEEDS_INFO,
                      details={"question": "<!channel> which URL?"})
        line = entry(event)
        assert line.headline == ("<@U1> asked the requester for information "
                                 "(accepted → needs info)")
        assert line.quotes == (("Question", "<!channel> which URL?"),)
        assert line.milestone == "Needs info"

    def test_unknown_kinds_still_get_a_line(self) -> None:
        line = entry(Event(id=2, at=NOW, actor="bot", kind="something_new"))
        assert line.headline == "The bot: something new"


@pytest.mark.parametrize(("text", "number"), [
    ("ESC-42", 42), ("esc-42", 42), ("42", 42), (" #7 ", 7), ("ESC-0", None), ("ESC-x", None),
    ("42a", None), ("", None), ("٤٢", None), ("ESC--1", None),
])
def test_parse_public_id(text: str, number: int | None) -> None:
    assert parse_public_id(text) == number
