"""App Home: published when a person opens it, and again after each change that concerns them
(they raised it, own it, are its case owner, or a handoff names them)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.inbound import Malformed, guarded, parse_event
from bot.render.home import HomeSection, home_view
from commands.context import Context
from commands.escalate import load
from commands.home import home

log = logging.getLogger(__name__)


def publish_home(ctx: Context, client: WebClient, user: str) -> None:
    sections = [HomeSection(s.key, s.items, s.total) for s in home(ctx, user)]
    try:
        client.views_publish(user_id=user, view=home_view(user, sections).to_dict())
    except SlackApiError as exc:
        log.warning("views.publish for %s failed: %s", user, exc.response.get("error"))


def concerned(ctx: Context, escalation_id: int) -> set[str]:
    esc = load(ctx, escalation_id)
    if esc is None:
        return set()
    users = {esc.requester, esc.answers.case_owner or esc.requester}
    if esc.owner:
        users.add(esc.owner)
    if esc.progress.pending_handoff is not None:
        users.add(esc.progress.pending_handoff.to)
    return users


def refresh_homes(ctx: Context, client: WebClient, escalation_id: int,
                  also: Iterable[str] = ()) -> None:
    """Re-publish App Home for everyone the change concerns (after the user was answered)."""
    for user in sorted(concerned(ctx, escalation_id) | set(also)):
        publish_home(ctx, client, user)


def register(app: App, ctx: Context) -> None:
    @app.event("app_home_opened")
    @guarded
    def show_home(body: dict[str, Any], client: WebClient) -> None:
        event = parse_event(body)
        if (event.tab or "home") != "home":
            return
        if event.user is None:
            raise Malformed("event.user: missing")
        publish_home(ctx, client, event.user)
