"""A draft as Markdown (for ``escalation-bot draft --format markdown`` and reviews)."""

from __future__ import annotations

from core.checklist import FIELDS, STEP_TITLES, Step
from core.drafting.model import Draft
from core.drafting.thread import Thread
from core.timefmt import fmt_utc


def _quote_block(value: str) -> str:
    lines = value.split("\n")
    if len(lines) == 1:
        return f" {lines[0]}"
    return "\n" + "\n".join(f"    {line}" for line in lines)


def markdown(draft: Draft, thread: Thread | None = None) -> str:
    out = [f"# Escalation draft — {draft.message_count} messages, {draft.drafter} drafter", ""]
    for note in draft.notes:
        out.append(f"> {note}")
    if draft.redacted:
        out.append(f"> Redacted before drafting: {draft.redacted}.")
    if draft.remarks_dropped:
        out.append(f"> Dropped {draft.remarks_dropped} remark(s) about a person's temperament.")
    if draft.deflection:
        out.append(f"> **Consider not escalating.** {draft.deflection.text}")
    if draft.duplicate:
        out.append(f"> **Possible duplicate.** {draft.duplicate.text}")
    if out[-1] != "":
        out.append("")
    for step in Step:
        rows = [f for f in FIELDS if f.step is step and f.key in draft.items]
        if not rows:
            continue
        out += [f"## {STEP_TITLES[step]}", ""]
        for f in rows:
            value = draft.items[f.key].value
            if f.key == "severity" and draft.severity_reason:
                value = f"{value} — {draft.severity_reason}"
            out.append(f"- **{f.label}:**{_quote_block(value)}")
        out.append("")
    missing = [f.label for f in FIELDS if f.key not in draft.items
               and f.key not in {"domain", "case_owner", "asks", "deadline"} and f.required]
    if missing:
        out += ["## Not in the thread (for the agent)", "", ", ".join(missing), ""]
    if thread is not None:
        when = {m.ts: fmt_utc(m.at) for m in thread.messages}
        out += ["## Sources", ""]
        for f in FIELDS:
            item = draft.items.get(f.key)
            if item and item.sources:
                out.append(f"- {f.label}: " + ", ".join(f"{when.get(ts, ts)} (ts {ts})"
                                                         for ts in item.sources))
        out.append("")
    return "\n".join(out).rstrip() + "\n"
