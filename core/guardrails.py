"""Tone and specificity guardrails (seed 002).

* Never write about the customer's temperament: write about the problem and what was tried.
* Never send a generic one-liner ("doesn't work", "customer is frustrated", "please help"):
  say what happened, where, and what was tried.

Each check returns the message to show on the form field, or ``None`` when the text passes.
"""

from __future__ import annotations

import re

from core import tone
from core.tone import TEMPERAMENT_HINT

__all__ = ["GENERIC_HINT", "TEMPERAMENT_HINT", "generic_problem", "is_generic",
           "normalise", "specificity_problem", "temperament_problem", "words"]

GENERIC_HINT = (
    "Too generic for the next person to act on. Say what happens, where, since when, "
    "and what you tried — e.g. “CSV export returns HTTP 500 for files over 10 MB since build 4.2”."
)

_GENERIC_PHRASES = {
    "doesnt work", "does not work", "not working", "isnt working", "is not working",
    "its broken", "it is broken", "broken", "still broken", "error", "an error", "errors",
    "bug", "a bug", "it fails", "fails", "failed", "issue", "problem", "same issue",
    "customer is frustrated", "customer is upset", "customer is unhappy", "customer is angry",
    "customer frustrated", "frustrated customer", "user is frustrated", "they are frustrated",
    "please help", "help", "help needed", "need help", "needs help", "please advise",
    "please look", "please check", "please fix", "fix it", "fix asap", "urgent", "asap",
    "very urgent", "high priority", "see ticket", "see above", "see below", "see thread",
    "see zendesk", "as above", "same as above", "n a", "na", "none", "nothing", "tbd",
    "todo", "unknown", "idk", "dont know", "do not know", "no idea", "not sure", "unsure",
    "everything", "all", "tried everything", "tried all", "nothing works", "we tried",
    "escalating", "escalate", "cant fix", "cannot fix", "can not fix", "cant resolve",
    "cannot resolve", "need engineering", "needs engineering", "engineering needed",
    "investigate", "please investigate", "look into it", "check logs", "its a bug",
    "must be a bug", "probably a bug", "something is wrong", "something wrong",
}
_FILLER = {"the", "a", "an", "it", "is", "its", "this", "that", "please", "and", "still",
           "just", "really", "very", "so", "all", "of", "to", "we", "i", "our", "my", "for",
           "customer", "customers", "user", "users", "again", "now", "here", "at", "on"}


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped, punctuation to spaces, whitespace folded."""
    text = text.lower().replace("'", "").replace("’", "")
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def words(text: str) -> list[str]:
    return normalise(text).split()


def temperament_problem(text: str) -> str | None:
    """Refuse text that characterises a person's temperament ("customer is difficult").

    The rules live in :mod:`core.tone` (measured on a labelled set); this is the form's entry.
    """
    return tone.temperament_problem(text)


def is_generic(text: str) -> bool:
    """True for a one-liner that carries no specifics, e.g. "Doesn't work, please help!"."""
    norm = normalise(text)
    if not norm:
        return True
    if norm in _GENERIC_PHRASES:
        return True
    # A sentence made only of generic phrases and filler words is generic too.
    rest = f" {norm} "
    for phrase in sorted(_GENERIC_PHRASES, key=len, reverse=True):
        rest = rest.replace(f" {phrase} ", " ")
    return all(word in _FILLER for word in rest.split())


def generic_problem(text: str) -> str | None:
    return GENERIC_HINT if is_generic(text) else None


def specificity_problem(text: str, *, min_words: int, what: str, example: str) -> str | None:
    """Refuse text too short or too generic to act on; ``what`` names the item in the hint."""
    if is_generic(text):
        return f"{what} is too generic to act on. {example}"
    if len(words(text)) < min_words:
        return f"{what} needs at least {min_words} words of specifics. {example}"
    return None
