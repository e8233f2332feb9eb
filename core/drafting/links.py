"""Slack message permalinks: read one typed into ``/escalate``, derive one for each message.

A permalink looks like ``https://acme.slack.com/archives/C0123ABC/p1731402840000100`` (the
``ts`` without its dot), with ``?thread_ts=1731402800.000200&cid=C0123ABC`` for a reply.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from core.checklist import FIELDS

_PERMALINK = re.compile(
    r"<?(https://[A-Za-z0-9.-]+(?::\d+)?/archives/([CGD][A-Z0-9]{2,})/p(\d{10})(\d{6})"
    r"(?:\?[^\s|>]*)?)(?:\|[^>]*)?>?")


@dataclass(frozen=True)
class MessageRef:
    channel: str
    ts: str
    thread_ts: str | None      # the thread's parent, when the link points at a reply
    url: str

    @property
    def root_ts(self) -> str:
        return self.thread_ts or self.ts


def parse_permalink(text: str) -> MessageRef | None:
    """The first Slack message permalink in ``text`` (also inside ``<…|…>``), or None."""
    m = _PERMALINK.search(text or "")
    if not m:
        return None
    url, channel, seconds, micros = m.group(1), m.group(2), m.group(3), m.group(4)
    query = parse_qs(urlsplit(url).query)
    thread = query.get("thread_ts", [None])[0]
    if thread is not None and not re.fullmatch(r"\d{10}\.\d{6}", thread):
        thread = None
    return MessageRef(channel, f"{seconds}.{micros}", thread, url)


def message_link(parent_link: str, *, channel: str, ts: str, thread_ts: str) -> str:
    """The permalink of message ``ts`` in the thread whose parent's permalink is given."""
    base = parent_link.split("/archives/", 1)[0]
    link = f"{base}/archives/{channel}/p{ts.replace('.', '')}"
    return link if ts == thread_ts else f"{link}?thread_ts={thread_ts}&cid={channel}"


def ordered_sources(sources: Mapping[str, Sequence[str]]) -> list[tuple[str, list[str]]]:
    """(field label, message ts list) in checklist order, for the Sources reply."""
    return [(f.label, list(sources[f.key])) for f in FIELDS if sources.get(f.key)]
