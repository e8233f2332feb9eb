"""The leads' weekly digest: post it (joining the channel if needed), find it again after an
unknown outcome, and upload its chart and the full report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.render.digest import METADATA_EVENT as DIGEST_EVENT
from bot.render.digest import digest_message
from bot.render.digest import metadata as digest_metadata
from bot.slack_client import SlackSender
from commands.ports import Posted
from core.report import Report
from core.report_data import WeeklySeries
from core.report_format import to_markdown


class DigestSends(SlackSender):
    """The digest's part of :class:`commands.ports.SlackPort`."""

    def post_digest(self, channel: str, report: Report, *, key: str,
                    late_note: str | None) -> Posted:
        rendered = digest_message(report, late_note=late_note)
        args = {"channel": channel, "text": rendered.text,
                "blocks": [b.to_dict() for b in rendered.blocks],
                "metadata": digest_metadata(key), "unfurl_links": False, "unfurl_media": False}
        response = self._post_joining(channel, args)
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
