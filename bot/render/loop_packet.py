"""The packet's living part: where the escalation stands, and exactly the actions it allows now.

Shown, updated in place: state, owner, level, SEV, incident commander, last update (UTC, by
whom), next update due (UTC), fix ETA, a pending handoff, merged ids. The actions come from
:func:`core.workflow.available` — buttons for the work itself, an overflow menu (Slack allows
2–5 options in one) for the rest — so a button never offers what the state forbids. Roles are
checked on the click, in the core, and a refusal says who can.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    InteractiveElement,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    PlainTextObject,
    SectionBlock,
)

from bot.render.ids import Ids, loop_action_id
from bot.render.mrkdwn import escape, truncate
from core.claim import time_to_claim_text
from core.model import Escalation, State, public_id
from core.timefmt import fmt_hhmm, fmt_utc
from core.workflow import Action, available

# The work itself: offered as buttons. The rest goes into overflow menus.
BUTTONS: tuple[Action, ...] = (
    Action.CLAIM, Action.ACCEPT, Action.POST_UPDATE, Action.REPRODUCED,
    Action.CANNOT_REPRODUCE, Action.SET_ETA, Action.NEEDS_INFO, Action.RESOLVE, Action.VERIFY,
    Action.REOPEN,
)
PRIMARY: frozenset[Action] = frozenset({Action.CLAIM, Action.ACCEPT, Action.RESOLVE,
                                        Action.VERIFY})
OVERFLOW_MAX = 5


def action_value(esc: Escalation) -> str:
    """What every packet button carries: the escalation's id (commands read it fresh and
    compare-and-set on its version, so a stale packet cannot apply a stale change)."""
    return str(esc.id)


def parse_action_value(value: str) -> int | None:
    """``"42"`` → 42 (``"42:…"`` too); anything else → None."""
    head = (value or "").partition(":")[0]
    return int(head) if head.isdecimal() and len(head) < 10 else None


def _who(user: str | None) -> str:
    return f"<@{user}>" if user else "—"


def owner_text(esc: Escalation) -> str:
    if esc.owner and esc.claimed_at:
        return (f"<@{esc.owner}> since {fmt_hhmm(esc.claimed_at)} "
                f"(claimed {time_to_claim_text(esc.posted_at, esc.claimed_at)} after posting)")
    return "Unclaimed — click *Claim* to own it"


def status_fields(esc: Escalation) -> list[tuple[str, str]]:
    p = esc.progress
    ic = _who(p.incident_commander) + (" (domain default)" if p.incident_commander
                                       and p.incident_commander_is_default else "")
    last = (f"{fmt_utc(p.last_update_at)} by {_who(p.last_update_by)}"
            if p.last_update_at else "None yet")
    return [
        ("State", esc.state.label),
        ("Owner", owner_text(esc)),
        ("Level", esc.level.label),
        ("Severity", esc.severity.value),
        ("Incident commander", ic),
        ("Last update (UTC)", last),
        ("Next update due (UTC)", fmt_utc(p.next_update_due) if p.next_update_due else "—"),
        ("Fix ETA (UTC)", fmt_utc(p.fix_eta) if p.fix_eta else "—"),
    ]


def notes(esc: Escalation) -> list[str]:
    """One-line context under the status: handoff, open question, merges."""
    p = esc.progress
    lines: list[str] = []
    if p.pending_handoff is not None:
        lines.append(f":arrows_counterclockwise: Handoff to <@{p.pending_handoff.to}> pending "
                     f"since {fmt_hhmm(p.pending_handoff.at)} — <@{esc.owner}> owns it until "
                     "they accept.")
    if esc.state is State.NEEDS_INFO and p.open_question:
        lines.append(f":question: Waiting on <@{esc.requester}>: "
                     f"{escape(truncate(p.open_question, 300))}")
    if p.merged_ids:
        ids = ", ".join(public_id(n) for n in p.merged_ids)
        lines.append(f":link: Merged here: {ids}")
    if p.merged_into is not None:
        lines.append(f":link: Duplicate of {public_id(p.merged_into)} — follow that one.")
    return lines


def status_blocks(esc: Escalation) -> list[Block]:
    blocks: list[Block] = [SectionBlock(block_id="status", fields=[
        MarkdownTextObject(text=f"*{k}*\n{v}") for k, v in status_fields(esc)])]
    context = notes(esc)
    if context:
        blocks.append(ContextBlock(block_id="status_notes", elements=[
            MarkdownTextObject(text=line) for line in context[:10]]))
    return blocks


def _button(action: Action, esc: Escalation) -> ButtonElement:
    action_id = Ids.CLAIM.value if action is Action.CLAIM else loop_action_id(action)
    return ButtonElement(action_id=action_id, text=PlainTextObject(text=action.label),
                         value=action_value(esc),
                         style="primary" if action in PRIMARY else None)


def _overflows(actions: Sequence[Action], esc: Escalation) -> list[OverflowMenuElement]:
    """At most five options per menu (Slack's limit), spread evenly so each has at least two."""
    count = -(-len(actions) // OVERFLOW_MAX)
    size, extra = divmod(len(actions), count)
    menus: list[OverflowMenuElement] = []
    start = 0
    for n in range(count):
        end = start + size + (1 if n < extra else 0)
        menus.append(_overflow(actions[start:end], esc, n))
        start = end
    return menus


def _overflow(actions: Sequence[Action], esc: Escalation, n: int) -> OverflowMenuElement:
    options = [Option(value=f"{a.value}:{action_value(esc)}", text=PlainTextObject(text=a.label))
               for a in actions]
    return OverflowMenuElement(action_id=f"{Ids.LOOP_MORE.value}{n or ''}", options=options)


def action_elements(esc: Escalation) -> list[InteractiveElement]:
    offered = [a for a in available(esc.state) if a is not Action.CLAIM or esc.owner is None]
    buttons = [a for a in offered if a in BUTTONS]
    rest = [a for a in offered if a not in BUTTONS]
    elements: list[InteractiveElement] = [_button(a, esc) for a in buttons]
    if len(rest) == 1:
        elements.append(_button(rest[0], esc))  # an overflow of one option is invalid
    elif rest:
        elements += _overflows(rest, esc)
    return elements


def action_blocks(esc: Escalation) -> list[Block]:
    elements = action_elements(esc)
    blocks: list[Block] = []
    if elements:
        blocks.append(ActionsBlock(block_id=Ids.PACKET_ACTIONS, elements=elements))
    if esc.owner:
        blocks.append(ContextBlock(block_id="owner", elements=[MarkdownTextObject(
            text=f":bust_in_silhouette: Owned by {owner_text(esc)}")]))
    return blocks
