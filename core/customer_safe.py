"""What may be said to a customer, and the draft built from a status update.

Seed 001 §3: every update answers five questions in simple language — no blame, no
speculation. Seed 003: a ready-to-send Status Update Draft (audience, channel, summary,
details, next update in UTC) and no PII or internals. The fields of a status update that go
into the customer draft are checked here; a refused field gets a hint saying what to write
instead. The draft itself is built only from those checked answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from core import guardrails
from core.timefmt import utc

BLAME_HINT = ("Customer-facing text carries no blame: say what happened and what we are doing, "
              "not whose fault it is — e.g. “a configuration change in build 4.2 stopped "
              "sign-ins”.")
SPECULATION_HINT = ("No speculation in customer-facing text: say what we know, and put what "
                    "is not confirmed under “What we don't know yet” as an open question — "
                    "e.g. “we are confirming whether other regions are affected”.")
INTERNAL_HINT = ("Keep internal ids, hostnames and log lines out of customer-facing text "
                 "(put them in the internal note): {what}.")

_BLAME = re.compile(
    r"\b(?:fault|blame[sd]?|blaming|(?:their|your|his|her|our|the customer'?s?) (?:mistake|"
    r"error|fault)|careless(?:ness)?|negligen(?:t|ce)|screw(?:ed)? up|messed up|"
    r"incompeten(?:t|ce)|sloppy|should have known|user error|operator error|pebkac|"
    r"(?:dev|devs|developers?|engineers?|ops|qa|intern|vendor|contractor)s? (?:broke|"
    r"screwed|messed))\b",
    re.IGNORECASE,
)
_SPECULATION = re.compile(
    r"\b(?:probably|maybe|perhaps|possibly|presumably|hopefully|likely|unlikely|"
    r"(?:might|could|may|should) (?:be|have|work|fix|resolve|help)|"
    r"(?:we|i) (?:think|believe|guess|suspect|assume|reckon)|"
    r"(?:seems?|appears?) (?:to be|like)|looks like|our guess|in theory|fingers crossed|"
    r"should be (?:fixed|resolved|done|back|working)|any minute)\b",
    re.IGNORECASE,
)
_INTERNAL = [
    (re.compile(r"\bESC-\d+\b", re.IGNORECASE), "an escalation id"),
    (re.compile(r"\b[A-Z][A-Z0-9]{1,9}-\d+\b"), "a ticket key"),
    (re.compile(r"<[@#!][^>]*>"), "a Slack mention"),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"), "an IP address"),
    (re.compile(r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:internal|local|corp|lan|svc|intra|"
                r"cluster\.local|compute\.amazonaws\.com)\b", re.IGNORECASE), "a hostname"),
    (re.compile(r"\b(?:ip|host|node|db|pod|srv|prod|stg|worker|k8s)-[a-z0-9]+(?:-[a-z0-9]+)+\b",
                re.IGNORECASE), "a hostname"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?\S*\s+(?:ERROR|WARN(?:ING)?|INFO|"
                r"DEBUG|FATAL|TRACE)\b"), "a log line"),
    (re.compile(r"\b(?:ERROR|FATAL|WARN|Traceback|Exception in thread)\b[\s:\[]"), "a log line"),
    (re.compile(r"\bat [\w$.]+\([\w$]+\.(?:java|kt|scala):\d+\)"), "a stack trace"),
    (re.compile(r"\b(?:correlation|request|trace)[ _-]?id\b", re.IGNORECASE), "a trace id"),
]


def blame_problem(text: str) -> str | None:
    if _BLAME.search(text) or guardrails.temperament_problem(text):
        return BLAME_HINT
    return None


def speculation_problem(text: str) -> str | None:
    return SPECULATION_HINT if _SPECULATION.search(text) else None


def internal_problem(text: str) -> str | None:
    for pattern, what in _INTERNAL:
        if pattern.search(text):
            return INTERNAL_HINT.format(what=what)
    return None


def customer_text_problem(text: str) -> str | None:
    """The first reason ``text`` cannot go to a customer, or None when it can."""
    return blame_problem(text) or speculation_problem(text) or internal_problem(text)


@dataclass(frozen=True)
class CustomerDraft:
    """Seed 003's Status Update Draft, ready to paste into the ticket."""

    audience: str
    channel: str
    summary: str
    details: tuple[str, ...]
    next_update: datetime | None

    def as_text(self) -> str:
        """Plain text (what the requester copies), UTC times."""
        lines = [f"Audience: {self.audience}", f"Channel: {self.channel}",
                 f"Summary: {self.summary}", "Details:"]
        lines += [f"- {d}" for d in self.details]
        nxt = utc(self.next_update).strftime("%Y-%m-%d %H:%M UTC") if self.next_update \
            else "when there is news"
        lines.append(f"Next update: {nxt}")
        return "\n".join(lines)


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


def build_draft(*, known: str, unknown: str, next_steps: str, customer_action: str,
                next_update: datetime | None, audience: str = "customers",
                channel: str = "email") -> CustomerDraft:
    """The customer draft from a status update's five answers (checked beforehand)."""
    first = re.split(r"(?<=[.!?])\s+", " ".join(known.split()), maxsplit=1)[0]
    details = [f"What we know: {_sentence(known)}",
               f"What we don't know yet: {_sentence(unknown)}",
               f"What we're doing next: {_sentence(next_steps)}",
               f"What you can do in the meantime: {_sentence(customer_action)}"]
    return CustomerDraft(audience=audience, channel=channel, summary=_sentence(first),
                         details=tuple(details), next_update=next_update)
