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
from bot.inbound import BlockAction, Malformed, guarded, parse_block_action
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

# Escalation ids are database integers: anything larger is not one of ours.
MAX_ID = 2**31 - 1

SUGGESTED_REASON = ("Merged duplicates brought the impact past the severity policy's "
                    "threshold (the bot's suggestion, accepted by the owner).")

# Acting on the click alone; everything else with a form opens its modal.
ONE_CLICK = frozenset({Action.VERIFY, Action.ACCEPT_HANDOFF, Action.RATE_HANDOFF,
                       Action.EXPORT, Action.CUSTOMER_TOLD})


def reply(ctx: Context, click: BlockAction, text: str) -> None:
    if click.channel:
        ctx.slack.ephemeral(click.channel, click.user, text)


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


def settle_dm(client: WebClient, click: BlockAction, text: str) -> None:
    """A DM whose button was used keeps its text but loses its buttons, and says what was done
    (no stale Verify or Accept handoff lying around)."""
    channel = click.channel or ""
    if not channel.startswith("D") or not click.message_ts or not click.message_blocks:
        return  # not a DM, or Slack did not send the message (nothing to redraw from)
    blocks = [dict(b) for b in click.message_blocks if b.get("type") != "actions"]
    blocks.append(ContextBlock(block_id="done", elements=[MarkdownTextObject(
        text=f":white_check_mark: {truncate(text, 2900)}")]).to_dict())
    fallback = click.message_text or text
    try:
        client.chat_update(channel=channel, ts=click.message_ts, text=fallback[:3000],
                           blocks=blocks)
    except SlackApiError as exc:
        log.info("could not settle the DM's buttons: %s", exc.response.get("error"))


def act(ctx: Context, client: WebClient, click: BlockAction,
        action: Action, escalation_id: int, choice: str | None) -> None:
    user = click.user
    key = f"click:{action.value}:{user}:{click.action_ts or click.trigger_id}"
    text: str | None
    if action is Action.CHANGE_SEVERITY and choice:
        # The one-click upgrade suggested after merges: applied on the click, with the reason.
        severity = choice.upper()
        if severity not in Severity.__members__:
            raise Malformed("actions[0].action_id: not a severity")
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
                raise Malformed("actions[0].action_id: not a rating") from None
        elif action is Action.VERIFY:
            form = VerifyInput()
        outcome = dispatch.perform(ctx, action, escalation_id=escalation_id, user=user,
                                   form=form, request_key=key)
        text = outcome.text
        if outcome.ok:
            settle_dm(client, click, outcome.text)
        if outcome.ok and not outcome.duplicate:
            refresh_homes(ctx, client, escalation_id, also=(user,))
    else:
        if not click.trigger_id:
            raise Malformed("trigger_id: missing")
        text = open_form(ctx, client, trigger_id=click.trigger_id, action=action,
                         escalation_id=escalation_id, user=user)
    if text:
        reply(ctx, click, text)


def register(app: App, ctx: Context) -> None:
    @app.action(re.compile(LOOP_ACTION_PATTERN))
    @guarded
    def loop_button(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        click = parse_block_action(body)
        parsed = action_from_id(click.action_id)
        if parsed is None:
            raise Malformed("actions[0].action_id: not a loop action")
        act(ctx, client, click, parsed[0], click.number(high=MAX_ID), parsed[1])

    @app.action(re.compile(LOOP_MORE_PATTERN))
    @guarded
    def loop_menu(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        click = parse_block_action(body)
        verb, _, rest = (click.value or "").partition(":")
        number = parse_action_value(rest)
        try:
            action = Action(verb)
        except ValueError:
            raise Malformed("actions[0].selected_option: not a loop action") from None
        if number is None or number > MAX_ID:
            raise Malformed("actions[0].selected_option: no escalation id")
        act(ctx, client, click, action, number, None)
