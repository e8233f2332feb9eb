"""``/escalation ESC-42 reminders | rca <url> | snooze <30|60|120|HH:MM|off> <reason>``.

Pure parsing of the timers' verbs; anything else is left to the feedback loop's parser
(``parse`` returns None). Mistakes become :class:`ReminderUsage` with a one-line reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from core.timefmt import utc

_ID = re.compile(r"^(?:esc-?)?(\d{1,9})$", re.IGNORECASE)
_MINUTES = re.compile(r"^(\d{1,4})\s*(?:m|min|mins|minutes)?$", re.IGNORECASE)
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_URL = re.compile(r"^<?(https?://[^\s|>]+)(?:\|[^>]*)?>?$")
VERBS = ("reminders", "rca", "snooze")
SNOOZE_CHOICES = (30, 60, 120)
USAGE = ("`/escalation ESC-42 reminders` · `/escalation ESC-42 rca <link>` · "
         "`/escalation ESC-42 snooze 30|60|120|15:30 <reason>` · "
         "`/escalation ESC-42 snooze off`")


@dataclass(frozen=True)
class ShowReminders:
    escalation_id: int


@dataclass(frozen=True)
class AttachRca:
    escalation_id: int
    url: str


@dataclass(frozen=True)
class SnoozeRequest:
    escalation_id: int
    minutes: int | None   # 30, 60 or 120
    until: time | None    # a UTC time of day (the next one after now)
    reason: str


@dataclass(frozen=True)
class EndSnooze:
    escalation_id: int


@dataclass(frozen=True)
class ReminderUsage:
    reason: str

    @property
    def text(self) -> str:
        return f"{self.reason}\n{USAGE}"


ReminderRequest = ShowReminders | AttachRca | SnoozeRequest | EndSnooze | ReminderUsage


def parse(text: str) -> ReminderRequest | None:
    words = (text or "").split()
    if len(words) < 2 or words[1].lower() not in VERBS:
        return None
    found = _ID.match(words[0])
    if found is None:
        return ReminderUsage(f"`{words[0][:20]}` is not an escalation id (like ESC-42).")
    number, verb, rest = int(found[1]), words[1].lower(), words[2:]
    if verb == "reminders":
        return ShowReminders(number)
    if verb == "rca":
        url = _URL.match(rest[0]) if len(rest) == 1 else None
        if url is None:
            return ReminderUsage("Give the RCA as one link starting with https://.")
        return AttachRca(number, url[1])
    if rest and rest[0].lower() in ("off", "end", "stop", "cancel"):
        return EndSnooze(number)
    if not rest:
        return ReminderUsage("Say for how long (30, 60 or 120 min, or until 15:30 UTC) and why.")
    length, reason = rest[0], " ".join(rest[1:]).strip()
    if length.lower() == "until" and len(rest) > 1:
        length, reason = rest[1], " ".join(rest[2:]).strip()
    if not reason:
        return ReminderUsage("Add the reason (e.g. `waiting on the vendor`): it is shown on "
                             "the packet.")
    clock = _HHMM.match(length)
    if clock is not None:
        return SnoozeRequest(number, None, time(int(clock[1]), int(clock[2])), reason[:300])
    minutes = _MINUTES.match(length)
    if minutes is None or int(minutes[1]) not in SNOOZE_CHOICES:
        return ReminderUsage("Snooze for 30, 60 or 120 minutes, or until a time like 15:30 "
                             "(UTC).")
    return SnoozeRequest(number, int(minutes[1]), None, reason[:300])


def snooze_until(request: SnoozeRequest, now: datetime) -> datetime:
    """The instant a snooze ends: now + minutes, or the next ``until`` (UTC) after now."""
    now = utc(now)
    if request.minutes is not None:
        return now + timedelta(minutes=request.minutes)
    assert request.until is not None
    at = now.replace(hour=request.until.hour, minute=request.until.minute, second=0,
                     microsecond=0)
    return at if at > now else at + timedelta(days=1)
