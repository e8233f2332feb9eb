"""/escalation ESC-42 reminders | rca <url> | snooze …: parsed, or a one-line usage."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from core.reminder_commands import (
    AttachRca,
    EndSnooze,
    ReminderUsage,
    ShowReminders,
    SnoozeRequest,
    parse,
    snooze_until,
)

NOW = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("ESC-42 reminders", ShowReminders(42)),
    ("esc-42 REMINDERS", ShowReminders(42)),
    ("42 reminders", ShowReminders(42)),
    ("ESC-42 rca https://wiki.example.com/rca/1", AttachRca(42, "https://wiki.example.com/rca/1")),
    ("ESC-42 rca <https://wiki.example.com/rca/1|RCA>",
     AttachRca(42, "https://wiki.example.com/rca/1")),
    ("ESC-42 snooze 30 waiting on the vendor",
     SnoozeRequest(42, 30, None, "waiting on the vendor")),
    ("ESC-42 snooze 120m vendor", SnoozeRequest(42, 120, None, "vendor")),
    ("ESC-42 snooze until 15:30 vendor call", SnoozeRequest(42, None, time(15, 30), "vendor call")),
    ("ESC-42 snooze 09:05 vendor", SnoozeRequest(42, None, time(9, 5), "vendor")),
    ("ESC-42 snooze off", EndSnooze(42)),
])
def test_parses(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(("text", "why"), [
    ("ESC-x reminders", "not an escalation id"),
    ("ESC-42 rca", "one link"),
    ("ESC-42 rca ftp://x", "one link"),
    ("ESC-42 snooze", "for how long"),
    ("ESC-42 snooze 45 vendor", "30, 60 or 120"),
    ("ESC-42 snooze 30", "reason"),
    ("ESC-42 snooze 25:00 vendor", "30, 60 or 120"),
])
def test_usage_says_why(text: str, why: str) -> None:
    result = parse(text)
    assert isinstance(result, ReminderUsage) and why in result.text
    assert "/escalation ESC-42 snooze" in result.text


@pytest.mark.parametrize("text", ["ESC-42 accept", "mine", "", "help", "ESC-42 update"])
def test_other_verbs_are_left_to_the_loop(text: str) -> None:
    assert parse(text) is None


def test_snooze_until_is_the_next_such_time() -> None:
    assert snooze_until(SnoozeRequest(1, 60, None, "x"), NOW) == \
        datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
    assert snooze_until(SnoozeRequest(1, None, time(15, 30), "x"), NOW) == \
        datetime(2026, 12, 3, 15, 30, tzinfo=UTC)
    assert snooze_until(SnoozeRequest(1, None, time(9, 0), "x"), NOW) == \
        datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
