"""What the commands need from Slack, as a small protocol the bot's gateway implements.

Commands never see a Slack client or Block Kit: they hand core objects to this port, and the
gateway renders and sends. Errors come back as :class:`DeliveryError`, which says whether a
retry can help and whether the attempt may have landed anyway (so a post is never doubled).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from core.model import Escalation
from core.timers import Nudge


class DeliveryError(Exception):
    def __init__(self, message: str, *, retryable: bool = True,
                 outcome_unknown: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable
        # True when Slack may have acted although we saw an error (timeout, 5xx, crash).
        self.outcome_unknown = outcome_unknown


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str
    # Sections too long for the message went to the thread (posted separately).
    has_overflow: bool = False


class SlackPort(Protocol):
    def post_packet(self, esc: Escalation) -> Posted: ...

    def find_packet(self, esc: Escalation, *, since: datetime) -> Posted | None: ...

    def post_overflow(self, esc: Escalation) -> None: ...

    def update_packet(self, esc: Escalation) -> None: ...

    def permalink(self, channel: str, ts: str) -> str | None: ...

    def notify_posted(self, esc: Escalation) -> None: ...

    def notify_claimed(self, esc: Escalation) -> None: ...

    def notify_post_problem(self, esc: Escalation, error: str) -> None: ...

    def ephemeral(self, channel: str, user: str, text: str) -> None: ...

    def group_members(self, group_id: str) -> frozenset[str] | None: ...

    def send_nudge(self, esc: Escalation, nudge: Nudge, *, look_first: bool) -> None:
        """Post a reminder (thread reply or DM). With ``look_first`` (the last attempt's
        outcome is unknown) a thread reply already posted is found, not posted again."""
        ...
