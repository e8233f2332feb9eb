"""Listeners that amend an escalation: SEV1 picked on step 1 (offer Page now), and Add
details on the packet."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.forms import block_ids, field_values, step_values
from bot.listeners.views import draft_key, render_step
from bot.render.amend import ADD_DETAILS, DETAILS_CALLBACK, details_view
from bot.render.modal import read_metadata
from commands import amend, escalate
from commands.context import Context
from commands.deliver import deliver_due
from core.checklist import Step, fields_of
from core.codec import merge

log = logging.getLogger(__name__)


def _metadata_id(raw: str | None) -> tuple[int | None, str | None]:
    data = read_metadata(raw)
    try:
        return int(data.get("id") or ""), data.get("channel")
    except ValueError:
        return None, data.get("channel")


def register(app: App, ctx: Context) -> None:
    @app.action("severity")
    def severity_picked(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Picking SEV1 on step 1 offers Page now (and picking another removes the offer)."""
        ack()
        view = body.get("view") or {}
        if view.get("callback_id") != "escalate.problem":
            return
        user = body["user"]["id"]
        key = draft_key(view)
        channel = read_metadata(view.get("private_metadata")).get("channel")
        typed = step_values(view.get("state", {}), Step.PROBLEM)
        clean, _ = escalate.redact_values(ctx, typed)
        answers = merge(escalate.draft(ctx, key=key), clean,
                        {f.key for f in fields_of(Step.PROBLEM)})
        try:
            client.views_update(view_id=view["id"], hash=view.get("hash"), view=render_step(
                ctx, Step.PROBLEM, answers, user=user, channel=channel, key=key))
        except SlackApiError as exc:  # the agent kept typing (hash_conflict): keep their view
            log.info("severity pick: views.update refused: %s", exc.response.get("error"))

    @app.action(ADD_DETAILS)
    def add_details_clicked(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or \
            (body.get("container") or {}).get("channel_id")
        try:
            escalation_id = int(body["actions"][0]["value"])
        except (KeyError, IndexError, TypeError, ValueError):
            return
        esc = escalate.load(ctx, escalation_id)
        if esc is None:
            return
        if not amend.may_add_details(esc, user):
            if channel:
                ctx.slack.ephemeral(channel, user, amend.refusal(esc))
            return
        client.views_open(trigger_id=body["trigger_id"], view=details_view(
            esc, amend.DETAIL_KEYS, channel=channel).to_dict())

    @app.view(DETAILS_CALLBACK)
    def details_saved(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        escalation_id, channel = _metadata_id(view.get("private_metadata"))
        if escalation_id is None:
            ack()
            return
        state = view.get("state", {})
        outcome = amend.add_details(
            ctx, escalation_id=escalation_id, user=user,
            values=field_values(state, amend.DETAIL_KEYS),
            request_key=f"{view.get('id')}:{view.get('hash')}")
        if outcome.errors:
            ids = block_ids(state)
            ack(response_action="errors",
                errors={ids.get(k, k): v for k, v in outcome.errors.items()})
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
