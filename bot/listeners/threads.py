"""Escalate from a thread: the **Escalate this thread** message shortcut and
``/escalate <permalink>``. Open the modal at once, draft after the ack, update in place."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.inbound import Malformed, guarded, parse_shortcut, parse_view
from bot.render import drafting
from bot.render.ids import Ids
from bot.render.modal import message_view, step_view
from commands import inbound, intake
from commands.context import Context
from commands.ports import DeliveryError, ThreadUnreadable
from core.checklist import Step
from core.drafting.thread import ThreadError
from core.model import Answers

log = logging.getLogger(__name__)

SHORTCUT = "escalate_thread"


def start_from_thread(ctx: Context, client: WebClient, respond: Respond | None, *,
                      trigger: str, user: str, channel: str, thread_ts: str,
                      count: int | None) -> None:
    """Open the form now (the trigger lives 3 s), then read the whole thread and draft."""
    domains = list(ctx.domains.values())
    waiting = step_view(Step.PROBLEM, Answers(case_owner=user), domains=domains, requester=user,
                        channel=channel, notice=drafting.drafting(count))
    try:
        opened = client.views_open(trigger_id=trigger, view=waiting)
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error == "exchanged_trigger_id":
            return  # a concurrent redelivery opened the form already
        log.warning("views.open failed for %s: %s", user, error)
        if respond is not None:
            _tell(respond, user, f":warning: Slack did not open the escalation form ({error}). "
                                 "Please try again.")
        return
    inbound.first_time(ctx, f"trigger:{trigger}")
    view = parse_view(opened.get("view"), "views.open.view")  # Slack's answer, read totally
    view_id, view_hash, key = view.id, view.hash, view.draft_key
    try:
        result = intake.draft_from_thread(ctx, key=key, user=user, channel=channel,
                                          thread_ts=thread_ts)
    except ThreadUnreadable as exc:
        text = drafting.unreadable(channel, str(exc))
        _update(client, view_id, view_hash, message_view(
            title="Escalate · thread", text=text, callback_id=Ids.DONE_VIEW).to_dict())
        if respond is not None:
            _tell(respond, user, text)
        return
    except (DeliveryError, ThreadError) as exc:
        log.warning("reading thread %s/%s failed: %s", channel, thread_ts, exc)
        _update(client, view_id, view_hash, step_view(
            Step.PROBLEM, Answers(case_owner=user), domains=domains, requester=user,
            channel=channel, notice=drafting.read_failed(str(exc))).to_dict())
        return
    _update(client, view_id, view_hash, step_view(
        Step.PROBLEM, result.answers, domains=domains, requester=user, channel=channel,
        notice=drafting.drafted(result)).to_dict())


def _tell(respond: Respond, user: str, text: str) -> None:
    """Best effort: the response_url may have expired or be gone."""
    try:
        respond(text=text, response_type="ephemeral", replace_original=False)
    except Exception as failure:
        log.warning("could not tell %s on the response_url: %s", user, type(failure).__name__)


def _update(client: WebClient, view_id: str, view_hash: str | None,
            view: dict[str, Any]) -> None:
    try:
        client.views_update(view_id=view_id, hash=view_hash, view=view)
    except SlackApiError as exc:
        # hash_conflict: the agent moved to the next step meanwhile. The draft is merged into
        # the stored answers already, so the next steps show it; the screen is theirs.
        if exc.response.get("error") != "hash_conflict":
            log.warning("views.update of %s failed: %s", view_id, exc.response.get("error"))


def register(app: App, ctx: Context) -> None:
    @app.shortcut(SHORTCUT)
    @guarded
    def escalate_thread(ack: Ack, body: dict[str, Any], client: WebClient,
                        respond: Respond) -> None:
        shortcut = parse_shortcut(body)  # Malformed → a harmless answer (bot.inbound)
        ack()
        trigger = shortcut.trigger_id
        if inbound.seen(ctx, f"trigger:{trigger}"):
            return  # a redelivery: the form is open already
        if shortcut.channel is None or shortcut.message_ts is None:
            raise Malformed("channel or message: missing")
        ts = shortcut.message_ts
        root = shortcut.thread_ts or ts
        replies = shortcut.reply_count
        # The parent of a thread says how many replies it has; a reply does not.
        count = replies + 1 if replies is not None and root == ts else None
        if root == ts and not replies and shortcut.thread_ts is None:
            count = 1  # a single message, no thread
        start_from_thread(ctx, client, respond if shortcut.response_url else None,
                          trigger=trigger, user=shortcut.user, channel=shortcut.channel,
                          thread_ts=root, count=count)
