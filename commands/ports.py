"""What the commands need from Slack, as a small protocol the bot's gateway implements.

Commands never see a Slack client or Block Kit: they hand core objects to this port, and the
gateway renders and sends. Errors come back as :class:`DeliveryError`, which says whether a
retry can help and whether the attempt may have landed anyway (so a post is never doubled).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from core.jira_sync import IssueSnapshot, JiraNote
from core.kb import Article
from core.model import Escalation
from core.progress import StatusUpdate, WrapUp
from core.report import Report
from core.report_data import WeeklySeries
from core.timeline import Notice, SeveritySuggestion, TimelineEntry
from core.timers import Nudge


class DeliveryError(Exception):
    def __init__(self, message: str, *, retryable: bool = True,
                 outcome_unknown: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        # True when Slack may have acted although we saw an error (timeout, 5xx, crash).
        self.outcome_unknown = outcome_unknown
        # Seconds the service asked us to wait (429 Retry-After); the outbox waits at least that.
        self.retry_after = retry_after


class NotFoundError(DeliveryError):
    """The thing asked for does not exist (a Jira key, a Zendesk ticket): no retry helps."""


class ThreadUnreadable(Exception):
    """The bot cannot read a thread (a private channel it is not in, a deleted thread): the
    Slack error code is the message. Nothing is drafted from a thread read in part."""


@dataclass(frozen=True)
class SourceItem:
    """One line of a packet's Sources reply: a checklist item and the messages behind it."""

    label: str
    links: tuple[str, ...]


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

    def display_name(self, user: str) -> str | None:
        """The name people see for ``user`` (Slack's ``users.info``); None when Slack knows no
        such user or no name. Raises :class:`DeliveryError` when Slack cannot say now. Called
        from background jobs only (:mod:`commands.names`), never from a request handler."""
        ...

    def read_thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """Every page of ``conversations.replies`` for the thread of ``ts``; raises
        :class:`ThreadUnreadable` when the bot may not read it."""
        ...

    def post_sources(self, esc: Escalation, items: Sequence[SourceItem], thread_link: str | None,
                     *, look_first: bool) -> None:
        """Reply in the packet's thread with the messages each drafted item came from."""
        ...

    def send_nudge(self, esc: Escalation, nudge: Nudge, *, look_first: bool) -> None:
        """Post a reminder (thread reply or DM). With ``look_first`` (the last attempt's
        outcome is unknown) a thread reply already posted is found, not posted again."""
        ...
    # -- the feedback loop (issue 5). Every method is called from the outbox (retried until it
    # lands, never twice for one stored change); each may raise DeliveryError.

    def post_timeline(self, esc: Escalation, entry: TimelineEntry) -> None:
        """One line in the packet's thread (the escalation's timeline)."""

    def post_status_update(self, esc: Escalation, update: StatusUpdate) -> None:
        """The five answers and the customer-safe draft, in the packet's thread."""

    def post_wrap_up(self, esc: Escalation, wrap: WrapUp) -> None:
        """The resolution wrap-up in the thread (times, updates, root cause, next steps)."""

    def send_dm(self, esc: Escalation, notice: Notice) -> None:
        """A DM to ``notice.to`` with ``notice.actions`` as buttons (Answer; Verify/Reopen;
        Accept handoff/Decline handoff)."""

    def notify_leads(self, esc: Escalation, entry: TimelineEntry, users: frozenset[str],
                     channel: str | None) -> None:
        """Tell the leads (DMs to ``users``) and the leadership channel, with the packet link."""

    def suggest_severity(self, esc: Escalation, suggestion: SeveritySuggestion) -> None:
        """In the thread, to the owner: a one-click severity upgrade after merges."""

    def ask_handoff_rating(self, esc: Escalation, user: str) -> None:
        """Privately (ephemeral in the packet's thread): Yes / Partly / I had to ask."""

    def send_export(self, esc: Escalation, user: str, filename: str, markdown: str) -> None:
        """The Markdown export as a file in ``user``'s DM (files_upload_v2)."""

    # -- the leads' weekly digest (commands.digest)

    def post_digest(self, channel: str, report: Report, *, key: str,
                    late_note: str | None) -> Posted: ...

    def find_digest(self, channel: str, *, key: str, since: datetime) -> Posted | None: ...

    def upload_digest_chart(self, channel: str, report: Report, series: WeeklySeries | None,
                            *, filename: str) -> None: ...

    def upload_digest_report(self, channel: str, report: Report, *, thread_ts: str,
                             filename: str) -> None: ...

    # -- the knowledge loop (commands.kb)

    def send_kb_draft(self, esc: Escalation, article: Article, *, channel: str | None) -> None:
        """DM the draft to the escalation's requester (and post it to ``channel``) with
        Approve / Edit / Discard."""
        ...
    def post_jira_note(self, esc: Escalation, note: JiraNote) -> None: ...

    def notify_jira_resolved(self, esc: Escalation, note: JiraNote) -> None: ...


@dataclass(frozen=True)
class CreatedIssue:
    id: str
    key: str


class JiraPort(Protocol):
    """Jira Cloud, as :class:`bot.jira.client.JiraClient` speaks to it."""

    def browse_url(self, key: str) -> str: ...

    def create_issue(self, fields: dict[str, Any]) -> CreatedIssue: ...

    def issue(self, key: str) -> IssueSnapshot: ...

    def issues(self, keys: Sequence[str]) -> list[IssueSnapshot]: ...

    def find_by_label(self, project: str, label: str) -> IssueSnapshot | None: ...

    def add_comment(self, key: str, body: dict[str, Any]) -> str: ...

    def add_remote_link(self, key: str, *, url: str, title: str, global_id: str) -> None: ...


class ZendeskPort(Protocol):
    def internal_note(self, ticket_id: int, body: str) -> None: ...
