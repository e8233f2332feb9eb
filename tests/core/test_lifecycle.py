"""The escalation state machine (seed 001 §5 engineering feedback loop)."""

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
    (State.CLAIMED, State.ACCEPTED),
    (State.CLAIMED, State.OPEN),
    (State.CLAIMED, State.RESOLVED),
    (State.CLAIMED, State.CANCELLED),
    (State.ACCEPTED, State.REPRODUCED),
    (State.ACCEPTED, State.RESOLVED),
    (State.ACCEPTED, State.OPEN),
    (State.REPRODUCED, State.FIX_IN_PROGRESS),
    (State.REPRODUCED, State.RESOLVED),
    (State.FIX_IN_PROGRESS, State.RESOLVED),
    (State.RESOLVED, State.CLOSED),
    (State.RESOLVED, State.OPEN),
]
REFUSED = [
    (State.OPEN, State.ACCEPTED),
    (State.OPEN, State.RESOLVED),
    (State.OPEN, State.CLOSED),
    (State.CLAIMED, State.REPRODUCED),
    (State.CLAIMED, State.CLOSED),
    (State.ACCEPTED, State.FIX_IN_PROGRESS),
    (State.ACCEPTED, State.CLAIMED),
    (State.REPRODUCED, State.ACCEPTED),
    (State.FIX_IN_PROGRESS, State.REPRODUCED),
    (State.FIX_IN_PROGRESS, State.CLOSED),
    (State.RESOLVED, State.FIX_IN_PROGRESS),
    (State.RESOLVED, State.CANCELLED),
]
TERMINAL = [State.CLOSED, State.CANCELLED]


class TestTable:
    def test_every_state_has_a_row(self) -> None:
        """No state leaves the bot without an answer to "what may happen next?"."""
        assert set(TRANSITIONS) == set(State)

    def test_targets_are_states(self) -> None:
        """Every transition leads to a known state."""
        for targets in TRANSITIONS.values():
            assert targets <= set(State)

    def test_every_non_terminal_state_can_reach_an_end(self) -> None:
        """From any live state there is a path to closed or cancelled."""
        for start in State:
            seen, frontier = {start}, [start]
            while frontier:
                for nxt in TRANSITIONS[frontier.pop()]:
                    if nxt not in seen:
                        seen.add(nxt)
                        frontier.append(nxt)
            assert seen & set(TERMINAL), start

    def test_owned_states(self) -> None:
        """Claimed through fix-in-progress have an owner; open and finished cases do not."""
        assert {State.CLAIMED, State.ACCEPTED, State.REPRODUCED,
                                State.FIX_IN_PROGRESS} == OWNED_STATES
        assert State.OPEN not in OWNED_STATES
        assert not OWNED_STATES & {State.RESOLVED, *TERMINAL}


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

    @pytest.mark.parametrize("terminal", TERMINAL)
    @pytest.mark.parametrize("target", list(State))
    def test_terminal_states_are_final(self, terminal: State, target: State) -> None:
        """A closed or cancelled escalation can never move again, not even reopen."""
        assert not can_transition(terminal, target)

    def test_open_is_the_only_way_to_claimed(self) -> None:
        """An escalation can only be claimed while it is open."""
        sources = {s for s, targets in TRANSITIONS.items() if State.CLAIMED in targets}
        assert sources == {State.OPEN}

    def test_closing_needs_resolution_first(self) -> None:
        """Only a resolved escalation can be closed."""
        sources = {s for s, targets in TRANSITIONS.items() if State.CLOSED in targets}
        assert sources == {State.RESOLVED}


class TestRequireTransition:
    @pytest.mark.parametrize(("current", "target"), ALLOWED)
    def test_allowed_passes_silently(self, current: State, target: State) -> None:
        """An allowed move raises nothing."""
        require_transition(current, target)

    def test_refused_raises_with_both_states(self) -> None:
        """A refused move says where it came from and where it tried to go."""
        with pytest.raises(TransitionError, match="cannot go from closed to open"):
            require_transition(State.CLOSED, State.OPEN)

    def test_error_uses_state_values(self) -> None:
        """The message uses the stored state names, e.g. ``fix_in_progress``."""
        with pytest.raises(TransitionError, match="from fix_in_progress to closed"):
            require_transition(State.FIX_IN_PROGRESS, State.CLOSED)

    def test_transition_error_is_a_value_error(self) -> None:
        """Adapters catching ValueError also catch refused transitions."""
        assert issubclass(TransitionError, ValueError)
