"""``/escalation``: act on an escalation by id, list mine or the queue, or get help.

Ack first; the text is parsed in the core (:mod:`core.slash`), never raising: anything
unrecognised gets the short usage. Answers are ephemeral (through the response URL, so they
work in any channel). Actions that need input open the same modal as the packet's button.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import loop_dispatch as dispatch
from bot.inbound import SlashCommand, guarded, parse_slash_command
from bot.listeners.jira import answer_jira_command, is_jira_command
from bot.listeners.loop_actions import ONE_CLICK, open_form
from bot.listeners.loop_home import refresh_homes
from bot.reminder_dispatch import answer as timers_answer
from bot.render.home import HomeSection, list_text
from commands import inbound
from commands.claim import claim
from commands.context import Context
from commands.home import home, queue
from core import slash
from core.forms import IcInput, MergeInput, VerifyInput
from core.workflow import Action

log = logging.getLogger(__name__)


def _say(respond: Respond, text: str, **extra: Any) -> None:
    """Answer on the command's response_url — best effort: it may have expired or be gone
    (Slack's outage, a hostile sender's URL), which is not an error of ours."""
    try:
        respond(text=text, response_type="ephemeral", **extra)
    except Exception as failure:
        log.warning("could not answer /escalation on its response_url: %s",
                    type(failure).__name__)


def _report(ctx: Context, respond: Respond, user: str, request: slash.ReportRequest) -> None:
    """A leads' report, privately: the same figures as the digest and the CLI."""
    from bot.render.digest import digest_message
    from commands.reports import lead_report

    result = lead_report(ctx, user=user, kind=request.kind, since=request.since)
    if result.report is None:
        _say(respond, result.text)
        return
    rendered = digest_message(result.report)
    _say(respond, rendered.text, blocks=[b.to_dict() for b in rendered.blocks])


def _queue(ctx: Context, domain: str | None) -> str:
    if domain is not None and domain not in ctx.domains:
        known = ", ".join(f"`{k}`" for k in sorted(ctx.domains)) or "none configured"
        return f"There is no domain `{domain}`. Domains: {known}."
    keys = [domain] if domain else list(ctx.domains)
    waiting = queue(ctx, keys)
    return list_text("", [HomeSection("unclaimed", waiting.items, waiting.total)])


def _act(ctx: Context, client: WebClient, command: SlashCommand,
         request: slash.ActOn) -> str | None:
    user = command.user
    trigger = command.trigger_id
    key = f"cmd:{trigger}"
    action, number = request.action, request.escalation_id
    if action is Action.CLAIM:
        return claim(ctx, escalation_id=number, user=user).text
    form: object = None
    if action is Action.MERGE and request.target_id is not None:
        form = MergeInput(survivor_id=request.target_id)
    elif action is Action.SET_IC and request.user is not None:
        form = IcInput(user=request.user)
    elif action is Action.VERIFY:
        form = VerifyInput()
    if form is not None or action in ONE_CLICK:
        outcome = dispatch.perform(ctx, action, escalation_id=number, user=user, form=form,
                                   request_key=key)
        if outcome.ok and not outcome.duplicate:
            refresh_homes(ctx, client, number, also=(user,))
        if outcome.errors:
            return " ".join(outcome.errors.values())
        return outcome.text
    values: dict[str, str] = {}
    if request.severity is not None:
        values["severity"] = request.severity.value
    if request.level is not None:
        values["target"] = request.level.name
    if request.user is not None:
        values["to_user"] = request.user
    return open_form(ctx, client, trigger_id=trigger, action=action, escalation_id=number,
                     user=user, values=values)


def register(app: App, ctx: Context) -> None:
    @app.command("/escalation")
    @guarded
    def escalation(ack: Ack, body: dict[str, Any], client: WebClient,
                   respond: Respond) -> None:
        ack()
        command = parse_slash_command(body)
        trigger = command.trigger_id
        if inbound.seen(ctx, f"trigger:{trigger}"):
            return  # a redelivery of a command already handled
        user = command.user
        # The timers' verbs (reminders / rca / snooze) and the Jira verbs, before the loop's.
        text: str | None = timers_answer(ctx, command.text, user)
        if text is None and is_jira_command(command.text):  # ESC-42 jira …
            text = answer_jira_command(ctx, user=user, text=command.text)
        if text is not None:
            inbound.first_time(ctx, f"trigger:{trigger}")
            _say(respond, text)
            return
        request = slash.parse(command.text)
        if isinstance(request, slash.Help):
            text = slash.HELP
        elif isinstance(request, slash.Usage):
            text = f"{request.problem}\n{slash.USAGE}"
        elif isinstance(request, slash.Mine):
            sections = [HomeSection(s.key, s.items, s.total) for s in home(ctx, user)
                        if s.key in ("waiting", "mine", "raised")]
            text = list_text(user, sections)
        elif isinstance(request, slash.Queue):
            text = _queue(ctx, request.domain)
        elif isinstance(request, slash.ReportRequest):
            text = None
            _report(ctx, respond, user, request)
        else:
            text = _act(ctx, client, command, request)
        inbound.first_time(ctx, f"trigger:{trigger}")
        if text:
            _say(respond, text)
