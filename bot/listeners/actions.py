"""Buttons: Back inside the modal, Claim on the packet."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.forms import step_values
from bot.inbound import Malformed, guarded, parse_block_action
from bot.listeners.loop_home import refresh_homes
from bot.listeners.views import draft_key, render_step
from bot.render.ids import Ids, step_from_callback
from bot.render.modal import read_metadata
from commands import escalate
from commands.claim import claim
from commands.context import Context
from core.checklist import Step

log = logging.getLogger(__name__)


def register(app: App, ctx: Context) -> None:
    @app.action(Ids.BACK)
    @guarded
    def back(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        parse_block_action(body)  # the shape this listener reads is checked first
        view = body["view"]
        user = body["user"]["id"]
        try:
            here = step_from_callback(view["callback_id"])
            target = Step(body["actions"][0]["value"])
        except (ValueError, KeyError, TypeError, AttributeError):
            raise Malformed("view.callback_id or actions[0].value: not a step") from None
        channel = read_metadata(view.get("private_metadata")).get("channel")
        # Keep what was typed on this step, even unfinished, before leaving it.
        answers = escalate.record_step(ctx, key=draft_key(view), user=user, step=here,
                                       values=step_values(view.get("state", {}), here),
                                       channel=channel)
        try:
            client.views_update(view_id=view["id"], hash=view.get("hash"),
                                view=render_step(ctx, target, answers, user=user,
                                                 channel=channel, key=draft_key(view)))
        except SlackApiError as exc:  # the modal was closed or changed meanwhile
            log.warning("views.update for Back failed: %s", exc.response.get("error"))

    @app.action(Ids.CLAIM)
    @guarded
    def claim_clicked(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        click = parse_block_action(body)
        if click.channel is None:
            raise Malformed("channel: missing")
        number = click.number()
        result = claim(ctx, escalation_id=number, user=click.user, channel=click.channel,
                       message_ts=click.message_ts)
        ctx.slack.ephemeral(click.channel, click.user, result.text)
        if result.won:  # the new owner's and the requester's App Home change
            refresh_homes(ctx, client, number, also=(click.user,))
