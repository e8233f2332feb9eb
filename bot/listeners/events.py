"""App Home: the user's own escalations (raised or owned), newest first."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.render.home import home_view
from commands.context import Context
from commands.escalate import recent_for


def register(app: App, ctx: Context) -> None:
    @app.event("app_home_opened")
    def show_home(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        user = event["user"]
        client.views_publish(user_id=user, view=home_view(user, recent_for(ctx, user)).to_dict())
