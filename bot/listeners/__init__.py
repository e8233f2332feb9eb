"""Slack listeners, grouped by surface. Each parses the payload and calls a command."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import (
    actions,
    amend,
    commands,
    events,
    jira,
    kb,
    loop_actions,
    loop_command,
    loop_views,
    threads,
    views,
)
from commands.context import Context


def register_listeners(app: App, ctx: Context) -> None:
    commands.register(app, ctx)
    views.register(app, ctx)
    actions.register(app, ctx)
    events.register(app, ctx)
    threads.register(app, ctx)
    loop_actions.register(app, ctx)
    loop_views.register(app, ctx)
    loop_command.register(app, ctx)
    kb.register(app, ctx)
    jira.register(app, ctx)
    amend.register(app, ctx)
