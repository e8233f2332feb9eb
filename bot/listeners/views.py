"""Step submissions of the /escalate modal: save, validate inline, advance, store."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot.forms import on_fields, page_now_ticked, step_raw_values
from bot.inbound import Malformed, View, guarded, parse_view_submission
from bot.inbound.read import is_slack_id
from bot.render.ids import STEP_CALLBACK_PATTERN, step_from_callback
from bot.render.modal import done_view, read_metadata, step_view
from commands import amend, deflection, escalate
from commands.context import Context
from commands.deliver import deliver_due
from core.checklist import FIELDS_BY_KEY, Step, fields_of, readiness
from core.model import Answers, Severity

_STEPS = list(Step)


def origin_channel(view: View) -> str | None:
    """The channel /escalate was run in, as the modal's private_metadata remembers it."""
    channel = read_metadata(view.private_metadata).get("channel")
    return channel if is_slack_id(channel) else None


def step_of(view: View) -> Step:
    try:
        return step_from_callback(view.callback_id)
    except ValueError:
        raise Malformed("view.callback_id: not a step") from None


def paged_banner(paged: amend.Paged | None) -> str | None:
    if paged is None:
        return None
    return (f":rotating_light: *{paged.public_id} is paged* in <#{paged.channel}>, marked "
            "incomplete. Finish the steps here; the packet updates as you save each one.")


def render_step(ctx: Context, step: Step, answers: Answers, *, user: str,
                channel: str | None, removed: dict[str, str] | None = None,
                key: str | None = None) -> dict[str, Any]:
    weak = readiness(answers, now=ctx.now(), domains=ctx.domain_keys,
                     being_filled=step) if step is Step.HANDOFF \
        else []
    paged = amend.paged(ctx, key=key) if key else None
    similar = deflection.suggest(ctx, key=key, user=user, answers=answers) \
        if step is Step.HANDOFF and key else []
    return step_view(step, answers, domains=list(ctx.domains.values()), requester=user,
                     channel=channel, weak=weak, removed=removed,
                     page_now_offer=answers.severity is Severity.SEV1,
                     paged=paged_banner(paged), similar=similar).to_dict()


def field_errors(view: View, step: Step, errors: dict[str, str]) -> dict[str, str]:
    """``errors`` on the view's own blocks; when none of their fields is on it (a forged
    or stale view), the first message on its first input so the modal stays open."""
    placed = on_fields(view, errors)
    if placed:
        return placed
    block = view.input_blocks[0] if view.input_blocks else fields_of(step)[0].key
    return {block: next(iter(errors.values()))}


def register(app: App, ctx: Context) -> None:
    @app.view(re.compile(STEP_CALLBACK_PATTERN))
    @guarded
    def submit_step(ack: Ack, body: dict[str, Any]) -> None:
        submission = parse_view_submission(body)
        view, user = submission.view, submission.user
        step = step_of(view)
        key = view.draft_key
        channel = origin_channel(view)
        # Checked by kind first: an option the form never offered, a date that is not a
        # date or a value of the wrong type is an error on its field, never stored.
        read = escalate.read_step(ctx, step, step_raw_values(view, step))
        recorded = escalate.record(ctx, key=key, user=user, step=step, values=read.values,
                                   channel=channel)
        answers = recorded.answers
        if recorded.removed and not read.errors:
            # Show the agent what was removed, on the field, before going on.
            ack(response_action="update", view=render_step(
                ctx, step, answers, user=user, channel=channel, key=key,
                removed={k: r.summary() for k, r in recorded.removed.items()}))
            return
        errors = escalate.step_errors(ctx, answers, step) | read.errors
        if errors:
            ack(response_action="errors", errors=field_errors(view, step, errors))
            return
        if step is Step.PROBLEM and answers.severity is Severity.SEV1 and \
                page_now_ticked(view) and amend.paged(ctx, key=key) is None:
            page_now(ack, view, key=key, user=user, answers=answers, channel=channel)
            return
        if step is not _STEPS[-1]:
            following = _STEPS[_STEPS.index(step) + 1]
            paged = amend.save_step(ctx, key=key, user=user, step=step, answers=answers)
            ack(response_action="update",
                view=render_step(ctx, following, answers, user=user, channel=channel, key=key))
            if paged is not None:  # the packet grows in place as each step is saved
                deliver_due(ctx, escalation_id=paged)
            return
        try:
            result = escalate.submit(ctx, key=key, requester=user, answers=answers)
        except escalate.NotReady as not_ready:
            here = on_fields(view, {k: v for k, v in not_ready.errors.items()
                                    if FIELDS_BY_KEY[k].step is step})
            if here:
                ack(response_action="errors", errors=here)
            else:
                back_to = escalate.first_incomplete_step(ctx, answers) or Step.PROBLEM
                ack(response_action="update", view=render_step(
                    ctx, back_to, answers, user=user, channel=channel, key=key))
            return
        ack(response_action="update", view=done_view(
            public_id=result.public_id, channel=result.channel,
            level=result.decision.target.label, reason=result.decision.reason,
            created=result.created, completed=result.completed).to_dict())
        deliver_due(ctx, escalation_id=result.escalation_id)

    def page_now(ack: Ack, view: View, *, key: str, user: str, answers: Answers,
                 channel: str | None) -> None:
        """SEV1 fast lane: store and post after step 1; the modal goes on to step 2."""
        try:
            result = escalate.submit(ctx, key=key, requester=user, answers=answers,
                                     fast_lane=True)
        except escalate.NotReady as not_ready:
            ack(response_action="errors",
                errors=field_errors(view, Step.PROBLEM, not_ready.errors))
            return
        ack(response_action="update", view=render_step(
            ctx, Step.REPRODUCTION, answers, user=user, channel=channel, key=key))
        deliver_due(ctx, escalation_id=result.escalation_id)
