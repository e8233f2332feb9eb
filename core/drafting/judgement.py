"""Suggestions drawn from the whole thread: severity with its reason, complexity signals,
workaround, and the hints not to escalate (solved from the KB) or to link a known issue."""

from __future__ import annotations

import re

from core.drafting.doc import Post, all_sentences
from core.drafting.extract import KB_LINK
from core.drafting.narrative import Line, _clean

_EXPLICIT = re.compile(r"\bSEV[ -]?([1-4])\b", re.IGNORECASE)
_OUTAGE = re.compile(
    r"\b(?:is down|are down|went down|DOWN|outage|data loss|lost (?:data|\d+ \w+ of)|"
    r"losing (?:~|about |around )?[$€£]?\d|losing (?:money|revenue|sales|data)|"
    r"breach|leaked|every (?:payment|request|call|login)\b(?![.\w])|nobody can|no one can)\b")
_OUTAGE_CI = re.compile(r"\b(?:outage|data loss|losing (?:money|revenue|sales|data)|breach|"
                        r"leaked|nobody can|no one can|is down|are down|went down)\b",
                        re.IGNORECASE)
_SECURITY = re.compile(r"\bsecurity[- ](?:sensitive|issue|incident|risk|concern|problem|hole|"
                       r"bug|exposure)|\b(?:confidential|breach|data leak|leaked|exposed|"
                       r"unauthori[sz]ed access|privacy (?:issue|incident|risk))\b",
                       re.IGNORECASE)
_HOWTO = re.compile(r"\b(?:how (?:do|to|can)|question from|is that|do we support|"
                    r"where do|can they)\b", re.IGNORECASE)
SEV2_USERS = 50


def _first(items: list[Post], pattern: re.Pattern[str]) -> Line | None:
    for s in all_sentences(items, humans_only=True):
        if pattern.search(s.text) and not s.text.rstrip().endswith("?"):
            return Line(_clean(s.text), (s.ts,))
    return None


def severity(items: list[Post], users: int | None,
             deflected: bool) -> tuple[str, str, tuple[str, ...]]:
    """``(SEVn, reason, sources)``: said in the thread, else from impact words and counts."""
    explicit = [(m.group(1), s) for s in all_sentences(items, humans_only=True)
                for m in _EXPLICIT.finditer(s.text)]
    if explicit:
        level, s = explicit[-1]
        return f"SEV{level}", f"Called SEV{level} in the thread: “{_clean(s.text)[:120]}”", (s.ts,)
    if deflected:
        return "SEV4", "A how-to solved from the docs / KB; no product fault found.", ()
    outage = _first(items, _OUTAGE) or _first(items, _OUTAGE_CI)
    if outage:
        return "SEV1", f"Outage or data loss: “{outage.text[:140]}”", outage.sources
    security = _first(items, _SECURITY)
    if security:
        return "SEV2", f"Security or privacy exposure: “{security.text[:140]}”", security.sources
    if users is not None and users >= SEV2_USERS:
        return "SEV2", f"Major degradation: {users:,} users affected.", ()
    if users is not None:
        return "SEV3", f"Contained: {users:,} users affected.", ()
    return "SEV3", "Contained to one customer; no outage or user count in the thread.", ()


_SIGNALS = (
    ("data_loss", re.compile(r"\b(?:data loss|lost data|lost \d+ \w+ of|deleted data|"
                             r"corrupt\w*)\b", re.IGNORECASE)),
    ("security", _SECURITY),
    ("code_change", re.compile(r"\b(?:code change|hotfix|needs a fix|bug in|a bug when|"
                               r"regression)\b", re.IGNORECASE)),
    ("multiple_customers", re.compile(r"\b(?:several|other|multiple|many) customers\b",
                                      re.IGNORECASE)),
    ("contract_risk", re.compile(r"\b(?:renewal|contract|legal|churn|escalate to leadership|"
                                 r"PR risk|press)\b", re.IGNORECASE)),
)


def signals(items: list[Post]) -> tuple[str, tuple[str, ...]] | None:
    found: list[str] = []
    sources: list[str] = []
    for key, pattern in _SIGNALS:
        hit = _first(items, pattern)
        if hit:
            found.append(key)
            sources.extend(hit.sources)
    return (",".join(found), tuple(dict.fromkeys(sources))) if found else None


_NO_WORKAROUND = re.compile(r"\bno workaround\b|\bwithout a workaround\b", re.IGNORECASE)
_WORKAROUND = re.compile(r"\bworkaround\b", re.IGNORECASE)
_PARTIAL = re.compile(r"\b(?:works?|worked)\b[^.]*\bbut\b", re.IGNORECASE)


def workaround(items: list[Post], tried_lines: list[Line]) -> tuple[str, tuple[str, ...]] | None:
    none = _first(items, _NO_WORKAROUND)
    if none:
        return "none", none.sources
    some = _first(items, _WORKAROUND)
    if some:
        return "available", some.sources
    for line in tried_lines:
        if _PARTIAL.search(line.text):
            return "partial", line.sources
    return None


_SOLVED = re.compile(r"\b(?:resolved|solved|fixed|works now|it works|confirmed it works|"
                     r"closing the ticket|closed the ticket|all good|that did it|that worked|"
                     r"worked)\b", re.IGNORECASE)


def deflection(items: list[Post], has_blocker: bool) -> Line | None:
    """Solved from the docs or KB: the thread links an article and later says it worked."""
    if has_blocker:
        return None
    kb_at: tuple[int, str, str] | None = None
    for i, post in enumerate(items):
        for link in post.parsed.links:
            if KB_LINK.search(link.url) and kb_at is None:
                kb_at = (i, link.url, post.message.ts)
    if kb_at is None:
        return None
    start, url, kb_ts = kb_at
    for post in items[start:]:
        for s in post.sentences:
            if _SOLVED.search(s.text) and not s.text.rstrip().endswith("?"):
                return Line(f"Solved from the knowledge base ({url}): “{_clean(s.text)[:120]}” — "
                            "consider answering from the article instead of escalating.",
                            (kb_ts, s.ts))
    return None


_KEY = r"([A-Z][A-Z0-9]{1,9}-\d+)"
_DUPLICATE = re.compile(
    rf"\bknown[- ]issue:?\s+{_KEY}|\bdup(?:licate)?(?: of)?\s+{_KEY}|\bsame as\s+{_KEY}|"
    rf"\b(?:looks|sounds)(?: exactly)? like\s+(?:known issue\s+)?{_KEY}|\bKI-\d+")


def duplicate(items: list[Post]) -> Line | None:
    for s in all_sentences(items, humans_only=True):
        m = _DUPLICATE.search(s.text)
        if m:
            key = next((g for g in m.groups() if g), m.group(0))
            return Line(f"Known issue {key}: link this case to it rather than opening a new "
                        f"escalation — “{_clean(s.text)[:140]}”", (s.ts,))
    return None
