"""The escalation's state machine.

Only OPEN → CLAIMED is driven by the bot today; the rest of the table is the engineering
feedback loop (seed 001 §5) the next issues wire to buttons. Keeping it here means every
adapter asks the same question — "may this happen now?" — and gets the same answer.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.model import State

TRANSITIONS: Mapping[State, frozenset[State]] = {
    State.OPEN: frozenset({State.CLAIMED, State.CANCELLED}),
    State.CLAIMED: frozenset({State.ACCEPTED, State.OPEN, State.RESOLVED, State.CANCELLED}),
    State.ACCEPTED: frozenset({State.REPRODUCED, State.RESOLVED, State.OPEN}),
    State.REPRODUCED: frozenset({State.FIX_IN_PROGRESS, State.RESOLVED}),
    State.FIX_IN_PROGRESS: frozenset({State.RESOLVED}),
    State.RESOLVED: frozenset({State.CLOSED, State.OPEN}),
    State.CLOSED: frozenset(),
    State.CANCELLED: frozenset(),
}

OWNED_STATES = frozenset({State.CLAIMED, State.ACCEPTED, State.REPRODUCED,
                          State.FIX_IN_PROGRESS})


class TransitionError(ValueError):
    """A state change the lifecycle does not allow."""


def can_transition(current: State, target: State) -> bool:
    return target in TRANSITIONS[current]


def require_transition(current: State, target: State) -> None:
    if not can_transition(current, target):
        raise TransitionError(f"cannot go from {current.value} to {target.value}")
