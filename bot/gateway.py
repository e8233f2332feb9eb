"""The Slack side of :class:`commands.ports.SlackPort`: render, send, translate errors.

The calls themselves go through :class:`bot.slack_client.SlackSender` (retries, scrubbing,
errors the outbox retries); the feedback loop's sends are :mod:`bot.loop_gateway`, the
digest's :mod:`bot.digest_gateway`. This module sends packets, sources, DMs, reminders and KB
drafts, reads threads, and asks for people's display names (``users.info``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.digest_gateway import DigestSends
from bot.loop_gateway import LoopSends
from bot.render import jira as jira_render
from bot.render import notices
from bot.render import nudges as nudge_render
from bot.render.kb import draft_message
from bot.render.packet import metadata, overflow_messages, packet
from bot.render.sources import SOURCES_EVENT, sources_message
from bot.slack_client import Installation as Installation
from bot.slack_client import identify as identify
from bot.slack_client import make_client as make_client
from bot.slack_client import scrub as scrub
from bot.slack_client import translate
from commands.ports import DeliveryError, Posted, SourceItem, ThreadUnreadable
from core.jira_sync import JiraNote
from core.kb import Article
from core.model import Escalation
from core.people import display_name
from core.redaction import NO_ALLOW, AllowList
from core.timers import Nudge

log = logging.getLogger(__name__)


class SlackGateway(LoopSends, DigestSends):
    def __init__(self, client: WebClient, *, group_cache_ttl: float = 60.0,
                 allow: AllowList = NO_ALLOW,
                 installation: Installation | None = None) -> None:
        super().__init__(client, allow=allow, installation=installation)
        self._groups: dict[str, tuple[float, frozenset[str]]] = {}
        self._groups_lock = threading.Lock()
        self._ttl = group_cache_ttl

    def _metadata(self, esc: Escalation) -> dict[str, object]:
        meta = metadata(esc)
        payload = dict(meta["event_payload"])  # type: ignore[call-overload]
        payload["installation"] = self.installation.key
        return {**meta, "event_payload": payload}

    # -- packets

    def post_packet(self, esc: Escalation) -> Posted:
        rendered = packet(esc)
        args = {"channel": esc.domain.channel, "text": rendered.text,
                "blocks": [b.to_dict() for b in rendered.blocks], "metadata": self._metadata(esc),
                "unfurl_links": False, "unfurl_media": False}
        response = self._post_joining(esc.domain.channel, args)
        return Posted(channel=response["channel"], ts=response["ts"],
                      has_overflow=bool(rendered.overflow))

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
                raise translate(exc) from exc
            except (SlackRequestError, URLError, OSError) as exc:
                raise translate(exc) from exc
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

    def display_name(self, user: str) -> str | None:
        """``users.info``: the profile's display name, else its real name; None when Slack
        knows no such user (``user_not_found``) or the profile has no name. Other failures
        raise :class:`DeliveryError` (the caller tries again later)."""
        try:
            response = self._call("users.info", user=user)
        except DeliveryError as failure:
            if str(failure) == "user_not_found":
                return None
            raise
        found = response.get("user")
        return display_name(found) if isinstance(found, dict) else None

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
        def this_one(message: dict[str, Any]) -> bool:
            meta = message.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            return meta.get("event_type") == nudge_render.METADATA_EVENT and \
                str(payload.get("nudge_id")) == str(nudge.id)

        return self._first_match("conversations.replies",
                                 {"channel": esc.channel, "ts": esc.message_ts, "limit": 200,
                                  "include_all_metadata": True}, this_one) is not None

    # -- the knowledge loop

    def send_kb_draft(self, esc: Escalation, article: Article, *, channel: str | None) -> None:
        text, blocks = draft_message(esc, article)
        payload = [b.to_dict() for b in blocks]
        self._call("chat.postMessage", channel=esc.requester, text=text, blocks=payload,
                   unfurl_links=False)
        if channel is not None:
            self._call("chat.postMessage", channel=channel, text=text, blocks=payload,
                       unfurl_links=False)
