"""``/escalation ESC-42 reminders | rca <url> | snooze …``: the timers' verbs, answered in
one ephemeral line (the /escalation listener asks :func:`answer` first)."""

from __future__ import annotations

from commands import reminders
from commands.context import Context
from core.reminder_commands import (
    AttachRca,
    EndSnooze,
    ReminderRequest,
    ReminderUsage,
    ShowReminders,
    SnoozeRequest,
    parse,
)


def answer(ctx: Context, text: str, user: str) -> str | None:
    """The reply for a timers verb, or None when ``text`` is not one (the loop parses it)."""
    request = parse(text)
    return None if request is None else run(ctx, request, user)


def run(ctx: Context, request: ReminderRequest, user: str) -> str:
    if isinstance(request, ReminderUsage):
        return request.text
    if isinstance(request, ShowReminders):
        return reminders.show(ctx, escalation_id=request.escalation_id).text
    if isinstance(request, AttachRca):
        return reminders.attach_rca(ctx, escalation_id=request.escalation_id, user=user,
                                    url=request.url).text
    if isinstance(request, EndSnooze):
        return reminders.end_snooze(ctx, escalation_id=request.escalation_id, user=user).text
    assert isinstance(request, SnoozeRequest)
    return reminders.snooze(ctx, escalation_id=request.escalation_id, user=user,
                            request=request).text
