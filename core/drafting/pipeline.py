"""Before any drafter reads a thread: redact PII and secrets, drop temperament remarks.

The same order holds for the rules drafter and the LLM drafter, so nothing a drafter sees (and
nothing it could echo back) carries PII or a remark about a person's temperament. The draft's
values are redacted once more on the way out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from core import guardrails
from core.drafting.model import Draft, Drafter, Hint, Item
from core.drafting.rules import RulesDrafter
from core.drafting.thread import Thread
from core.redaction import NO_ALLOW, AllowList, Finding, redact, summarize

_CODE_BLOCK = re.compile(r"(```.*?```)", re.DOTALL)
_CLAUSE = re.compile(r"(?<=[.!?])\s+|,\s+(?=(?:but|and|though|tbh|honestly|ngl)\b)|"
                     r"(?<=\w),\s+|\s+[—–]\s+|;\s+")


def _drop_in_prose(prose: str) -> tuple[str, int]:
    dropped = 0
    lines: list[str] = []
    for line in prose.split("\n"):
        parts = re.split(f"({_CLAUSE.pattern})", line)
        kept: list[str] = []
        for i in range(0, len(parts), 2):
            piece = parts[i]
            sep = parts[i + 1] if i + 1 < len(parts) else ""
            if piece.strip() and guardrails.temperament_problem(piece):
                dropped += 1
                continue
            kept.append(piece + sep)
        lines.append("".join(kept).rstrip(" ,;—–") if dropped else "".join(kept))
    return "\n".join(lines), dropped


def drop_remarks(text: str) -> tuple[str, int]:
    """The text without remarks about a person's temperament (code blocks untouched)."""
    out: list[str] = []
    total = 0
    for chunk in _CODE_BLOCK.split(text):
        if chunk.startswith("```"):
            out.append(chunk)
            continue
        kept, n = _drop_in_prose(chunk)
        out.append(kept)
        total += n
    return "".join(out), total


@dataclass(frozen=True)
class Prepared:
    thread: Thread
    findings: tuple[Finding, ...]
    remarks_dropped: int

    @property
    def redaction_summary(self) -> str:
        return summarize(self.findings)


def prepare(thread: Thread, *, allow: AllowList = NO_ALLOW) -> Prepared:
    texts: list[str] = []
    findings: list[Finding] = []
    dropped = 0
    for message in thread.messages:
        clean = redact(message.text, allow=allow)
        findings.extend(clean.findings)
        text, n = drop_remarks(clean.text)
        dropped += n
        texts.append(text)
    return Prepared(thread.with_texts(texts), tuple(findings), dropped)


def _scrub(draft: Draft, allow: AllowList) -> Draft:
    items = {k: Item(redact(i.value, allow=allow).text, i.sources) for k, i in draft.items.items()}

    def hint(h: Hint | None) -> Hint | None:
        return Hint(redact(h.text, allow=allow).text, h.sources) if h else None

    return replace(draft, items=items, deflection=hint(draft.deflection),
                   duplicate=hint(draft.duplicate))


def draft_thread(thread: Thread, drafter: Drafter | None = None, *,
                 allow: AllowList = NO_ALLOW) -> Draft:
    """Redact, drop remarks, draft (rules unless another drafter is given), redact again."""
    prepared = prepare(thread, allow=allow)
    draft = (drafter or RulesDrafter()).draft(prepared.thread)
    return replace(_scrub(draft, allow), redacted=prepared.redaction_summary,
                   remarks_dropped=prepared.remarks_dropped)
