"""Reminders as Slack messages: what is due, for whom, with the button that settles it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.render.ids import Ids, loop_action_id
from bot.render.mrkdwn import escape
from core.model import Escalation
from core.timefmt import fmt_hhmm, humanize_duration, utc
from core.timers import Action, Nudge
from core.workflow import Action as WorkflowAction

METADATA_EVENT = "escalation_nudge"


@dataclass(frozen=True)
class RenderedNudge:
    text: str
    blocks: list[Block]


def _link(esc: Escalation) -> str:
    return f"<{esc.permalink}|{esc.public_id}>" if esc.permalink else f"*{esc.public_id}*"


def _mention(ids: tuple[str, ...]) -> str:
    return " ".join(f"<!subteam^{i}>" if i.startswith("S") else f"<@{i}>" for i in ids)


def _late(due: datetime, now: datetime) -> str:
    late = utc(now) - utc(due)
    return f" (due {fmt_hhmm(due)}, {humanize_duration(late)} ago)" if late.total_seconds() \
        >= 60 else f" (due {fmt_hhmm(due)})"


def _button(action_id: str, label: str, esc: Escalation, primary: bool = True) -> ButtonElement:
    return ButtonElement(action_id=action_id, text=PlainTextObject(text=label),
                         value=str(esc.id), style="primary" if primary else None)


def nudge(esc: Escalation, n: Nudge) -> RenderedNudge:
    link, sev = _link(esc), esc.answers.severity.value if esc.answers.severity else "SEV?"
    after = humanize_duration(n.after)
    who = _mention(n.mentions)
    problem = escape((esc.answers.problem or "")[:120])
    buttons: list[ButtonElement] = []
    a = n.action
    if a is Action.CLAIM_CHANNEL:
        text = (f":rotating_light: {who + ' ' if who else ''}{link} ({sev}) is still unclaimed "
                f"after {after}: {problem}")
        buttons.append(_button(Ids.CLAIM, "Claim", esc))
    elif a is Action.CLAIM_LEADS:
        text = (f":rotating_light: {link} ({sev}) has been unclaimed for {after} in "
                f"<#{esc.domain.channel}>: {problem}")
    elif a is Action.RAISE_LEVEL:
        raised = n.detail.get("raised") == "True"
        text = (f":arrow_double_up: {who + ' ' if who else ''}{link} raised to "
                f"{esc.decision.target.label}: unclaimed for {after}." if raised else
                f":rotating_light: {who + ' ' if who else ''}{link} is still unclaimed after "
                f"{after} and already at {esc.decision.target.label}.")
        buttons.append(_button(Ids.CLAIM, "Claim", esc))
    elif a is Action.ACCEPT_NUDGE:
        text = (f":wave: You claimed {link} ({sev}) {after} ago but have not accepted it. "
                "Accept it, or it goes back to the queue.")
        buttons.append(_button(Ids.ACCEPT, "Accept", esc))
    elif a is Action.RETURN_TO_QUEUE:
        if n.recipient is None:
            text = (f":leftwards_arrow_with_hook: {who + ' ' if who else ''}{link} ({sev}) is "
                    f"back in the queue: not accepted within {after}. Who takes it?")
            buttons.append(_button(Ids.CLAIM, "Claim", esc))
        else:
            text = (f":leftwards_arrow_with_hook: {link} went back to the queue: you did not "
                    f"accept it within {after}.")
    elif a is Action.UPDATE_DUE:
        text = (f":hourglass: {who + ' ' if who else ''}a status update on {link} ({sev}) is "
                f"due{_late(n.due_at, n.now)}.")
        buttons.append(_button(Ids.POST_UPDATE, "Post update", esc))
    elif a is Action.UPDATE_OVERDUE_OWNER:
        text = (f":red_circle: Your status update on {link} ({sev}) is overdue: none for "
                f"{after}.")
        buttons.append(_button(Ids.POST_UPDATE, "Post update", esc))
    elif a is Action.UPDATE_OVERDUE_LEADS:
        owner = f"<@{esc.owner}>" if esc.owner else "its owner"
        text = (f":red_circle: {link} ({sev}) has had no status update for {after}; owner "
                f"{owner}.")
    elif a is Action.CUSTOMER_UPDATE_DUE:
        text = (f":speech_balloon: The customer is owed an update on {link} ({sev}): the last "
                f"was {after} ago.")
        draft = n.detail.get("draft")
        if draft:
            text += f"\nLatest customer-safe draft, ready to copy:\n```{escape(draft)}```"
        text += "\nOnce the customer has it, click *Customer told*."
        buttons.append(_button(loop_action_id(WorkflowAction.CUSTOMER_TOLD), "Customer told",
                               esc))
    elif a is Action.ETA_PASSED:
        text = (f":alarm_clock: The fix ETA for {link} ({fmt_hhmm(n.due_at)}) has passed "
                "without an update. Post an update or move the ETA.")
        buttons.append(_button(Ids.POST_UPDATE, "Post update", esc))
    elif a is Action.NEEDS_INFO_REMINDER:
        text = (f":question: {link} is waiting on your answer (asked {after} ago). "
                "Engineering's clock is paused until you answer.")
    elif a in (Action.RCA_REMINDER, Action.RCA_DUE):
        due = "is due now" if a is Action.RCA_DUE else f"is due {fmt_hhmm(n.due_at)} tomorrow"
        text = (f":memo: The RCA for {link} ({sev}, resolved {after} ago) {due}. Attach it "
                f"with `/escalation {esc.public_id} rca <url>`.")
    else:  # pragma: no cover - every action is rendered above
        text = f"Reminder about {link}."
    blocks: list[Block] = [SectionBlock(block_id="nudge", text=MarkdownTextObject(text=text))]
    if buttons:
        blocks.append(ActionsBlock(block_id="nudge_actions", elements=buttons))
    plain = text.split("\n", 1)[0]
    return RenderedNudge(text=plain[:3000], blocks=blocks)


def metadata(esc: Escalation, n: Nudge) -> dict[str, object]:
    return {"event_type": METADATA_EVENT,
            "event_payload": {"escalation_id": esc.id, "nudge_id": n.id}}
