"""Jira from Slack: **Create Jira issue** on the packet, and ``/escalation ESC-42 jira …``
(parsed here, called first by the ``/escalation`` listener in :mod:`bot.listeners.loop_command`).

``/escalation ESC-42 jira create`` creates the issue; ``/escalation ESC-42 jira link PROJ-123``
links an existing one (the key is checked with Jira). Both are for the escalation's owner or
a lead; the answer is ephemeral. Ack first: Jira may be slow.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot.inbound import Malformed, guarded, parse_block_action
from bot.render.ids import Ids
from commands import jira
from commands.context import Context

# Escalation ids are database integers: anything larger is not one of ours.
MAX_ID = 2**31 - 1
_JIRA = re.compile(r"^\s*(?:esc-?)?(\d{1,9})\s+jira(?:\s+(\S+))?(?:\s+(\S+))?\s*$",
                   re.IGNORECASE)
USAGE = ("*Jira:* `/escalation ESC-42 jira create` creates the Engineering ticket from the "
         "packet; `/escalation ESC-42 jira link PROJ-123` links an existing issue. The "
         "escalation's owner or a lead can do it.")


def is_jira_command(text: str) -> bool:
    return _JIRA.match(text or "") is not None


def answer_jira_command(ctx: Context, *, user: str, text: str) -> str:
    """The reply to ``/escalation <id> jira …`` (call only when :func:`is_jira_command`)."""
    match = _JIRA.match(text or "")
    assert match is not None
    number, verb, key = int(match.group(1)), (match.group(2) or "").lower(), match.group(3)
    if verb == "create" and key is None:
        return jira.request_create(ctx, escalation_id=number, user=user).text
    if verb == "link" and key:
        return jira.link_existing(ctx, escalation_id=number, user=user, key=key).text
    return USAGE


def register(app: App, ctx: Context) -> None:
    @app.action(Ids.JIRA_CREATE)
    @guarded
    def create_clicked(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        click = parse_block_action(body)
        number = click.number(high=MAX_ID)
        if click.channel is None:  # the answer has nowhere to go: do not act unseen
            raise Malformed("channel: missing")
        outcome = jira.request_create(ctx, escalation_id=number, user=click.user)
        ctx.slack.ephemeral(click.channel, click.user, outcome.text)
