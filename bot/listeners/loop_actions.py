"""Clicks of the feedback loop: packet buttons, its overflow menus, and DM buttons.

Ack first (a role check may need a user-group lookup). Then: an action that needs input opens
its modal — after the core said this user may take it now, so nobody fills a form only to be
refused; a one-click action (Verify, Accept handoff, the handoff rating, Export) runs at once.
The clicker is answered with an ephemeral. A retried delivery carries the same ``action_ts``,
which is the command's request key: it changes nothing twice.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject

from bot import loop_dispatch as dispatch
from bot.inbound import guarded
from bot.listeners.loop_home import refresh_homes
from bot.render.ids import LOOP_ACTION_PATTERN, LOOP_MORE_PATTERN, action_from_id
from bot.render.loop_modals import FRAMES, form_view, modal_context
from bot.render.loop_packet import parse_action_value
from bot.render.mrkdwn import truncate
from commands.context import Context
from core.forms import HandoffRating, RateInput, SeverityInput, VerifyInput
from core.model import Severity
from core.workflow import Action

log = logging.getLogger(__name__)

SUGGESTED_REASON = ("Merged duplicates brought the impact past the severity policy's "
                    "threshold (the bot's suggestion, accepted by the owner).")

# Acting on the click alone; everything else with a form opens its modal.
ONE_CLICK = frozenset({Action.VERIFY, Action.ACCEPT_HANDOFF, Action.RATE_HANDOFF,
                       Action.EXPORT})


def _channel(body: dict[str, Any]) -> str | None:
    return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id")


def reply(ctx: Context, body: dict[str, Any], text: str) -> None:
    channel = _channel(body)
    user = body["user"]["id"]
    if channel:
        ctx.slack.ephemeral(channel, user, text)


def open_form(ctx: Context, client: WebClient, *, trigger_id: str, action: Action,
              escalation_id: int, user: str, values: dict[str, str] | None = None
              ) -> str | None:
    """Open ``action``'s modal if ``user`` may take it now; otherwise the refusal text."""
    esc, refused = dispatch.precheck(ctx, action, escalation_id=escalation_id, user=user)
    if refused is not None or esc is None:
        return refused
    prefilled = {**dispatch.form_defaults(ctx, action, esc), **(values or {})}
    view = form_view(action, esc, values=prefilled, context=modal_context(action, esc))
    try:
        client.views_open(trigger_id=trigger_id, view=view.to_dict())
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error == "exchanged_trigger_id":
            return None  # a retried delivery: the form is open already
        log.warning("views.open for %s failed: %s", action.value, error)
        return f"Slack did not open the form ({error}); please click again."
    return None


def settle_dm(client: WebClient, body: dict[str, Any], text: str) -> None:
    """A DM whose button was used keeps its text but loses its buttons, and says what was done
    (no stale Verify or Accept handoff lying around)."""
    channel = _channel(body) or ""
    message = body.get("message") or {}
    if not channel.startswith("D") or not message.get("ts"):
        return
    blocks = [b for b in message.get("blocks") or [] if b.get("type") != "actions"]
    blocks.append(ContextBlock(block_id="done", elements=[MarkdownTextObject(
        text=f":white_check_mark: {truncate(text, 2900)}")]).to_dict())
    try:
        client.chat_update(channel=channel, ts=message["ts"],
                           text=str(message.get("text") or text)[:3000], blocks=blocks)
    except SlackApiError as exc:
        log.info("could not settle the DM's buttons: %s", exc.response.get("error"))


def act(ctx: Context, client: WebClient, body: dict[str, Any], action: Action,
        escalation_id: int, choice: str | None) -> None:
    user = body["user"]["id"]
    clicked = body["actions"][0]
    key = f"click:{action.value}:{user}:{clicked.get('action_ts') or body.get('trigger_id')}"
    text: str | None
    if action is Action.CHANGE_SEVERITY and choice:
        # The one-click upgrade suggested after merges: applied on the click, with the reason.
        severity = choice.upper()
        if severity not in Severity.__members__:
            return
        outcome = dispatch.perform(ctx, action, escalation_id=escalation_id, user=user,
                                   form=SeverityInput(Severity(severity), SUGGESTED_REASON),
                                   request_key=key)
        text = outcome.text if not outcome.errors else " ".join(outcome.errors.values())
        if outcome.ok and not outcome.duplicate:
            refresh_homes(ctx, client, escalation_id, also=(user,))
    elif action in ONE_CLICK or action not in FRAMES:
        form: object = None
        if action is Action.RATE_HANDOFF:
            try:
                form = RateInput(rating=HandoffRating(choice or ""))
            except ValueError:
                return
        elif action is Action.VERIFY:
            form = VerifyInput()
        outcome = dispatch.perform(ctx, action, escalation_id=escalation_id, user=user,
                                   form=form, request_key=key)
        text = outcome.text
        if outcome.ok:
            settle_dm(client, body, outcome.text)
        if outcome.ok and not outcome.duplicate:
            refresh_homes(ctx, client, escalation_id, also=(user,))
    else:
        text = open_form(ctx, client, trigger_id=body["trigger_id"], action=action,
                         escalation_id=escalation_id, user=user)
    if text:
        reply(ctx, body, text)


def register(app: App, ctx: Context) -> None:
    @app.action(re.compile(LOOP_ACTION_PATTERN))
    @guarded
    def loop_button(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        clicked = body["actions"][0]
        parsed = action_from_id(str(clicked.get("action_id", "")))
        ids = parse_action_value(str(clicked.get("value", "")))
        if parsed is None or ids is None:
            return
        act(ctx, client, body, parsed[0], ids, parsed[1])

    @app.action(re.compile(LOOP_MORE_PATTERN))
    @guarded
    def loop_menu(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        option = body["actions"][0].get("selected_option") or {}
        verb, _, rest = str(option.get("value", "")).partition(":")
        ids = parse_action_value(rest)
        try:
            action = Action(verb)
        except ValueError:
            return
        if ids is not None:
            act(ctx, client, body, action, ids, None)
