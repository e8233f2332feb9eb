"""An in-memory Slack port for command tests (a real object, not a mock).

It keeps messages per channel like Slack would, so tests assert on state: "the packet is in
C0AUTH0001 and shows the owner", not on call lists. Failures are scripted per method.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from commands.ports import DeliveryError, Posted
from core.model import Escalation
from core.timers import Nudge


@dataclass
class Message:
    channel: str
    ts: str
    escalation_id: int | None
    text: str
    owner: str | None = None
    thread_ts: str | None = None


@dataclass
class InMemorySlack:
    messages: list[Message] = field(default_factory=list)
    dms: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    ephemerals: list[tuple[str, str, str]] = field(default_factory=list)
    groups: dict[str, frozenset[str]] = field(default_factory=dict)
    failures: dict[str, list[DeliveryError]] = field(default_factory=lambda: defaultdict(list))
    # When set, post_packet stores the message *then* raises (Slack acted, we saw an error).
    lose_response_once: bool = False
    lookups: int = 0
    # Reminders sent: (where, nudge) — where is "thread:<channel>" or the user's id.
    nudges: list[tuple[str, Nudge]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _seq: int = 0

    def fail(self, method: str, error: DeliveryError, times: int = 1) -> None:
        self.failures[method].extend([error] * times)

    def _maybe_fail(self, method: str) -> None:
        with self._lock:
            if self.failures[method]:
                raise self.failures[method].pop(0)

    def _ts(self) -> str:
        with self._lock:
            self._seq += 1
            return f"1700000000.{self._seq:06d}"

    def packets(self, channel: str | None = None) -> list[Message]:
        return [m for m in self.messages if m.escalation_id is not None and m.thread_ts is None
                and (channel is None or m.channel == channel)]

    def post_packet(self, esc: Escalation) -> Posted:
        self._maybe_fail("post_packet")
        message = Message(esc.domain.channel, self._ts(), esc.id, esc.answers.problem or "")
        self.messages.append(message)
        if self.lose_response_once:
            self.lose_response_once = False
            raise DeliveryError("read timeout", outcome_unknown=True)
        return Posted(message.channel, message.ts)

    def find_packet(self, esc: Escalation, *, since: datetime) -> Posted | None:
        self.lookups += 1
        self._maybe_fail("find_packet")
        for m in self.packets(esc.domain.channel):
            if m.escalation_id == esc.id:
                return Posted(m.channel, m.ts)
        return None

    def post_overflow(self, esc: Escalation) -> None:
        self._maybe_fail("post_overflow")
        assert esc.channel and esc.message_ts
        self.messages.append(Message(esc.channel, self._ts(), esc.id, "overflow",
                                     thread_ts=esc.message_ts))

    def update_packet(self, esc: Escalation) -> None:
        self._maybe_fail("update_packet")
        for m in self.messages:
            if m.ts == esc.message_ts:
                m.owner = esc.owner

    def permalink(self, channel: str, ts: str) -> str | None:
        return f"https://fake.slack.test/archives/{channel}/p{ts.replace('.', '')}"

    def notify_posted(self, esc: Escalation) -> None:
        self._maybe_fail("notify_posted")
        self.dms[esc.requester].append(f"posted {esc.public_id} {esc.permalink}")

    def notify_claimed(self, esc: Escalation) -> None:
        self._maybe_fail("notify_claimed")
        self.dms[esc.requester].append(f"claimed {esc.public_id} by {esc.owner}")

    def notify_post_problem(self, esc: Escalation, error: str) -> None:
        self.dms[esc.requester].append(f"problem {esc.public_id}: {error}")

    def ephemeral(self, channel: str, user: str, text: str) -> None:
        with self._lock:
            self.ephemerals.append((channel, user, text))

    def group_members(self, group_id: str) -> frozenset[str] | None:
        return self.groups.get(group_id)

    def send_nudge(self, esc: Escalation, nudge: Nudge, *, look_first: bool) -> None:
        self._maybe_fail("send_nudge")
        if nudge.recipient is not None:
            self.nudges.append((nudge.recipient, nudge))
            self.dms[nudge.recipient].append(f"nudge:{nudge.action.value}")
            return
        assert esc.channel and esc.message_ts
        if look_first and any(n.id == nudge.id and w.startswith("thread:")
                              for w, n in self.nudges):
            return
        self.nudges.append((f"thread:{esc.channel}", nudge))
        self.messages.append(Message(esc.channel, self._ts(), esc.id,
                                     f"nudge:{nudge.action.value}", thread_ts=esc.message_ts))

    def nudge_actions(self, where: str | None = None) -> list[str]:
        return [n.action.value for w, n in self.nudges if where is None or w == where]
