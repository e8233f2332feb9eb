"""Redaction of customer PII and secrets (seed 003: "do not access customer PII").

One pure engine for every text the bot handles: a thread before it is drafted (and before it
reaches an LLM), every answer typed into a modal before it is stored, and everything posted.
It removes e-mail addresses (also inside Slack's ``<mailto:…>`` and URL-encoded in log lines),
phone numbers (international and national formats, also inside URLs), Luhn-valid payment card
numbers (keeping the last four), API keys and tokens (well-known prefixes, bearer tokens, JWTs,
session cookies, ``api_key=…`` pairs, credentials in URLs), passwords given in text and
private keys. Each removal leaves a placeholder that says what was there (``[email]``,
``[card ••••0053]``, ``[secret: sk_live_…]``); a :class:`Finding` records where and why, never
the value itself.

Not PII, left alone: masked values (``sk_test_…``, ``••••1234``), ticket, request and trace
ids, UUIDs, version numbers, dates, company names, and whatever the YAML allow-list names
(e.g. the company's own e-mail domains). The detectors are :mod:`core.pii.credentials` and
:mod:`core.pii.personal`; this module ranks their hits and writes the placeholders.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from core.pii import credentials, personal
from core.pii.hits import NO_ALLOW as NO_ALLOW
from core.pii.hits import AllowList as AllowList
from core.pii.hits import Hit
from core.pii.hits import PiiKind as PiiKind


@dataclass(frozen=True)
class Finding:
    """One removed item: where it was in the original text and what replaced it."""

    kind: PiiKind
    start: int
    end: int
    placeholder: str
    label: str  # singular noun, e.g. "email address", "card number", "API key"
    why: str

    @property
    def noun(self) -> str:
        """The label with its article: "an email address"."""
        return f"{'an' if self.label[0].lower() in 'aeiou' else 'a'} {self.label}"


_PLURALS = {"email address": "email addresses", "private key": "private keys",
            "JWT": "JWTs"}


def _counted(label: str, n: int) -> str:
    if n == 1:
        return f"{'an' if label[0].lower() in 'aeiou' else 'a'} {label}"
    return f"{n} {_PLURALS.get(label, label + 's')}"


def summarize(findings: Iterable[Finding]) -> str:
    """``"2 items removed: an email address, a card number"``; empty when nothing was removed."""
    found = list(findings)
    if not found:
        return ""
    counts = Counter(f.label for f in found)
    parts = [_counted(label, n) for label, n in counts.items()]
    total = len(found)
    return f"{total} item{'s' if total > 1 else ''} removed: {', '.join(parts)}"


@dataclass(frozen=True)
class Redacted:
    text: str
    findings: tuple[Finding, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.findings)

    def summary(self) -> str:
        return summarize(self.findings)


def redact(text: str, *, allow: AllowList = NO_ALLOW) -> Redacted:
    """``text`` with every PII item and secret replaced by a placeholder saying what it was."""
    if not text:
        return Redacted(text)
    # On overlap the earlier start wins; at the same start secrets beat emails beat cards
    # beat phones (a URL's password is not an email), then the longer hit wins.
    groups = (credentials.find(text), personal.emails(text, allow), personal.cards(text),
              personal.phones(text))
    ranked = [(h.start, rank, -(h.end - h.start), h) for rank, hits in enumerate(groups)
              for h in hits]
    chosen: list[Hit] = []
    for *_, h in sorted(ranked, key=lambda r: r[:3]):
        if text[h.start:h.end] in allow.literals:
            continue
        if chosen and h.start < chosen[-1].end:
            continue
        chosen.append(h)
    if not chosen:
        return Redacted(text)
    out: list[str] = []
    at = 0
    findings: list[Finding] = []
    for h in chosen:
        out.append(text[at:h.start])
        out.append(h.placeholder)
        at = h.end
        findings.append(Finding(h.kind, h.start, h.end, h.placeholder, h.label, h.why))
    out.append(text[at:])
    return Redacted("".join(out), tuple(findings))


def redact_all(values: Mapping[str, str], *, allow: AllowList = NO_ALLOW
               ) -> tuple[dict[str, str], dict[str, Redacted]]:
    """Redact every value; returns the clean values and, for keys that changed, the result."""
    clean: dict[str, str] = {}
    changed: dict[str, Redacted] = {}
    for key, value in values.items():
        result = redact(value, allow=allow)
        clean[key] = result.text
        if result.changed:
            changed[key] = result
    return clean, changed
