"""Submissions of the feedback loop's modals: read, run the command, answer inline.

The modal's state comes typed from :func:`bot.inbound.parse_view_submission`; each field is
read by kind in the core (:func:`core.inputs.read_form`: an option the form never offered, a
value of the wrong type or a time out of range is an error on its field). Errors the core
finds go back onto their fields (``response_action: errors``); a refusal (role, state) or a
lost race replaces the form with what happened; success replaces it with the confirmation.
The command stores the change before the ack and sends what it owes after it
(``deliver=False``), so Slack's 3-second budget covers only the database work. A retried
submission carries the same root view id, the command's request key: nothing changes twice.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import loop_dispatch as dispatch
from bot import loop_inputs
from bot.inbound import Malformed, View, guarded, parse_view_submission
from bot.listeners.loop_home import refresh_homes
from bot.render.ids import LOOP_VIEW_PATTERN, action_from_callback
from bot.render.loop_modals import FRAMES, done_view, read_metadata
from commands.context import Context
from core.forms import FORMS
from core.inputs import RawValue, read_form
from core.workflow import Action


def read_values(ctx: Context, action: Action,
                view: View) -> loop_inputs.Parsed | loop_inputs.Errors:
    """The typed input for ``action`` from the submitted view, or field errors (a dict)."""
    fields = FORMS.get(action, ())
    raw: dict[str, RawValue] = {}
    for spec in fields:
        element = view.element(spec.key)
        if element is not None:
            raw[spec.key] = element.value
    read = read_form(fields, raw, now=ctx.now())
    if read.errors:
        return read.errors
    parsed = loop_inputs.parse(action, read.values)
    if isinstance(parsed, dict) and not set(parsed) <= {spec.key for spec in fields}:
        raise Malformed("view.callback_id: a form without fields")
    return parsed


def register(app: App, ctx: Context) -> None:
    @app.view(re.compile(LOOP_VIEW_PATTERN))
    @guarded
    def submit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        sub = parse_view_submission(body)
        view = sub.view
        action = action_from_callback(view.callback_id)
        escalation_id = read_metadata(view.private_metadata).get("id")
        if action is None or action not in FRAMES or not isinstance(escalation_id, int) \
                or isinstance(escalation_id, bool):
            raise Malformed("view: not a loop form")
        keys = [spec.key for spec in FORMS.get(action, ())]
        parsed = read_values(ctx, action, view)
        if isinstance(parsed, dict):
            ack(response_action="errors", errors=parsed)
            return
        key = f"view:{view.draft_key}"
        outcome = dispatch.perform(ctx, action, escalation_id=escalation_id, user=sub.user,
                                   form=parsed, request_key=key, deliver=False)
        if outcome.errors:
            known = {k: v for k, v in outcome.errors.items() if k in keys}
            if known:
                ack(response_action="errors", errors=known)
                return
        title = FRAMES[action].title
        if outcome.ok:
            ack(response_action="update", view=done_view(title, outcome.text).to_dict())
            outcome.deliver()  # the packet update, the thread line, the DMs — after the ack
            if not outcome.duplicate:
                refresh_homes(ctx, client, escalation_id, also=(sub.user,))
            return
        ack(response_action="update",
            view=done_view("Not applied", outcome.text).to_dict())
