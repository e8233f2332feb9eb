"""Listeners that amend an escalation: SEV1 picked on step 1 (offer Page now), and Add
details on the packet."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.forms import on_fields, raw_values, step_raw_values
from bot.inbound import Malformed, guarded, parse_block_action, parse_view_submission
from bot.inbound.read import is_slack_id, whole_number
from bot.listeners.views import origin_channel, render_step
from bot.render.amend import ADD_DETAILS, DETAILS_CALLBACK, details_view
from bot.render.ids import step_callback
from bot.render.modal import read_metadata
from commands import amend, escalate
from commands.context import Context
from commands.deliver import deliver_due
from core import inputs
from core.checklist import FIELDS_BY_KEY, Step, fields_of
from core.codec import merge

log = logging.getLogger(__name__)

# Escalation ids are database integers: anything larger is not one of ours.
MAX_ID = 2**31 - 1


def _details_target(private_metadata: str) -> tuple[int, str | None]:
    """The escalation and the channel the Add details modal was opened for."""
    data = read_metadata(private_metadata)
    number = whole_number(data.get("id"), "view.private_metadata.id", low=1, high=MAX_ID)
    channel = data.get("channel")
    return number, channel if is_slack_id(channel) else None


def register(app: App, ctx: Context) -> None:
    @app.action("severity")
    @guarded
    def severity_picked(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Picking SEV1 on step 1 offers Page now (and picking another removes the offer)."""
        ack()
        click = parse_block_action(body)
        view = click.view
        if view is None or view.callback_id != step_callback(Step.PROBLEM):
            return  # a severity menu elsewhere (the loop's modal has its own listener)
        key = view.draft_key
        # Checked by kind: what the form never offered is left out of the redraw (and
        # refused on its field when the step is submitted).
        typed = escalate.read_step(ctx, Step.PROBLEM, step_raw_values(view, Step.PROBLEM))
        clean, _ = escalate.redact_values(ctx, typed.values)
        answers = merge(escalate.draft(ctx, key=key), clean,
                        {f.key for f in fields_of(Step.PROBLEM)})
        try:
            client.views_update(view_id=view.id, hash=view.hash, view=render_step(
                ctx, Step.PROBLEM, answers, user=click.user, channel=origin_channel(view),
                key=key))
        except SlackApiError as exc:  # the agent kept typing (hash_conflict): keep their view
            log.info("severity pick: views.update refused: %s", exc.response.get("error"))

    @app.action(ADD_DETAILS)
    @guarded
    def add_details_clicked(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        click = parse_block_action(body)
        esc = escalate.load(ctx, click.number(high=MAX_ID))
        if esc is None:
            if click.channel:
                ctx.slack.ephemeral(click.channel, click.user,
                                    f"ESC-{click.number()} does not exist.")
            return
        if not amend.may_add_details(esc, click.user):
            if click.channel:
                ctx.slack.ephemeral(click.channel, click.user, amend.refusal(esc))
            return
        if click.trigger_id is None:
            raise Malformed("trigger_id: missing")
        client.views_open(trigger_id=click.trigger_id, view=details_view(
            esc, amend.DETAIL_KEYS, channel=click.channel).to_dict())

    @app.view(DETAILS_CALLBACK)
    @guarded
    def details_saved(ack: Ack, body: dict[str, Any]) -> None:
        sub = parse_view_submission(body)
        view, user = sub.view, sub.user
        escalation_id, channel = _details_target(view.private_metadata)
        # Checked by kind first: an option the form never offered, a date that is not a
        # date or a value of the wrong type is an error on its field, never stored.
        read = inputs.read_fields([FIELDS_BY_KEY[k] for k in amend.DETAIL_KEYS],
                                  raw_values(view, amend.DETAIL_KEYS), now=ctx.now(),
                                  domains=ctx.domain_keys)
        if read.errors:
            ack(response_action="errors", errors=on_fields(view, read.errors) or {
                view.input_blocks[0] if view.input_blocks else amend.DETAIL_KEYS[0]:
                next(iter(read.errors.values()))})
            return
        outcome = amend.add_details(
            ctx, escalation_id=escalation_id, user=user, values=read.values,
            request_key=f"{view.id}:{view.hash}")
        if outcome.errors:
            placed = on_fields(view, outcome.errors)
            if placed:
                ack(response_action="errors", errors=placed)
                return
        esc = escalate.load(ctx, escalation_id)
        if outcome.removed and esc is not None:
            ack(response_action="update", view=details_view(
                esc, amend.DETAIL_KEYS, channel=channel, values=outcome.values,
                removed={k: r.summary() for k, r in outcome.removed.items()}).to_dict())
            return
        ack()
        if channel and outcome.text:
            ctx.slack.ephemeral(channel, user, outcome.text)
        if outcome.ok and outcome.changed:
            deliver_due(ctx, escalation_id=escalation_id)
