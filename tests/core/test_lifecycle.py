"""The escalation's state graph (seed 001 §5's engineering feedback loop), derived from actions."""

from __future__ import annotations

import pytest

from core.lifecycle import (
    OWNED_STATES,
    TRANSITIONS,
    TransitionError,
    can_transition,
    require_transition,
)
from core.model import State

ALLOWED = [
    (State.OPEN, State.CLAIMED),
    (State.OPEN, State.CANCELLED),
    (State.OPEN, State.MERGED),
    (State.CLAIMED, State.ACCEPTED),
    (State.CLAIMED, State.NEEDS_INFO),
    (State.CLAIMED, State.CANCELLED),
    (State.ACCEPTED, State.REPRODUCED),
    (State.ACCEPTED, State.CANNOT_REPRODUCE),
    (State.ACCEPTED, State.FIX_IN_PROGRESS),
    (State.ACCEPTED, State.RESOLVED),
    (State.CANNOT_REPRODUCE, State.REPRODUCED),
    (State.CANNOT_REPRODUCE, State.RESOLVED),
    (State.REPRODUCED, State.FIX_IN_PROGRESS),
    (State.REPRODUCED, State.RESOLVED),
    (State.FIX_IN_PROGRESS, State.RESOLVED),
    (State.NEEDS_INFO, State.FIX_IN_PROGRESS),  # the answer returns where it came from
    (State.RESOLVED, State.CLOSED),
    (State.RESOLVED, State.REOPENED),
    (State.CLOSED, State.REOPENED),
    (State.REOPENED, State.ACCEPTED),
]
REFUSED = [
    (State.OPEN, State.ACCEPTED),
    (State.OPEN, State.RESOLVED),
    (State.CLAIMED, State.REPRODUCED),
    (State.CLAIMED, State.RESOLVED),   # accept first
    (State.ACCEPTED, State.CLAIMED),
    (State.REPRODUCED, State.ACCEPTED),
    (State.FIX_IN_PROGRESS, State.REPRODUCED),
    (State.RESOLVED, State.FIX_IN_PROGRESS),
    (State.RESOLVED, State.CANCELLED),
    (State.NEEDS_INFO, State.RESOLVED),  # answered first
    (State.CANCELLED, State.REOPENED),
    (State.MERGED, State.REOPENED),
]
FINAL = [State.CANCELLED, State.MERGED]


class TestTable:
    def test_every_state_has_a_row(self) -> None:
        """No state leaves the bot without an answer to "what may happen next?"."""
        assert set(TRANSITIONS) == set(State)

    def test_every_live_state_can_reach_an_end(self) -> None:
        """From any state there is a path to closed, cancelled or merged."""
        ends = {State.CLOSED, State.CANCELLED, State.MERGED}
        for start in State:
            seen, frontier = {start}, [start]
            while frontier:
                for nxt in TRANSITIONS[frontier.pop()]:
                    if nxt not in seen:
                        seen.add(nxt)
                        frontier.append(nxt)
            assert seen & ends, start

    def test_owned_states(self) -> None:
        """From claim until resolution someone owns it; open and finished cases owe nothing."""
        assert {State.CLAIMED, State.ACCEPTED, State.REPRODUCED, State.CANNOT_REPRODUCE,
                State.FIX_IN_PROGRESS, State.NEEDS_INFO, State.REOPENED} == OWNED_STATES
        assert not OWNED_STATES & {State.OPEN, State.RESOLVED, State.CLOSED, *FINAL}


class TestCanTransition:
    @pytest.mark.parametrize(("current", "target"), ALLOWED)
    def test_allowed(self, current: State, target: State) -> None:
        """The feedback-loop moves (claim, accept, reproduce, fix, resolve, close) are allowed."""
        assert can_transition(current, target)

    @pytest.mark.parametrize(("current", "target"), REFUSED)
    def test_refused(self, current: State, target: State) -> None:
        """Skipping steps or going backwards out of order is refused."""
        assert not can_transition(current, target)

    @pytest.mark.parametrize("state", list(State))
    def test_no_self_transition(self, state: State) -> None:
        """Pressing the same button twice is not a state change."""
        assert not can_transition(state, state)

    @pytest.mark.parametrize("final", FINAL)
    @pytest.mark.parametrize("target", list(State))
    def test_cancelled_and_merged_are_final(self, final: State, target: State) -> None:
        """A cancelled or merged escalation never moves again."""
        assert not can_transition(final, target)

    def test_open_is_the_only_way_to_claimed(self) -> None:
        """Claimed is reached by a claim of an open one (or an answer returning there)."""
        sources = {s for s, targets in TRANSITIONS.items() if State.CLAIMED in targets}
        assert sources == {State.OPEN, State.NEEDS_INFO}


class TestRequireTransition:
    def test_refused_raises_with_both_states(self) -> None:
        """A refused move says where it came from and where it tried to go."""
        with pytest.raises(TransitionError, match="cannot go from cancelled to open"):
            require_transition(State.CANCELLED, State.OPEN)

    def test_allowed_passes_silently(self) -> None:
        require_transition(State.OPEN, State.CLAIMED)
