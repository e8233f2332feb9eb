"""The optional LLM drafter (``DRAFTER=llm``): any OpenAI-compatible chat-completions endpoint
through the official ``openai`` package.

It only ever receives the thread *after* :func:`core.drafting.pipeline.prepare` (redacted, remarks
dropped); its answer must be JSON that validates against :class:`ChecklistDraft`, a pydantic
model of the checklist. On a timeout, an error or invalid output it falls back to the rules
drafter and says so in the draft's notes (shown in the modal).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace
from typing import Literal

import openai
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.drafting.model import DRAFTABLE, Draft, Item
from core.drafting.rules import RulesDrafter
from core.drafting.thread import Thread
from core.timefmt import fmt_hhmm, utc

log = logging.getLogger(__name__)

_TEXT = Field(default=None, max_length=3000)


class ChecklistDraft(BaseModel):
    """What the model must answer: checklist items (null when the thread does not say), and
    for each filled item the numbers of the messages it came from."""

    model_config = ConfigDict(extra="forbid")

    problem: str | None = Field(default=None, max_length=200)
    background: str | None = _TEXT
    severity: Literal["SEV1", "SEV2", "SEV3", "SEV4"] | None = None
    customer: str | None = Field(default=None, max_length=150)
    tier: Literal["strategic", "enterprise", "business", "standard", "free"] | None = None
    affected_users: str | None = Field(default=None, pattern=r"^\d{1,10}$")
    signals: str | None = None
    repro_steps: str | None = _TEXT
    expected: str | None = _TEXT
    actual: str | None = _TEXT
    environment: Literal["production", "staging", "sandbox", "local"] | None = None
    build_version: str | None = Field(default=None, max_length=150)
    feature_flags: str | None = Field(default=None, max_length=500)
    region: str | None = Field(default=None, max_length=150)
    workflow: str | None = _TEXT
    logs: str | None = _TEXT
    evidence_links: str | None = _TEXT
    tried: str | None = _TEXT
    blocker: str | None = _TEXT
    hypothesis: str | None = _TEXT
    workaround: Literal["available", "partial", "none"] | None = None
    renewal_at_stake: Literal["true"] | None = None
    posture: str | None = _TEXT
    linked_tickets: str | None = Field(default=None, max_length=1000)
    severity_reason: str | None = Field(default=None, max_length=500)
    sources: dict[str, list[int]] = Field(default_factory=dict)

    @field_validator("signals")
    @classmethod
    def _signals(cls, value: str | None) -> str | None:
        allowed = {"data_loss", "security", "code_change", "multiple_customers", "contract_risk"}
        if value is not None and not set(filter(None, value.split(","))) <= allowed:
            raise ValueError(f"signals must be a comma list of {sorted(allowed)}")
        return value


_INSTRUCTIONS = (
    "You draft a support escalation checklist from a Slack thread. Answer with ONE JSON object "
    "and nothing else. Keys: " + ", ".join(k for k in DRAFTABLE if k != "first_reported_at")
    + ", severity_reason, sources. Use null for anything the thread does not support; never "
    "invent. 'problem' is one sentence. 'tried' lists each attempt AND what happened, one per "
    "line. 'logs' copies the key error lines verbatim. A guess someone refuted later is not "
    "the hypothesis. Never describe anyone's temperament. 'sources' maps each filled key to "
    "the numbers of the messages it came from."
)


class LLMDrafter:
    name = "llm"

    def __init__(self, *, base_url: str, model: str, api_key: str | None,
                 timeout_s: float = 20.0) -> None:
        self.model = model
        self.timeout_s = timeout_s
        self._client = openai.OpenAI(base_url=base_url, api_key=api_key or "not-needed",
                                     timeout=timeout_s, max_retries=0)
        self._fallback = RulesDrafter()

    def _prompt(self, thread: Thread) -> str:
        lines = [f"[{n}] {fmt_hhmm(m.at)} {m.who}: {m.text}"
                 for n, m in enumerate(thread.messages, 1)]
        return "\n".join(lines)

    def _fall_back(self, thread: Thread, why: str) -> Draft:
        log.warning("LLM drafter fell back to the rules: %s", why)
        draft = self._fallback.draft(thread)
        note = f"The LLM drafter {why}; this draft is from the rules drafter instead."
        return replace(draft, notes=(*draft.notes, note))

    def draft(self, thread: Thread) -> Draft:
        try:
            response = self._client.chat.completions.create(
                model=self.model, temperature=0,
                response_format={"type": "json_object"},
                messages=[{"role": "system", "content": _INSTRUCTIONS},
                          {"role": "user", "content": self._prompt(thread)}])
        except openai.APITimeoutError:
            return self._fall_back(thread, f"timed out after {self.timeout_s:g} s")
        except openai.OpenAIError as exc:
            return self._fall_back(thread, f"failed ({exc.__class__.__name__})")
        content = (response.choices[0].message.content or "") if response.choices else ""
        content = re.sub(r"^```(?:json)?\s*|\s*```$", "", content.strip())
        try:
            parsed = ChecklistDraft.model_validate(json.loads(content))
        except (ValueError, ValidationError) as exc:
            return self._fall_back(thread, f"returned invalid output ({str(exc)[:80]})")
        return self._to_draft(parsed, thread)

    def _to_draft(self, parsed: ChecklistDraft, thread: Thread) -> Draft:
        stamps = [m.ts for m in thread.messages]
        first = thread.messages[0]
        items = {"first_reported_at": Item(utc(first.at).replace(microsecond=0).isoformat(),
                                           (first.ts,))}
        values = parsed.model_dump(exclude={"sources", "severity_reason"}, exclude_none=True)
        for key, value in values.items():
            if not str(value).strip():
                continue
            refs = [n for n in parsed.sources.get(key, []) if 1 <= n <= len(stamps)]
            items[key] = Item(str(value), tuple(stamps[n - 1] for n in refs) or (first.ts,))
        return Draft(items=items, message_count=len(thread.messages), thread_ts=first.ts,
                     channel=thread.channel, severity_reason=parsed.severity_reason,
                     drafter=self.name)


def build_drafter(*, drafter: str, base_url: str | None, model: str | None,
                  api_key: str | None, timeout_s: float) -> RulesDrafter | LLMDrafter:
    if drafter == "llm" and base_url and model:
        return LLMDrafter(base_url=base_url, model=model, api_key=api_key, timeout_s=timeout_s)
    return RulesDrafter()
