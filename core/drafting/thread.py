"""A Slack thread as plain data, read from ``conversations.replies`` responses (all pages)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

# Messages that carry no content of the case (Slack's own notices).
_SKIP_SUBTYPES = frozenset({
    "channel_join", "channel_leave", "group_join", "group_leave", "channel_topic",
    "channel_purpose", "channel_name", "channel_archive", "channel_unarchive", "group_topic",
    "group_purpose", "group_name", "pinned_item", "unpinned_item", "reminder_add",
    "message_deleted", "tombstone",
})


class ThreadError(ValueError):
    """The input is not a usable ``conversations.replies`` response."""


@dataclass(frozen=True)
class Message:
    ts: str                 # Slack's message id, e.g. "1731402840.000100"
    user: str               # user id (or bot id)
    text: str               # Slack mrkdwn as posted
    bot: bool = False
    name: str = ""          # display name when known, else ""
    files: tuple[str, ...] = ()  # permalinks of attached files

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(float(self.ts), UTC)

    @property
    def who(self) -> str:
        return self.name or self.user


@dataclass(frozen=True)
class Thread:
    messages: tuple[Message, ...]
    channel: str | None = None

    @property
    def thread_ts(self) -> str:
        return self.messages[0].ts

    def with_texts(self, texts: Iterable[str]) -> Thread:
        """The same thread with each message's text replaced (e.g. redacted)."""
        return Thread(tuple(replace(m, text=t) for m, t in zip(self.messages, texts, strict=True)),
                      self.channel)


def _text_of(raw: Mapping[str, object]) -> str:
    text = raw.get("text")
    if not isinstance(text, str):
        raise ThreadError(f"message {raw.get('ts')!r} has no text")
    parts = [text]
    # Legacy attachments (e.g. integrations) carry their content outside ``text``.
    attachments = raw.get("attachments")
    if isinstance(attachments, list):
        for att in attachments:
            if isinstance(att, Mapping):
                for key in ("pretext", "title", "text"):
                    value = att.get(key)
                    if isinstance(value, str) and value and value not in text:
                        parts.append(value)
    return "\n".join(parts)


def _files_of(raw: Mapping[str, object]) -> tuple[str, ...]:
    files = raw.get("files")
    if not isinstance(files, list):
        return ()
    return tuple(f["permalink"] for f in files
                 if isinstance(f, Mapping) and isinstance(f.get("permalink"), str))


def _name_of(raw: Mapping[str, object], names: Mapping[str, str]) -> str:
    user = raw.get("user") or raw.get("bot_id") or ""
    if isinstance(user, str) and user in names:
        return names[user]
    for key in ("user_profile", "bot_profile"):
        profile = raw.get(key)
        if isinstance(profile, Mapping):
            for field in ("display_name", "real_name", "name"):
                value = profile.get(field)
                if isinstance(value, str) and value:
                    return value
    username = raw.get("username")
    return username if isinstance(username, str) else ""


def _message(raw: object, names: Mapping[str, str]) -> Message | None:
    if not isinstance(raw, Mapping):
        raise ThreadError("a message is not a JSON object")
    ts = raw.get("ts")
    if not isinstance(ts, str):
        raise ThreadError("a message has no ts")
    try:
        float(ts)
    except ValueError:
        raise ThreadError(f"message ts {ts!r} is not a Slack timestamp") from None
    if raw.get("subtype") in _SKIP_SUBTYPES:
        return None
    user = raw.get("user") or raw.get("bot_id") or "unknown"
    return Message(ts=ts, user=str(user), text=_text_of(raw),
                   bot=bool(raw.get("bot_id")) or raw.get("subtype") == "bot_message",
                   name=_name_of(raw, names), files=_files_of(raw))


def parse_replies(pages: Iterable[Mapping[str, object]], *, channel: str | None = None,
                  names: Mapping[str, str] | None = None) -> Thread:
    """One thread from every page of ``conversations.replies`` (the parent repeats per page)."""
    by_ts: dict[str, Message] = {}
    seen_page = False
    for page in pages:
        seen_page = True
        if not isinstance(page, Mapping):
            raise ThreadError("not a conversations.replies response (expected a JSON object)")
        if page.get("ok") is False:
            raise ThreadError(f"the response is an error: {page.get('error', 'unknown')}")
        messages = page.get("messages")
        if not isinstance(messages, list):
            raise ThreadError("not a conversations.replies response (no \"messages\" list)")
        for raw in messages:
            message = _message(raw, names or {})
            if message is not None:
                by_ts.setdefault(message.ts, message)
    if not seen_page or not by_ts:
        raise ThreadError("the thread has no messages")
    ordered = tuple(sorted(by_ts.values(), key=lambda m: float(m.ts)))
    return Thread(ordered, channel)
