"""The Slack side of :class:`commands.ports.SlackPort`: render, send, translate errors.

All Web API calls go through one ``WebClient`` built with slack_sdk's retry handlers
(rate limits honour ``Retry-After``; connection errors and 5xx are retried a few times). What
still fails becomes a :class:`DeliveryError` the outbox retries later.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot import metrics
from bot.loop_gateway import LoopSends
from bot.render import jira as jira_render
from bot.render import notices
from bot.render import nudges as nudge_render
from bot.render.digest import METADATA_EVENT as DIGEST_EVENT
from bot.render.digest import digest_message
from bot.render.digest import metadata as digest_metadata
from bot.render.kb import draft_message
from bot.render.packet import METADATA_EVENT, metadata, overflow_messages, packet
from bot.render.sources import SOURCES_EVENT, sources_message
from commands.ports import DeliveryError, Posted, SourceItem, ThreadUnreadable
from core.jira_sync import JiraNote
from core.kb import Article
from core.model import Escalation
from core.redaction import NO_ALLOW, AllowList, redact
from core.report import Report
from core.report_data import WeeklySeries
from core.report_format import to_markdown
from core.timers import Nudge

log = logging.getLogger(__name__)

# Errors that retrying the same call cannot fix (the outbox still retries later, with backoff,
# in case an admin fixes the cause, and the requester is told at once).
_PERMANENT = {"channel_not_found", "is_archived", "invalid_blocks", "msg_too_long",
              "invalid_auth", "not_authed", "account_inactive", "token_revoked",
              "missing_scope", "restricted_action", "invalid_arguments", "no_text"}


# A rate limit longer than this is not slept through in the call: the outbox reschedules the
# item instead. Together with the timeout and retry counts this bounds one delivery attempt
# (3 calls × 10 s + 2 × 6 s ≈ 45 s), which must stay under the outbox lease (default 120 s):
# an attempt that outlived its lease could be retried by another worker while still running.
MAX_RATE_LIMIT_WAIT_S = 5


class BoundedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Slack's rate-limit retry, but only for a short ``Retry-After``."""

    def __init__(self, *, max_wait_s: int = MAX_RATE_LIMIT_WAIT_S, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_wait_s = max_wait_s

    def _can_retry(self, *, state: Any, request: Any, response: Any = None,
                   error: Exception | None = None) -> bool:
        if response is None or response.status_code != 429:
            return False
        waits = [v for k, v in response.headers.items() if k.lower() == "retry-after"]
        try:
            wait = int(waits[0][0]) if waits else 1
        except (TypeError, ValueError, IndexError):
            wait = 1
        return wait <= self.max_wait_s


def make_client(*, token: str, base_url: str, timeout: int = 10) -> WebClient:
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            BoundedRateLimitRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )


def _translate(exc: Exception) -> DeliveryError:
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"HTTP {status}")
        if status == 429:
            return DeliveryError(f"rate limited ({error})")
        if status >= 500:
            return DeliveryError(f"Slack answered HTTP {status}", outcome_unknown=True)
        return DeliveryError(error, retryable=error not in _PERMANENT)
    return DeliveryError(f"cannot reach Slack: {exc}", outcome_unknown=True)


# Arguments whose strings are shown to people: redacted on the way out, whatever built them.
_SHOWN = frozenset({"text", "blocks", "alt_text", "title", "initial_comment"})


def scrub(value: Any, allow: AllowList = NO_ALLOW, *, shown: bool = False) -> Any:
    """``value`` with PII and secrets redacted in every string a person would read.

    Everything the bot posts passes through here (seed 003); answers are redacted before they
    are stored already, so this is the last line, not the first. Ids, URLs, action values and
    metadata are left alone.
    """
    if isinstance(value, str):
        return redact(value, allow=allow).text if shown else value
    if isinstance(value, list):
        return [scrub(v, allow, shown=shown) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v, allow, shown=shown or k in _SHOWN)
                if k not in ("url", "value", "action_id", "block_id", "image_url") else v
                for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Installation:
    """Who posts our packets: the bot and app ids (``auth.test``) and the installation's own
    key, which goes into every packet's metadata. The look-before-repost matches all three,
    so another app, another installation of this one (staging beside production), or another
    database's bot posting into the same channel is never taken for us."""

    key: str
    bot_id: str | None = None
    app_id: str | None = None

    def owns(self, message: dict[str, Any]) -> bool:
        if self.bot_id is not None and message.get("bot_id") != self.bot_id:
            return False
        if self.app_id is not None and message.get("app_id") not in (None, self.app_id):
            return False
        meta = message.get("metadata") or {}
        payload = meta.get("event_payload") if isinstance(meta, dict) else None
        return isinstance(payload, dict) and meta.get("event_type") == METADATA_EVENT \
            and payload.get("installation") == self.key


