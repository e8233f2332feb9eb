"""Step submissions of the /escalate modal: save, validate inline, advance, store."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot.forms import block_ids, page_now_chosen, step_values
from bot.inbound import guarded
from bot.render.ids import STEP_CALLBACK_PATTERN, step_from_callback
from bot.render.modal import done_view, read_metadata, step_view
from commands import amend, escalate
from commands.context import Context
from commands.deliver import deliver_due
from core.checklist import FIELDS_BY_KEY, Step, readiness
from core.model import Answers, Severity

_STEPS = list(Step)


def draft_key(view: dict[str, Any]) -> str:
    """One draft and one escalation per modal: its root view id survives updates and pushes."""
    return str(view.get("root_view_id") or view["id"])


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
    return step_view(step, answers, domains=list(ctx.domains.values()), requester=user,
                     channel=channel, weak=weak, removed=removed,
                     page_now_offer=answers.severity is Severity.SEV1,
                     paged=paged_banner(paged)).to_dict()


def register(app: App, ctx: Context) -> None:
    @app.view(re.compile(STEP_CALLBACK_PATTERN))
    @guarded
    def submit_step(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        step = step_from_callback(view["callback_id"])
        user = body["user"]["id"]
        key = draft_key(view)
        channel = read_metadata(view.get("private_metadata")).get("channel")
        recorded = escalate.record(ctx, key=key, user=user, step=step,
                                   values=step_values(view.get("state", {}), step),
                                   channel=channel)
        answers = recorded.answers
        if recorded.removed:
            # Show the agent what was removed, on the field, before going on.
            ack(response_action="update", view=render_step(
                ctx, step, answers, user=user, channel=channel, key=key,
                removed={k: r.summary() for k, r in recorded.removed.items()}))
            return
        errors = escalate.step_errors(ctx, answers, step)
        if errors:
            ids = block_ids(view.get("state", {}))
            ack(response_action="errors", errors={ids.get(k, k): v for k, v in errors.items()})
            return
        if step is Step.PROBLEM and answers.severity is Severity.SEV1 and \
                page_now_chosen(view.get("state", {})) and amend.paged(ctx, key=key) is None:
            page_now(ack, key=key, user=user, answers=answers, channel=channel,
                     view_state=view.get("state", {}))
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
            ids = block_ids(view.get("state", {}))
            here = {ids.get(k, k): v for k, v in not_ready.errors.items()
                    if FIELDS_BY_KEY[k].step is step}
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

    def page_now(ack: Ack, *, key: str, user: str, answers: Answers, channel: str | None,
                 view_state: dict[str, Any]) -> None:
        """SEV1 fast lane: store and post after step 1; the modal goes on to step 2."""
        try:
            result = escalate.submit(ctx, key=key, requester=user, answers=answers,
                                     fast_lane=True)
        except escalate.NotReady as not_ready:
            ids = block_ids(view_state)
            ack(response_action="errors",
                errors={ids.get(k, k): v for k, v in not_ready.errors.items()})
            return
        ack(response_action="update", view=render_step(
            ctx, Step.REPRODUCTION, answers, user=user, channel=channel, key=key))
        deliver_due(ctx, escalation_id=result.escalation_id)
