"""What the /escalate modal says about a draft from a thread: while drafting, and after."""

from __future__ import annotations

from bot.render.mrkdwn import escape
from commands.intake import Drafted
from core.checklist import FIELDS

UNREADABLE = {
    "channel_not_found": "it is a private channel the bot is not in",
    "not_in_channel": "the bot is not in that channel",
    "thread_not_found": "the thread was deleted or is not there",
    "missing_scope": "the app was installed without the history scopes",
    "thread_too_long": "it has more than 10,000 messages",
}


def drafting(count: int | None) -> str:
    what = f"{count} messages" if count else "the thread"
    return (f":hourglass_flowing_sand: *Drafting from {what}…* The checklist fills in here in "
            "a moment; you can start typing, nothing you type is overwritten.")


def drafted(result: Drafted) -> str:
    d = result.draft
    parts = [f":memo: *Drafted from {d.message_count} messages* ({d.drafter} drafter): "
             f"{len(result.filled)} items filled from the thread — review every one; "
             "what is empty was not in the thread."]
    parts += [f":warning: {escape(note)}" for note in d.notes]
    if d.deflection:
        parts.append(f":books: *Consider not escalating.* {escape(d.deflection.text)}")
    if d.duplicate:
        parts.append(f":link: *Possible duplicate.* {escape(d.duplicate.text)}")
    if d.severity_reason and "severity" in result.filled:
        parts.append(f"Suggested {escape(d.value('severity') or '')}: "
                     f"{escape(d.severity_reason)}")
    removed = []
    if d.redacted:
        removed.append(f"redacted {escape(d.redacted)}")
    if d.remarks_dropped:
        removed.append(f"dropped {d.remarks_dropped} remark(s) about a person's temperament")
    if removed:
        parts.append(":lock: Before drafting: " + "; ".join(removed) + ".")
    later = [f.label for f in FIELDS if f.key in result.filled and f.step.number > 1]
    if later:
        parts.append("Also drafted on the next steps: " + ", ".join(later[:12])
                     + ("…" if len(later) > 12 else "") + ".")
    return "\n".join(parts)


def unreadable(channel: str, reason: str) -> str:
    why = UNREADABLE.get(reason, f"Slack said {reason}")
    return (f":no_entry: I cannot read that thread in <#{channel}>: {why}. Nothing was drafted. "
            f"Invite me with `/invite @escalation-bot` in <#{channel}>, then run "
            "*Escalate this thread* again (or `/escalate` to fill the form by hand).")


def read_failed(reason: str) -> str:
    return (f":warning: Reading the thread failed ({escape(reason)}), so nothing was drafted. "
            "Fill the form by hand, or close it and try again.")
