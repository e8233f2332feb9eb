"""Who may do what, in which state — and what a refused person is told."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from core.model import Level, Severity, State
from core.roles import People, Role
from core.workflow import (
    ALLOWED_FROM,
    PACKET_ORDER,
    PERSONAL,
    WHO,
    Action,
    RefusalReason,
    Situation,
    available,
    refusal,
    target_state,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
PEOPLE = People(requester="UREQ", case_owner="UCASE", owner="UOWN", incident_commander="UIC",
                leads=frozenset({"ULEAD"}), specialists=frozenset({"USPEC", "UOWN"}),
                specialists_group="S0SPEC")


def sit(state: State, **kw: object) -> Situation:
    base = Situation(public_id="ESC-42", state=state, people=PEOPLE, severity=Severity.SEV3,
                     level=Level.L2)
    return replace(base, **kw)  # type: ignore[arg-type]


class TestStates:
    def test_every_action_names_its_states(self) -> None:
        """No action is possible "from anywhere" by omission: each lists its states."""
        assert set(ALLOWED_FROM) == set(Action)
        assert all(ALLOWED_FROM[a] for a in Action)

    def test_packet_offers_only_what_the_state_allows(self) -> None:
        """An accepted escalation offers reproduce/update/ETA/resolve — not Claim or Verify."""
        offered = available(State.ACCEPTED)
        assert Action.CLAIM not in offered and Action.VERIFY not in offered
        assert {Action.POST_UPDATE, Action.REPRODUCED, Action.CANNOT_REPRODUCE,
                Action.SET_ETA, Action.RESOLVE, Action.NEEDS_INFO} <= set(offered)
        assert available(State.OPEN)[0] is Action.CLAIM
        assert set(available(State.RESOLVED)) == {Action.VERIFY, Action.REOPEN, Action.CLOSE,
                                                  Action.EXPORT}
        assert available(State.CANCELLED) == (Action.EXPORT,)

    def test_personal_actions_are_not_on_the_packet(self) -> None:
        assert not PERSONAL & set(PACKET_ORDER)

    def test_needs_info_returns_where_it_came_from(self) -> None:
        assert target_state(Action.ANSWER_INFO, State.NEEDS_INFO,
                            State.FIX_IN_PROGRESS) is State.FIX_IN_PROGRESS
        assert target_state(Action.POST_UPDATE, State.REPRODUCED) is State.REPRODUCED

    @pytest.mark.parametrize("state", [State.OPEN, State.RESOLVED, State.CANCELLED])
    def test_illegal_action_says_why_and_what_is_possible(self, state: State) -> None:
        """Accept on an open/resolved/cancelled case: a sentence naming the state and options."""
        refused = refusal(Action.ACCEPT, sit(state), user="UOWN", now=NOW)
        assert refused is not None and refused.reason is RefusalReason.STATE
        assert f"ESC-42 is {state.label.lower()}" in refused.text
        assert "Possible now:" in refused.text or "Nothing more" in refused.text

    def test_resolve_before_accept_says_accept_first(self) -> None:
        refused = refusal(Action.RESOLVE, sit(State.CLAIMED), user="UOWN", now=NOW)
        assert refused is not None and "*Accept*" in refused.text

    def test_merged_points_to_the_survivor(self) -> None:
        refused = refusal(Action.POST_UPDATE, sit(State.MERGED, merged_into=17), user="UOWN",
                          now=NOW)
        assert refused is not None and "ESC-17" in refused.text


class TestRoles:
    @pytest.mark.parametrize(("action", "state", "allowed", "refused"), [
        (Action.ACCEPT, State.CLAIMED, ["UOWN"], ["UREQ", "ULEAD", "USPEC"]),
        (Action.POST_UPDATE, State.ACCEPTED, ["UOWN"], ["UREQ", "ULEAD"]),
        (Action.RESOLVE, State.FIX_IN_PROGRESS, ["UOWN"], ["UREQ", "ULEAD", "UIC"]),
        (Action.ANSWER_INFO, State.NEEDS_INFO, ["UREQ", "UCASE"], ["UOWN", "ULEAD"]),
        (Action.REASSIGN, State.ACCEPTED, ["UOWN", "ULEAD"], ["UREQ", "USPEC"]),
        (Action.ESCALATE_LEVEL, State.ACCEPTED, ["UOWN", "UREQ", "ULEAD"], ["USPEC", "UIC"]),
        (Action.CANCEL, State.ACCEPTED, ["ULEAD"], ["UOWN", "UREQ"]),
        (Action.CLOSE, State.RESOLVED, ["ULEAD"], ["UOWN", "UREQ"]),
        (Action.VERIFY, State.RESOLVED, ["UREQ", "UCASE"], ["UOWN", "ULEAD"]),
        (Action.SET_IC, State.ACCEPTED, ["UOWN", "ULEAD"], ["UREQ"]),
        (Action.EXPORT, State.CLOSED, ["UOWN", "UREQ", "UNOBODY"], []),
    ])
    def test_the_table(self, action: Action, state: State, allowed: list[str],
                       refused: list[str]) -> None:
        situation = sit(state, open_question=state is State.NEEDS_INFO)
        for user in allowed:
            assert refusal(action, situation, user=user, now=NOW) is None, user
        for user in refused:
            answer = refusal(action, situation, user=user, now=NOW)
            assert answer is not None and answer.reason is RefusalReason.ROLE, user

    def test_refusal_says_who_can(self) -> None:
        """"Only the owner (<@UOWN>) can post an update on ESC-42.\""""
        answer = refusal(Action.POST_UPDATE, sit(State.ACCEPTED), user="UREQ", now=NOW)
        assert answer is not None
        assert answer.text == "Only the owner (<@UOWN>) can post an update on ESC-42."

    def test_claim_is_for_the_domains_specialists(self) -> None:
        answer = refusal(Action.CLAIM, sit(State.OPEN, people=replace(PEOPLE, owner=None)),
                         user="UREQ", now=NOW)
        assert answer is not None and "<!subteam^S0SPEC>" in answer.text
        anyone = replace(PEOPLE, owner=None, specialists=None, specialists_group=None)
        assert refusal(Action.CLAIM, sit(State.OPEN, people=anyone), user="UREQ",
                       now=NOW) is None

    def test_severity_up_for_many_down_for_leads(self) -> None:
        """Raising: owner, requester, IC or lead. Lowering: a lead only, and it says so."""
        here = sit(State.ACCEPTED, severity=Severity.SEV3)
        for user in ("UOWN", "UREQ", "UIC", "ULEAD"):
            assert refusal(Action.CHANGE_SEVERITY, here, user=user, now=NOW,
                           new_severity=Severity.SEV2) is None
        assert refusal(Action.CHANGE_SEVERITY, here, user="USPEC", now=NOW,
                       new_severity=Severity.SEV2) is not None
        down = refusal(Action.CHANGE_SEVERITY, here, user="UOWN", now=NOW,
                       new_severity=Severity.SEV4)
        assert down is not None and down.text.startswith("Only a lead")
        assert "lower the severity" in down.text
        assert refusal(Action.CHANGE_SEVERITY, here, user="ULEAD", now=NOW,
                       new_severity=Severity.SEV4) is None

    def test_reopen_window(self) -> None:
        """Within 7 days the requester or owner may reopen; after it only a lead."""
        resolved = sit(State.RESOLVED, resolved_at=NOW - timedelta(days=6, hours=23))
        assert refusal(Action.REOPEN, resolved, user="UREQ", now=NOW) is None
        late = sit(State.CLOSED, resolved_at=NOW - timedelta(days=9),
                   closed_at=NOW - timedelta(days=8))
        answer = refusal(Action.REOPEN, late, user="UREQ", now=NOW)
        assert answer is not None and "after the 7-day reopen window" in answer.text
        assert refusal(Action.REOPEN, late, user="ULEAD", now=NOW) is None
        assert refusal(Action.REOPEN, late, user="UREQ", now=NOW,
                       reopen_window=timedelta(days=10)) is None

    def test_handoff_only_by_the_named_person(self) -> None:
        pending = sit(State.ACCEPTED, people=replace(PEOPLE, handoff_to="UNEW"))
        assert refusal(Action.ACCEPT_HANDOFF, pending, user="UNEW", now=NOW) is None
        other = refusal(Action.ACCEPT_HANDOFF, pending, user="UOWN", now=NOW)
        assert other is not None and "<@UNEW>" in other.text
        none = refusal(Action.ACCEPT_HANDOFF, sit(State.ACCEPTED), user="UNEW", now=NOW)
        assert none is not None and "No handoff" in none.text

    def test_each_action_has_a_rule(self) -> None:
        assert set(WHO) == set(Action)
        assert Role.ANYONE in PEOPLE.roles_of("USTRANGER")


class TestPreconditions:
    def test_rating_is_once(self) -> None:
        answer = refusal(Action.RATE_HANDOFF, sit(State.RESOLVED, rated=True), user="UOWN",
                         now=NOW)
        assert answer is not None and "rated already" in answer.text

    def test_top_of_the_ladder(self) -> None:
        answer = refusal(Action.ESCALATE_LEVEL, sit(State.ACCEPTED, level=Level.L4),
                         user="UOWN", now=NOW)
        assert answer is not None and "L5 Leadership is notified, never the owner" in answer.text

    def test_same_severity(self) -> None:
        answer = refusal(Action.CHANGE_SEVERITY, sit(State.ACCEPTED), user="UOWN", now=NOW,
                         new_severity=Severity.SEV3)
        assert answer is not None and "SEV3 already" in answer.text
