"""A thread prepared for the rules: each message parsed once, its prose split into sentences."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from core.drafting.text import Parsed, parse, sentences
from core.drafting.thread import Message, Thread

_STOP = frozenset([
    "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "by", "for", "with",
    "from", "as", "is", "are", "was", "were", "be", "been", "being", "it", "its", "this",
    "that", "these", "those", "they", "them", "their", "there", "then", "than", "so", "not",
    "no", "yes", "we", "i", "you", "he", "she", "our", "your", "my", "me", "us", "do", "does",
    "did", "done", "have", "has", "had", "can", "could", "would", "should", "will", "just",
    "also", "still", "about", "after", "before", "into", "over", "under", "again", "once",
    "all", "any", "some", "more", "most", "very", "too", "up", "out", "off", "if", "when",
    "while", "what", "which", "who", "whom", "how", "why", "where", "because", "since",
    "until", "per", "via", "btw", "fwiw", "ok", "okay", "hey", "hi", "hello", "thanks",
    "thank", "please", "maybe", "probably", "likely", "think", "guess", "suspect",
])
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_'-]+")


def content_words(text: str) -> set[str]:
    """Lower-case content words, cut to a 5-letter stem so "subscriptions" meets "subscription"."""
    return {w.lower()[:5] for w in _WORD.findall(text)
            if w.lower() not in _STOP and len(w) > 2}


@dataclass(frozen=True)
class Sentence:
    text: str
    message: Message
    index: int                     # position in its message

    @property
    def ts(self) -> str:
        return self.message.ts


@dataclass(frozen=True)
class Post:
    message: Message
    parsed: Parsed
    sentences: tuple[Sentence, ...]


def posts(thread: Thread, names: Mapping[str, str] | None = None) -> list[Post]:
    out: list[Post] = []
    for message in thread.messages:
        parsed = parse(message.text, names)
        sents = tuple(Sentence(s, message, i) for i, s in enumerate(sentences(parsed.prose)))
        out.append(Post(message, parsed, sents))
    return out


def all_sentences(items: list[Post], *, humans_only: bool = False) -> list[Sentence]:
    return [s for p in items if not (humans_only and p.message.bot) for s in p.sentences]
