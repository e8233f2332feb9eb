"""The feedback loop's half of :class:`commands.ports.SlackPort`: thread lines, DMs, files.

A base of :class:`bot.gateway.SlackGateway`. Each method makes the Slack calls for one outbox
item and raises :class:`commands.ports.DeliveryError` when they fail, so the outbox retries.
"""

from __future__ import annotations

from bot.render import loop_messages as render
from bot.render.packet import Rendered
from bot.slack_client import SlackSender
from commands.ports import DeliveryError
from core.model import Escalation
from core.progress import StatusUpdate, WrapUp
from core.timeline import Notice, SeveritySuggestion, TimelineEntry


class LoopSends(SlackSender):
    """The feedback loop's part of :class:`commands.ports.SlackPort`."""

    def _in_thread(self, esc: Escalation, message: Rendered) -> None:
        if not (esc.channel and esc.message_ts):
            raise DeliveryError(f"{esc.public_id} has no packet yet")
        self._call("chat.postMessage", channel=esc.channel, thread_ts=esc.message_ts,
                   text=message.text, blocks=[b.to_dict() for b in message.blocks],
                   unfurl_links=False, unfurl_media=False)

    def _to_user(self, user: str, message: Rendered) -> None:
        self._call("chat.postMessage", channel=user, text=message.text,
                   blocks=[b.to_dict() for b in message.blocks], unfurl_links=False,
                   unfurl_media=False)

    def post_timeline(self, esc: Escalation, entry: TimelineEntry) -> None:
        self._in_thread(esc, render.timeline(esc, entry))

    def post_status_update(self, esc: Escalation, update: StatusUpdate) -> None:
        self._in_thread(esc, render.status_update(esc, update))

    def post_wrap_up(self, esc: Escalation, wrap: WrapUp) -> None:
        self._in_thread(esc, render.wrap_up(esc, wrap))

    def send_dm(self, esc: Escalation, notice: Notice) -> None:
        self._to_user(notice.to, render.dm(esc, notice))

    def notify_leads(self, esc: Escalation, entry: TimelineEntry, users: frozenset[str],
                     channel: str | None) -> None:
        message = render.leads_notice(esc, entry)
        for user in sorted(users):
            self._to_user(user, message)
        if channel:
            self._call("chat.postMessage", channel=channel, text=message.text,
                       blocks=[b.to_dict() for b in message.blocks], unfurl_links=False,
                       unfurl_media=False)

    def suggest_severity(self, esc: Escalation, suggestion: SeveritySuggestion) -> None:
        self._in_thread(esc, render.severity_suggestion(esc, suggestion))

    def ask_handoff_rating(self, esc: Escalation, user: str) -> None:
        # A DM rather than an ephemeral: it survives a reload, and stays private.
        self._to_user(user, render.rating_prompt(esc))

    def send_export(self, esc: Escalation, user: str, filename: str, markdown: str) -> None:
        # Posting to a user id opens the DM and answers with its channel id (no im:write);
        # files_upload_v2 then shares the file into that DM.
        note = self._call("chat.postMessage", channel=user, unfurl_links=False,
                          text=render.export_comment(esc))
        channel = note.get("channel")
        if not channel:
            raise DeliveryError(f"no DM channel with {user}")
        self._call("files.upload_v2", channel=channel, filename=filename,
                   title=f"{esc.public_id} export", content=markdown)
