"""The escalation's state graph, derived from the actions in :mod:`core.workflow`.

``TRANSITIONS[s]`` is every state some action can take an escalation to from ``s`` (an
answered needs-info returns to any state it may have come from). Adapters ask
:func:`core.workflow.refusal` about *actions*; this graph answers "can it ever get there?".
"""

from __future__ import annotations

from collections.abc import Mapping

from core.model import State
from core.workflow import ALLOWED_FROM, OWNED, TARGET, Action


def _graph() -> dict[State, frozenset[State]]:
    graph: dict[State, set[State]] = {state: set() for state in State}
    for action, sources in ALLOWED_FROM.items():
        for source in sources:
            if action is Action.ANSWER_INFO:
                graph[source] |= set(OWNED - {State.NEEDS_INFO})
            elif action in TARGET and TARGET[action] is not source:
                graph[source].add(TARGET[action])
    return {state: frozenset(targets) for state, targets in graph.items()}


TRANSITIONS: Mapping[State, frozenset[State]] = _graph()

OWNED_STATES = OWNED


class TransitionError(ValueError):
    """A state change the lifecycle does not allow."""


def can_transition(current: State, target: State) -> bool:
    return target in TRANSITIONS[current]


def require_transition(current: State, target: State) -> None:
    if not can_transition(current, target):
        raise TransitionError(f"cannot go from {current.value} to {target.value}")
