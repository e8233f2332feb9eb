"""Socket Mode: the easy start (no public URL), also fine behind a firewall."""

from __future__ import annotations

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient

from bot.app import Runtime


def make_handler(runtime: Runtime) -> SocketModeHandler:
    settings = runtime.settings
    assert settings.slack_app_token is not None
    return SocketModeHandler(
        runtime.app,
        app_token=settings.slack_app_token.get_secret_value(),
        web_client=WebClient(base_url=settings.slack_api_url),
        concurrency=16,
    )
