"""An in-memory Slack port for command tests (a real object, not a mock).

It keeps messages per channel like Slack would, so tests assert on state: "the packet is in
C0AUTH0001 and shows the owner", not on call lists. Failures are scripted per method.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from commands.ports import DeliveryError, Posted, SourceItem, ThreadUnreadable
from core.jira_sync import JiraNote
from core.kb import Article
from core.model import Escalation
from core.progress import StatusUpdate, WrapUp
from core.report import Report
from core.report_data import WeeklySeries
from core.timeline import Notice, SeveritySuggestion, TimelineEntry
from core.timers import Nudge
from core.workflow import Action


@dataclass
class Message:
    channel: str
    ts: str
    escalation_id: int | None
    text: str
    owner: str | None = None
    thread_ts: str | None = None
    kind: str = "packet"
    buttons: tuple[str, ...] = ()
    digest_key: str | None = None
    late_note: str | None = None
    report: Report | None = None
    jira: dict[str, str] = field(default_factory=dict)


@dataclass
class Dm:
    """A DM as the recipient sees it: which escalation, what it says, which buttons."""

    escalation_id: int
    kind: str
    text: str
    buttons: tuple[Action, ...] = ()


@dataclass
class InMemorySlack:
    messages: list[Message] = field(default_factory=list)
    dms: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    ephemerals: list[tuple[str, str, str]] = field(default_factory=list)
    groups: dict[str, frozenset[str]] = field(default_factory=dict)
    files: list[tuple[str, str | None, str]] = field(default_factory=list)
    kb_drafts: list[tuple[str, Article]] = field(default_factory=list)
    failures: dict[str, list[DeliveryError]] = field(default_factory=lambda: defaultdict(list))
    # When set, post_packet stores the message *then* raises (Slack acted, we saw an error).
    lose_response_once: bool = False
    lookups: int = 0
    # Reminders sent: (where, nudge) — where is "thread:<channel>" or the user's id.
    nudges: list[tuple[str, Nudge]] = field(default_factory=list)
    # The feedback loop: DMs with buttons per user, leads' notices, ratings asked, exports.
    notices: dict[str, list[Dm]] = field(default_factory=lambda: defaultdict(list))
    leadership: list[tuple[int, str | None, frozenset[str]]] = field(default_factory=list)
    ratings_asked: list[tuple[int, str]] = field(default_factory=list)
    exports: list[tuple[int, str, str, str]] = field(default_factory=list)
    # Threads the bot may read: (channel, thread ts) -> conversations.replies pages.
    threads: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    # Sources replies posted: (escalation id, [(label, links)], thread link).
    sources: list[tuple[int, list[SourceItem], str | None]] = field(default_factory=list)
    # Display names the workspace knows (users.info); a user missing here is not found.
    names: dict[str, str] = field(default_factory=dict)
    name_lookups: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _seq: int = 0

    def display_name(self, user: str) -> str | None:
        self._maybe_fail("display_name")
        self.name_lookups.append(user)
        return self.names.get(user)

    def read_thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        self._maybe_fail("read_thread")
        if (channel, ts) not in self.threads:
            raise ThreadUnreadable("channel_not_found")
        return self.threads[(channel, ts)]

    def post_sources(self, esc: Escalation, items: Any, thread_link: str | None, *,
                     look_first: bool) -> None:
        self._maybe_fail("post_sources")
        if look_first and any(s[0] == esc.id for s in self.sources):
            return
        self.sources.append((esc.id, list(items), thread_link))

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

    def thread(self, esc_id: int) -> list[Message]:
        """The replies in an escalation's packet thread, oldest first (its timeline)."""
        return [m for m in self.messages if m.escalation_id == esc_id and m.thread_ts]

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
                m.jira = {k: v for k, v in esc.extra.items() if k.startswith("jira_")}

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
    # -- the feedback loop

    def _reply(self, esc: Escalation, kind: str, text: str,
               buttons: tuple[str, ...] = ()) -> None:
        if esc.channel is None or esc.message_ts is None:
            raise DeliveryError("packet not posted yet")
        with self._lock:
            self.messages.append(Message(esc.channel, self._ts_unlocked(), esc.id, text,
                                         thread_ts=esc.message_ts, kind=kind,
                                         buttons=buttons))

    def _ts_unlocked(self) -> str:
        self._seq += 1
        return f"1700000000.{self._seq:06d}"

    def post_timeline(self, esc: Escalation, entry: TimelineEntry) -> None:
        self._maybe_fail("post_timeline")
        quotes = " | ".join(f"{label}: {text}" for label, text in entry.quotes)
        self._reply(esc, entry.kind, entry.headline + (f" | {quotes}" if quotes else ""))

    def post_status_update(self, esc: Escalation, update: StatusUpdate) -> None:
        self._maybe_fail("post_status_update")
        self._reply(esc, "status_update", update.draft.as_text())

    def post_wrap_up(self, esc: Escalation, wrap: WrapUp) -> None:
        self._maybe_fail("post_wrap_up")
        self._reply(esc, "wrap_up", f"updates={wrap.updates} root cause: {wrap.root_cause}")

    def send_dm(self, esc: Escalation, notice: Notice) -> None:
        self._maybe_fail("send_dm")
        with self._lock:
            self.notices[notice.to].append(Dm(esc.id, notice.entry.kind, notice.entry.headline,
                                              notice.actions))

    def notify_leads(self, esc: Escalation, entry: TimelineEntry, users: frozenset[str],
                     channel: str | None) -> None:
        self._maybe_fail("notify_leads")
        with self._lock:
            self.leadership.append((esc.id, channel, users))

    def suggest_severity(self, esc: Escalation, suggestion: SeveritySuggestion) -> None:
        self._maybe_fail("suggest_severity")
        self._reply(esc, "suggest_severity",
                    f"suggest {suggestion.severity.value} to {suggestion.owner}: "
                    f"{suggestion.reason}", buttons=(suggestion.severity.value,))

    def ask_handoff_rating(self, esc: Escalation, user: str) -> None:
        self._maybe_fail("ask_handoff_rating")
        with self._lock:
            self.ratings_asked.append((esc.id, user))

    def send_export(self, esc: Escalation, user: str, filename: str, markdown: str) -> None:
        self._maybe_fail("send_export")
        with self._lock:
            self.exports.append((esc.id, user, filename, markdown))

    # -- the weekly digest: messages by metadata key, files by name

    def post_digest(self, channel: str, report: Report, *, key: str,
                    late_note: str | None) -> Posted:
        self._maybe_fail("post_digest")
        message = Message(channel, self._ts(), None, report.title, digest_key=key,
                          late_note=late_note, report=report)
        self.messages.append(message)
        if self.lose_response_once:
            self.lose_response_once = False
            raise DeliveryError("read timeout", outcome_unknown=True)
        return Posted(channel, message.ts)

    def find_digest(self, channel: str, *, key: str, since: datetime) -> Posted | None:
        self.lookups += 1
        for m in self.messages:
            if m.channel == channel and m.digest_key == key:
                return Posted(channel, m.ts)
        return None

    def digests(self, channel: str | None = None) -> list[Message]:
        return [m for m in self.messages if m.digest_key is not None
                and (channel is None or m.channel == channel)]

    def upload_digest_chart(self, channel: str, report: Report, series: WeeklySeries | None,
                            *, filename: str) -> None:
        self._maybe_fail("upload_digest_chart")
        self.files.append((channel, None, filename))

    def upload_digest_report(self, channel: str, report: Report, *, thread_ts: str,
                             filename: str) -> None:
        self._maybe_fail("upload_digest_report")
        self.files.append((channel, thread_ts, filename))

    # -- the knowledge loop: drafts as the recipients see them

    def send_kb_draft(self, esc: Escalation, article: Article, *, channel: str | None) -> None:
        self._maybe_fail("send_kb_draft")
        self.kb_drafts.append((esc.requester, article))
        if channel is not None:
            self.kb_drafts.append((channel, article))
    def post_jira_note(self, esc: Escalation, note: JiraNote) -> None:
        self._maybe_fail("post_jira_note")
        assert esc.channel and esc.message_ts
        text = f"jira {note.kind.value} {note.key} {note.status or ''} " \
            f"{note.action.value if note.action else ''} {'applied' if note.applied else ''}"
        self.messages.append(Message(esc.channel, self._ts(), esc.id, text.strip(),
                                     thread_ts=esc.message_ts))

    def notify_jira_resolved(self, esc: Escalation, note: JiraNote) -> None:
        self._maybe_fail("notify_jira_resolved")
        self.dms[esc.requester].append(f"resolved in jira {esc.public_id} {note.key} "
                                       f"{','.join(note.fix_versions)}")