def identify(client: WebClient, installation_key: str) -> Installation:
    """Ask Slack who this bot is (``auth.test``) once at start."""
    response = client.auth_test()
    bot_id, app_id = response.get("bot_id"), response.get("app_id")
    return Installation(key=installation_key,
                        bot_id=bot_id if isinstance(bot_id, str) and bot_id else None,
                        app_id=app_id if isinstance(app_id, str) and app_id else None)


class SlackGateway(LoopSends):
    def __init__(self, client: WebClient, *, group_cache_ttl: float = 60.0,
                 allow: AllowList = NO_ALLOW,
                 installation: Installation | None = None) -> None:
        self.client = client
        self.allow = allow
        self._groups: dict[str, tuple[float, frozenset[str]]] = {}
        self._groups_lock = threading.Lock()
        self._ttl = group_cache_ttl
        self.installation = installation or Installation(key="")

    def _metadata(self, esc: Escalation) -> dict[str, object]:
        meta = metadata(esc)
        payload = dict(meta["event_payload"])  # type: ignore[call-overload]
        payload["installation"] = self.installation.key
        return {**meta, "event_payload": payload}

    def _call(self, method: str, **args: Any) -> Any:
        """Call ``method`` through slack_sdk's typed wrapper (which picks JSON or form body)."""
        args = {k: scrub(v, self.allow, shown=k in _SHOWN) for k, v in args.items()}
        try:
            response = getattr(self.client, method.replace(".", "_"))(**args)
        except (SlackApiError, SlackRequestError, URLError, OSError) as exc:
            failure = _translate(exc)
            error = str(exc.response.get("error") or exc.response.status_code) \
                if isinstance(exc, SlackApiError) else type(exc).__name__
            metrics.SLACK_CALLS.labels(method=method, outcome=error).inc()
            metrics.SLACK_FAILURES.labels(method=method, error=error).inc()
            raise failure from exc
        metrics.SLACK_CALLS.labels(method=method, outcome="ok").inc()
        return response

    # -- packets

    def post_packet(self, esc: Escalation) -> Posted:
        rendered = packet(esc)
        args = {"channel": esc.domain.channel, "text": rendered.text,
                "blocks": [b.to_dict() for b in rendered.blocks], "metadata": self._metadata(esc),
                "unfurl_links": False, "unfurl_media": False}
        try:
            response = self._call("chat.postMessage", **args)
        except DeliveryError as failure:
            if str(failure) != "not_in_channel":
                raise
            self._call("conversations.join", channel=esc.domain.channel)
            response = self._call("chat.postMessage", **args)
        return Posted(channel=response["channel"], ts=response["ts"],
                      has_overflow=bool(rendered.overflow))

    def _find_in_history(self, channel: str, *, since: datetime,
                         match: Callable[[dict[str, Any]], bool]) -> str | None:
        """The ts of our first message in ``channel`` since ``since`` (less 5 min of clock
        skew) that ``match`` accepts: the look-before-repost of every unknown-outcome post."""
        oldest = f"{(since - timedelta(minutes=5)).timestamp():.6f}"
        cursor: str | None = None
        for _ in range(20):
            args: dict[str, Any] = {"channel": channel, "oldest": oldest, "limit": 200,
                                    "include_all_metadata": True}
            if cursor:
                args["cursor"] = cursor
            response = self._call("conversations.history", **args)
            for message in response.get("messages", []):
                if match(message):
                    return str(message["ts"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None

    def find_packet(self, esc: Escalation, *, since: datetime) -> Posted | None:
        def ours(message: dict[str, Any]) -> bool:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            return self.installation.owns(message) and \
                str(payload.get("escalation_id")) == str(esc.id)

        ts = self._find_in_history(esc.domain.channel, since=since, match=ours)
        return None if ts is None else Posted(channel=esc.domain.channel, ts=ts,
                                              has_overflow=bool(packet(esc).overflow))

    def post_overflow(self, esc: Escalation) -> None:
        assert esc.channel and esc.message_ts
        rendered = packet(esc)
        for message in overflow_messages(esc, rendered.overflow):
            self._call("chat.postMessage", channel=esc.channel, thread_ts=esc.message_ts,
                       text=message.text, blocks=[b.to_dict() for b in message.blocks],
                       unfurl_links=False, unfurl_media=False)

    def update_packet(self, esc: Escalation) -> None:
        assert esc.channel and esc.message_ts
        rendered = packet(esc)
        self._call("chat.update", channel=esc.channel, ts=esc.message_ts, text=rendered.text,
                   blocks=[b.to_dict() for b in rendered.blocks], metadata=self._metadata(esc))

    def permalink(self, channel: str, ts: str) -> str | None:
        try:
            response = self.client.chat_getPermalink(channel=channel, message_ts=ts)
        except (SlackApiError, SlackRequestError, URLError, OSError) as exc:
            log.warning("no permalink for %s/%s: %s", channel, ts, exc)
            return None
        link = response.get("permalink")
        return link if isinstance(link, str) else None

    # -- threads drafted from

    # conversations.replies errors that mean "the bot may not read this thread".
    _NO_ACCESS = {"channel_not_found", "not_in_channel", "thread_not_found", "missing_scope",
                  "access_denied", "is_archived", "team_access_not_granted"}
    MAX_THREAD_PAGES = 50  # 200 messages a page: 10,000 messages

    def read_thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        pages: list[dict[str, Any]] = []
        cursor: str | None = None
        while len(pages) < self.MAX_THREAD_PAGES:
            args: dict[str, Any] = {"channel": channel, "ts": ts, "limit": 200}
            if cursor:
                args["cursor"] = cursor
            try:
                response = self.client.conversations_replies(**args)
            except SlackApiError as exc:
                error = str(exc.response.get("error") or "unknown_error")
                if error in self._NO_ACCESS:
                    raise ThreadUnreadable(error) from exc
                raise _translate(exc) from exc
            except (SlackRequestError, URLError, OSError) as exc:
                raise _translate(exc) from exc
            pages.append(dict(response.data) if isinstance(response.data, dict) else {})
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not response.get("has_more") or not cursor:
                return pages
        raise ThreadUnreadable("thread_too_long")

    def post_sources(self, esc: Escalation, items: Sequence[SourceItem], thread_link: str | None,
                     *, look_first: bool) -> None:
        assert esc.channel and esc.message_ts
        if look_first and self._find_sources(esc):
            return
        message = sources_message(esc, items, thread_link)
        self._call("chat.postMessage", channel=esc.channel, thread_ts=esc.message_ts,
                   text=message.text, blocks=[b.to_dict() for b in message.blocks],
                   metadata={"event_type": SOURCES_EVENT,
                             "event_payload": {"escalation_id": esc.id}},
                   unfurl_links=False, unfurl_media=False)

    def _find_sources(self, esc: Escalation) -> bool:
        assert esc.channel and esc.message_ts
        response = self._call("conversations.replies", channel=esc.channel, ts=esc.message_ts,
                              limit=200, include_all_metadata=True)
        return any((m.get("metadata") or {}).get("event_type") == SOURCES_EVENT
                   for m in response.get("messages", []))

    # -- people

    def _dm(self, user: str, text: str) -> None:
        self._call("chat.postMessage", channel=user, text=text, unfurl_links=False)

    def notify_posted(self, esc: Escalation) -> None:
        self._dm(esc.requester, notices.posted(esc))

    def notify_claimed(self, esc: Escalation) -> None:
        self._dm(esc.requester, notices.claimed(esc))

    def notify_post_problem(self, esc: Escalation, error: str) -> None:
        self._dm(esc.requester, notices.post_problem(esc, error))

    def post_jira_note(self, esc: Escalation, note: JiraNote) -> None:
        assert esc.channel and esc.message_ts
        self._call("chat.postMessage", channel=esc.channel, thread_ts=esc.message_ts,
                   text=jira_render.note_text(esc, note), unfurl_links=False,
                   unfurl_media=False)

    def notify_jira_resolved(self, esc: Escalation, note: JiraNote) -> None:
        self._dm(esc.requester, jira_render.resolved_dm(esc, note))

    def ephemeral(self, channel: str, user: str, text: str) -> None:
        try:
            self._call("chat.postEphemeral", channel=channel, user=user, text=text)
        except DeliveryError as failure:
            log.warning("ephemeral to %s in %s failed: %s", user, channel, failure)

    def group_members(self, group_id: str) -> frozenset[str] | None:
        """The user group's members (cached); None when Slack cannot say (claim stays open)."""
        with self._groups_lock:
            cached = self._groups.get(group_id)
            if cached and time.monotonic() - cached[0] < self._ttl:
                return cached[1]
        try:
            response = self._call("usergroups.users.list", usergroup=group_id)
        except DeliveryError as failure:
            log.warning("cannot list user group %s: %s", group_id, failure)
            return None
        members = frozenset(response.get("users") or [])
        with self._groups_lock:
            self._groups[group_id] = (time.monotonic(), members)
        return members

    # -- reminders

    def send_nudge(self, esc: Escalation, nudge: Nudge, *, look_first: bool) -> None:
        rendered = nudge_render.nudge(esc, nudge)
        blocks = [b.to_dict() for b in rendered.blocks]
        if nudge.recipient is not None:
            self._call("chat.postMessage", channel=nudge.recipient, text=rendered.text,
                       blocks=blocks, unfurl_links=False)
            return
        if esc.channel is None or esc.message_ts is None:
            raise DeliveryError("packet not posted yet")
        if look_first and self._find_nudge(esc, nudge):
            return
        self._call("chat.postMessage", channel=esc.channel, thread_ts=esc.message_ts,
                   text=rendered.text, blocks=blocks, unfurl_links=False, unfurl_media=False,
                   metadata=nudge_render.metadata(esc, nudge))

    def _find_nudge(self, esc: Escalation, nudge: Nudge) -> bool:
        """Is this reminder in the packet's thread already (a previous attempt landed)?"""
        cursor: str | None = None
        for _ in range(20):
            args: dict[str, Any] = {"channel": esc.channel, "ts": esc.message_ts, "limit": 200,
                                    "include_all_metadata": True}
            if cursor:
                args["cursor"] = cursor
            response = self._call("conversations.replies", **args)
            for message in response.get("messages", []):
                meta = message.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == nudge_render.METADATA_EVENT and \
                        str(payload.get("nudge_id")) == str(nudge.id):
                    return True
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return False
        return False
    # -- the leads' weekly digest

    def post_digest(self, channel: str, report: Report, *, key: str,
                    late_note: str | None) -> Posted:
        rendered = digest_message(report, late_note=late_note)
        args = {"channel": channel, "text": rendered.text,
                "blocks": [b.to_dict() for b in rendered.blocks],
                "metadata": digest_metadata(key), "unfurl_links": False, "unfurl_media": False}
        try:
            response = self._call("chat.postMessage", **args)
        except DeliveryError as failure:
            if str(failure) != "not_in_channel":
                raise
            self._call("conversations.join", channel=channel)
            response = self._call("chat.postMessage", **args)
        return Posted(channel=response["channel"], ts=response["ts"])

    def find_digest(self, channel: str, *, key: str, since: datetime) -> Posted | None:
        bot_id = self.installation.bot_id

        def ours(message: dict[str, Any]) -> bool:
            meta = message.get("metadata") or {}
            return (bot_id is None or message.get("bot_id") == bot_id) and \
                meta.get("event_type") == DIGEST_EVENT and \
                (meta.get("event_payload") or {}).get("key") == key

        ts = self._find_in_history(channel, since=since, match=ours)
        return None if ts is None else Posted(channel=channel, ts=ts)

    def upload_digest_chart(self, channel: str, report: Report, series: WeeklySeries | None,
                            *, filename: str) -> None:
        from bot.render.charts import digest_png  # matplotlib only when drawing

        self._call("files_upload_v2", channel=channel, file=digest_png(report, series),
                   filename=filename, title=f"{report.title}: charts")

    def upload_digest_report(self, channel: str, report: Report, *, thread_ts: str,
                             filename: str) -> None:
        self._call("files_upload_v2", channel=channel, thread_ts=thread_ts,
                   content=to_markdown(report), filename=filename,
                   title=f"{report.title}: full report (Markdown)",
                   initial_comment="The full report, in Markdown.")

    # -- the knowledge loop

    def send_kb_draft(self, esc: Escalation, article: Article, *, channel: str | None) -> None:
        text, blocks = draft_message(esc, article)
        payload = [b.to_dict() for b in blocks]
        self._call("chat.postMessage", channel=esc.requester, text=text, blocks=payload,
                   unfurl_links=False)
        if channel is not None:
            self._call("chat.postMessage", channel=channel, text=text, blocks=payload,
                       unfurl_links=False)
