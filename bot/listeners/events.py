"""Events: App Home (see :mod:`bot.listeners.loop_home`)."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import loop_home
from commands.context import Context


def register(app: App, ctx: Context) -> None:
    loop_home.register(app, ctx)
