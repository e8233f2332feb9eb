"""``/escalate [problem]``: open the checklist modal, pre-filled with the command's text."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.inbound import guarded, parse_slash_command
from bot.listeners.threads import start_from_thread
from bot.render.modal import step_view
from commands import inbound
from commands.context import Context
from core.checklist import FIELDS_BY_KEY, Step
from core.drafting.links import parse_permalink
from core.model import Answers
from core.redaction import redact

log = logging.getLogger(__name__)


def register(app: App, ctx: Context) -> None:
    @app.command("/escalate")
    @guarded
    def open_escalation(ack: Ack, body: dict[str, Any], client: WebClient,
                        respond: Respond) -> None:
        command = parse_slash_command(body)  # Malformed → an ephemeral answer in the ack
        # Ack first: Slack wants it within 3 s, and views.open may wait out a rate limit.
        ack()
        trigger = command.trigger_id
        key = f"trigger:{trigger}"
        if inbound.seen(ctx, key):
            return  # a redelivery of a command whose modal is already open
        user = command.user
        text = " ".join(command.text.split())
        ref = parse_permalink(text)
        if ref is not None:  # /escalate <permalink>: draft from that message's thread
            start_from_thread(ctx, client, respond, trigger=trigger, user=user,
                              channel=ref.channel, thread_ts=ref.root_ts, count=None)
            return
        text = redact(text, allow=ctx.redaction).text
        answers = Answers(problem=text[: FIELDS_BY_KEY["problem"].max_length] or None,
                          case_owner=user)
        view = step_view(Step.PROBLEM, answers, domains=list(ctx.domains.values()),
                         requester=user, channel=command.channel)
        try:
            client.views_open(trigger_id=trigger, view=view)
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error == "exchanged_trigger_id":
                return  # a concurrent redelivery opened the form with this trigger already
            log.warning("views.open failed for %s: %s", user, error)
            try:
                respond(text=f":warning: Slack did not open the escalation form ({error}). "
                             "Please run `/escalate` again.", response_type="ephemeral")
            except Exception as failure:  # best effort: the response_url may be gone
                log.warning("could not tell %s either: %s", user, type(failure).__name__)
            return
        # Recorded after the form is open, to keep the database off the user's wait; a
        # redelivery racing this one is refused by Slack itself (a trigger opens one view).
        inbound.first_time(ctx, key)
