"""Deflection at intake (issue 7 §3): what to search for, and what a match tells the agent.

Pure rules. :func:`search_terms` turns what the agent typed on ``/escalate`` (the problem, the
actual behaviour, the key error lines of the logs) into a short list of plain words: stop
words, support small talk, ids and numbers that are not status codes are dropped, and the
list is capped, so the database's full-text search (SQLite FTS5, PostgreSQL ``tsvector``; see
:mod:`storage.similar`) gets a small OR query it answers from its index. Every term is
``[a-z0-9]+``: safe to quote into either engine's query syntax.

:class:`Suggestion` is one match (an approved knowledge-base article or a recently resolved
escalation) with the lines the readiness step shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.kb import CATEGORY_WORDS, key_error_lines
from core.model import Answers, public_id
from core.timefmt import utc

MAX_TERMS = 12
MIN_TERM = 3
MAX_TERM = 24
# Only this much of each answer is read (a pasted log can be long; the start says most).
MAX_SCAN = 2000
# Words too common to search for (issue 7 §4: the search in < 50 ms at 100,000 documents). A
# word found in more than MAX_DOC_SHARE of the searchable documents says little about which
# case is alike, yet the database scores every document that has it (neither FTS5's bm25 nor
# PostgreSQL's ts_rank stops early, and ts_rank does not weigh words by rarity at all, so on
# PostgreSQL such a word also crowds the suggestions with cases that share nothing else). It is
# left out of the query — unless fewer than KEEP_TERMS words would remain: then the KEEP_TERMS
# rarest stay. Below PRUNE_FROM_DOCS documents every word is searched (shares of a small
# collection say little, and searching it is fast anyway).
MAX_DOC_SHARE = 0.02
KEEP_TERMS = 3
PRUNE_FROM_DOCS = 1000
DEFAULT_LOOKBACK_DAYS = 180
DEFAULT_MAX_SUGGESTIONS = 3
LINE_MAX = 180

_WORD = re.compile(r"[a-z0-9]+")
# Timestamps and clock times in log lines ("2026-11-23T10:02:11Z", "14:05:09.123").
_TIME = re.compile(r"\b\d{4}-\d\d-\d\d(?:[t ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?z?)?"
                   r"|\b\d{1,2}:\d\d(?::\d\d(?:[.,]\d+)?)?z?\b")
# English function words, and the words every escalation uses whatever it is about: on their
# own they would make any two cases look alike.
_STOP_TEXT = """
a about above after again against all also am an and any are as at be because been before
being below between both but by can cannot could did do does doing done down during each
else even ever every few for from further get gets getting got had has have having he her
here hers him his how however i if in into is it its itself just let like made make makes
many may me might more most much must my no nor not now of off on once one only or other
our out over own per please same she should since so some still such than that the their
them then there these they this those through thus to too under until up upon us very via
was we were what when where which while who whom why will with within without would yet
you your yours
able again already anymore around back bit customer customers day days doesn don dont
error errors everyone fails failed failing happen happened happening help hours issue
issues keep keeps minutes month morning never new news problem problems really see seeing
seems someone something sometimes thing things think time times today tried try trying
user users wednesday monday tuesday thursday friday saturday sunday week weeks work
working works yesterday happens say says said saying report reports reported
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


def _keep(token: str) -> bool:
    if len(token) < MIN_TERM or len(token) > MAX_TERM or token in STOP_WORDS:
        return False
    digits = sum(ch.isdigit() for ch in token)
    if digits == len(token):
        return len(token) == 3  # HTTP status codes and the like; not ids, years or counts
    return digits < 4  # "oauth2", "x509" stay; request ids and hashes go


def terms_of(texts: Iterable[str | None], *, limit: int = MAX_TERMS) -> tuple[str, ...]:
    """Distinct search words from ``texts``, first seen first, at most ``limit``."""
    out: dict[str, None] = {}
    for text in texts:
        for token in _WORD.findall(_TIME.sub(" ", (text or "")[:MAX_SCAN].lower())):
            if _keep(token):
                out.setdefault(token, None)
                if len(out) >= limit:
                    return tuple(out)
    return tuple(out)


def search_terms(answers: Answers, *, limit: int = MAX_TERMS) -> tuple[str, ...]:
    """What to look for: the problem first (the agent's summary), then the actual behaviour,
    then the key error lines of the logs."""
    return terms_of((answers.problem, answers.actual, *key_error_lines(answers.logs)),
                    limit=limit)


def without_common(terms: Sequence[str], shares: Mapping[str, float], *, docs: int,
                   prune_from: int = PRUNE_FROM_DOCS) -> tuple[str, ...]:
    """``terms`` (in their order) without the words in more than :data:`MAX_DOC_SHARE` of the
    ``docs`` searchable documents. ``shares``: word → share of the documents that have it (a
    word not in it is rare). When fewer than :data:`KEEP_TERMS` would remain, the
    :data:`KEEP_TERMS` rarest stay (the first typed first on a tie)."""
    if docs < prune_from:
        return tuple(terms)
    kept = [t for t in terms if shares.get(t, 0.0) <= MAX_DOC_SHARE]
    if len(kept) >= min(KEEP_TERMS, len(terms)):
        return tuple(kept)
    order = {t: i for i, t in enumerate(terms)}
    rarest = set(sorted(terms, key=lambda t: (shares.get(t, 0.0), order[t]))[:KEEP_TERMS])
    return tuple(t for t in terms if t in rarest)


@dataclass(frozen=True)
class SimilarSettings:
    """The YAML's ``deflection:`` block: how far back resolved escalations count, how many
    matches the readiness step shows (0 turns suggestions off)."""

    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    max_suggestions: int = DEFAULT_MAX_SUGGESTIONS


class SuggestionKind(StrEnum):
    ESCALATION = "escalation"
    ARTICLE = "article"


@dataclass(frozen=True)
class Suggestion:
    """One match shown on the readiness step (texts as stored: redacted at intake)."""

    kind: SuggestionKind
    ref_id: int
    title: str                    # the escalation's problem, or the article's title
    category: str | None = None   # an escalation's resolution category
    resolved_at: datetime | None = None
    cause: str = ""               # root cause, or the article's cause
    fix: str = ""                 # the article's resolution or workaround
    check_first: str = ""         # the L1 takeaway / "before you escalate, check …"

    @property
    def label(self) -> str:
        return public_id(self.ref_id) if self.kind is SuggestionKind.ESCALATION \
            else f"KB-{self.ref_id}"

    def headline(self) -> str:
        """``Similar: ESC-17, resolved as known issue on 2026-11-20`` / ``KB: <title>``."""
        if self.kind is SuggestionKind.ARTICLE:
            return f"KB: {clip(self.title, 120)}"
        how = CATEGORY_WORDS.get(self.category or "", self.category or "").lower()
        when = f" on {utc(self.resolved_at):%Y-%m-%d}" if self.resolved_at else ""
        return f"Similar: {self.label}, resolved as {how or 'resolved'}{when}"

    def details(self) -> tuple[str, ...]:
        """The lines under the headline: what it was, the cause or fix, what to check first."""
        lines = []
        if self.kind is SuggestionKind.ESCALATION:
            lines.append(clip(self.title, LINE_MAX))
            if self.cause:
                lines.append("cause: " + clip(self.cause, LINE_MAX))
        elif self.fix:
            lines.append("workaround: " + clip(self.fix, LINE_MAX))
        if self.check_first:
            lines.append("before you escalate, check: " + clip(self.check_first, LINE_MAX))
        return tuple(lines)


def clip(text: str, limit: int) -> str:
    """One line (whitespace collapsed) of at most ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
