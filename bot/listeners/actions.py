"""Buttons: Back inside the modal, Claim on the packet."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.forms import step_raw_values
from bot.inbound import Malformed, guarded, parse_block_action
from bot.listeners.loop_home import refresh_homes
from bot.listeners.views import origin_channel, render_step, step_of
from bot.render.ids import Ids
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
        click = parse_block_action(body)
        view = click.view
        if view is None:
            raise Malformed("view: missing")
        here = step_of(view)
        try:
            target = Step(click.value or "")
        except ValueError:
            raise Malformed("actions[0].value: not a step") from None
        channel = origin_channel(view)
        # Keep what was typed on this step, even unfinished, before leaving it (a value the
        # form did not offer is left out: it is asked for again when the step is submitted).
        read = escalate.read_step(ctx, here, step_raw_values(view, here))
        answers = escalate.record_step(ctx, key=view.draft_key, user=click.user, step=here,
                                       values=read.values, channel=channel)
        try:
            client.views_update(view_id=view.id, hash=view.hash,
                                view=render_step(ctx, target, answers, user=click.user,
                                                 channel=channel, key=view.draft_key))
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
