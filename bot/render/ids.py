"""Every callback_id, action_id and block_id the bot uses (one place, like Dispatch's enums)."""

from __future__ import annotations

from enum import StrEnum

from core.checklist import Step
from core.workflow import Action


class Ids(StrEnum):
    ESCALATE_COMMAND = "/escalate"
    BACK = "escalate_back"
    CLAIM = "claim"
    DONE_VIEW = "escalate.done"
    PACKET_ACTIONS = "packet_actions"
    HOME = "home"
    # Buttons on reminders: the feedback loop's actions (``loop:<action>``, value = the id).
    ACCEPT = "loop:accept"
    POST_UPDATE = "loop:update"
    # The feedback loop: packet overflow menus (loop_more, loop_more1 …), the command.
    LOOP_MORE = "loop_more"
    ESCALATION_COMMAND = "/escalation"
    JIRA_CREATE = "jira_create"


# Buttons on the packet and in DMs: ``loop:<action>`` (``loop:rate:<choice>`` for the rating).
LOOP_ACTION_PATTERN = r"^loop:[a-z-]+(?::[a-z0-9_-]+)?$"
LOOP_MORE_PATTERN = r"^loop_more\d*$"
# Modals of the loop: ``loop.<action>``.
LOOP_VIEW_PATTERN = r"^loop\.[a-z-]+$"


def step_callback(step: Step) -> str:
    return f"escalate.{step.value}"


STEP_CALLBACK_PATTERN = r"^escalate\.(problem|reproduction|handoff)$"


def step_from_callback(callback_id: str) -> Step:
    return Step(callback_id.removeprefix("escalate."))


def loop_action_id(action: Action, choice: str | None = None) -> str:
    return f"loop:{action.value}" + (f":{choice}" if choice else "")


def loop_callback(action: Action) -> str:
    return f"loop.{action.value}"


def action_from_id(action_id: str) -> tuple[Action, str | None] | None:
    """``loop:accept`` → (ACCEPT, None); ``loop:rate:yes`` → (RATE_HANDOFF, "yes")."""
    parts = action_id.split(":")
    if len(parts) not in (2, 3) or parts[0] not in ("loop",):
        return None
    try:
        action = Action(parts[1])
    except ValueError:
        return None
    return action, parts[2] if len(parts) == 3 else None


def action_from_callback(callback_id: str) -> Action | None:
    try:
        return Action(callback_id.removeprefix("loop."))
    except ValueError:
        return None
