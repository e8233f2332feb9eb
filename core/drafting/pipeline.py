"""Before any drafter reads a thread: redact PII and secrets, drop temperament remarks.

The same order holds for the rules drafter and the LLM drafter, so nothing a drafter sees (and
nothing it could echo back) carries PII or a remark about a person's temperament. The draft's
values are redacted once more on the way out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from core import tone
from core.checklist import FIELDS_BY_KEY, SLACK_INPUT_MAX
from core.drafting.model import Draft, Drafter, Hint, Item
from core.drafting.rules import RulesDrafter
from core.drafting.text import sentence_spans
from core.drafting.thread import Thread
from core.redaction import NO_ALLOW, AllowList, Finding, redact, summarize

_CODE_BLOCK = re.compile(r"(```.*?```)", re.DOTALL)


def drop_remarks(text: str) -> tuple[str, int]:
    """The text without remarks about a person's temperament (core.tone; code left alone)."""
    out: list[str] = []
    total = 0
    for chunk in _CODE_BLOCK.split(text):
        if chunk.startswith("```") or not chunk.strip():
            out.append(chunk)
            continue
        lines: list[str] = []
        for line in chunk.split("\n"):
            kept: list[str] = []
            at = 0
            for a, b in sentence_spans(line):  # chat style: one sentence at a time
                dropped = tone.drop_remarks(line[a:b])
                total += len(dropped.removed)
                kept.append(line[at:a] + (dropped.text if dropped.removed else line[a:b]))
                at = b
            kept.append(line[at:])
            lines.append("".join(kept))
        out.append("\n".join(lines))
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


def clip(key: str, value: str) -> str:
    """A value cut to what the form field holds (whole lines first), marked with "…"."""
    spec = FIELDS_BY_KEY.get(key)
    limit = spec.max_length if spec else SLACK_INPUT_MAX
    if len(value) <= limit:
        return value
    cut = value[:limit - 1]
    if "\n" in cut:
        cut = cut.rsplit("\n", 1)[0]
    return cut.rstrip() + "…"


# Narrative items a drafter writes in its own words (an LLM may paraphrase a remark back in).
_PROSE = frozenset({"problem", "background", "repro_steps", "expected", "actual", "tried",
                    "blocker", "hypothesis", "posture", "workflow"})


def _clean_value(key: str, value: str, allow: AllowList) -> str:
    value = redact(value, allow=allow).text
    if key in _PROSE:
        value = drop_remarks(value)[0]
    return clip(key, value)


def _scrub(draft: Draft, allow: AllowList) -> Draft:
    items = {k: Item(_clean_value(k, i.value, allow), i.sources)
             for k, i in draft.items.items()}
    items = {k: i for k, i in items.items() if i.value.strip()}

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
