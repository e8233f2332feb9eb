"""Every callback_id, action_id and block_id the bot uses (one place, like Dispatch's enums)."""

from __future__ import annotations

from enum import StrEnum

from core.checklist import Step


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


def step_callback(step: Step) -> str:
    return f"escalate.{step.value}"


STEP_CALLBACK_PATTERN = r"^escalate\.(problem|reproduction|handoff)$"


def step_from_callback(callback_id: str) -> Step:
    return Step(callback_id.removeprefix("escalate."))
