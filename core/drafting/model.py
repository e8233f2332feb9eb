"""A checklist draft: values by checklist field name, each with the messages it came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from core.checklist import FIELDS
from core.codec import answers_from_dict
from core.drafting.thread import Thread
from core.model import Answers

# The checklist items a drafter may fill, in checklist order (JSON keys of a draft).
DRAFTABLE: tuple[str, ...] = tuple(
    f.key for f in FIELDS if f.key not in {"domain", "case_owner", "asks", "deadline"})


@dataclass(frozen=True)
class Item:
    value: str                     # in core.codec's string form (e.g. "SEV2", ISO times)
    sources: tuple[str, ...] = ()  # ``ts`` of the messages it was drawn from


@dataclass(frozen=True)
class Hint:
    text: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Draft:
    items: Mapping[str, Item]
    message_count: int
    thread_ts: str
    channel: str | None = None
    severity_reason: str | None = None
    deflection: Hint | None = None   # the thread shows it was solved from the docs / KB
    duplicate: Hint | None = None    # a known-issue key
    drafter: str = "rules"
    notes: tuple[str, ...] = ()      # e.g. why the LLM drafter fell back to the rules
    redacted: str = ""               # "3 items removed: …" over the whole thread
    remarks_dropped: int = 0
    extra: Mapping[str, str] = field(default_factory=dict)

    def value(self, key: str) -> str | None:
        item = self.items.get(key)
        return item.value if item else None

    def answers(self) -> Answers:
        return answers_from_dict({k: i.value for k, i in self.items.items()})

    def as_dict(self) -> dict[str, object]:
        """JSON form: every draftable checklist field (null when the thread has no support)."""
        out: dict[str, object] = {key: self.value(key) for key in DRAFTABLE}
        out["severity_reason"] = self.severity_reason
        out["deflection_hint"] = self.deflection.text if self.deflection else None
        out["duplicate_hint"] = self.duplicate.text if self.duplicate else None
        out["sources"] = {k: list(i.sources) for k, i in self.items.items() if i.sources}
        out["drafter"] = self.drafter
        out["notes"] = list(self.notes)
        out["message_count"] = self.message_count
        return out


@runtime_checkable
class Drafter(Protocol):
    """The port: a thread (already redacted, remarks dropped) in, a draft out."""

    name: str

    def draft(self, thread: Thread) -> Draft: ...
