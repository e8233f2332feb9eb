"""Tone and specificity guardrails (seed 002).

* Never write about the customer's temperament: write about the problem and what was tried.
* Never send a generic one-liner ("doesn't work", "customer is frustrated", "please help"):
  say what happened, where, and what was tried.

Each check returns the message to show on the form field, or ``None`` when the text passes.
"""

from __future__ import annotations

import re

TEMPERAMENT_HINT = (
    "Describe the problem and what was tried, not the customer's temperament — e.g. "
    "“tried the workaround twice, it failed both times; renewal is on Friday”."
)
GENERIC_HINT = (
    "Too generic for the next person to act on. Say what happens, where, since when, "
    "and what you tried — e.g. “CSV export returns HTTP 500 for files over 10 MB since build 4.2”."
)

# Words that characterise a person, not a problem.
_TEMPERAMENT_WORDS = (
    r"difficult|rude|crazy|insane|nightmare|unreasonable|hostile|annoying|demanding|toxic|"
    r"clueless|incompetent|stupid|idiots?|jerks?|impatient|aggressive|abusive|entitled|"
    r"irrational|hysterical|a pain|pain in the|nuts|whin(?:y|ing|er)|pushy|a handful|"
    r"angry|furious|irate|mad at us|yelling|screaming|obnoxious|condescending|paranoid"
)
# Who the words would be about.
_PEOPLE = (
    r"customers?|clients?|users?|they|them|he|she|him|her|admins?|contacts?|buyers?|"
    r"champions?|stakeholders?|this guy|this person|the guy|the person|account owner|cto|ceo"
)
# Words that describe a task or a measurement, not a person, in "difficult to configure",
# "a nightmare to set up", "crazy slow", "insane latency" — but not "… to deal with" or
# "… to support", which are about the person.
_TASK_USE = (
    r"(?:(?<=difficult)|(?<=nightmare)|(?<=pain))"
    r"\s+to\s+(?!(?:deal|work|talk|reason|support|help|handle|manage|please|satisfy)\b)\w"
    r"|(?:(?<=crazy)|(?<=insane))\s+(?:slow|fast|quick|high|low|long|big|large|huge|many|much|"
    r"numbers?|amounts?|volumes?|load|latency|traffic)\b"
    # Sentiment with its cause is a fact the next person needs (seed 002's "customer
    # sentiment"): "angry because the export lost two days of invoices" passes.
    r"|(?:(?<=angry)|(?<=furious)|(?<=irate))\s+(?:because|about|after|since|that|as|over)\b"
)
_PERSON_THEN_WORD = re.compile(
    rf"\b(?:(?:he|she)['’]s|(?:{_PEOPLE})\b(?!['’]s))"
    rf"(?:\W+\w+){{0,4}}?\W+(?:{_TEMPERAMENT_WORDS})\b(?!{_TASK_USE})",
    re.IGNORECASE,
)
_ALWAYS_TEMPERAMENT = re.compile(
    r"\b(?:impossible|difficult|hard|a nightmare|a pain|painful|exhausting|awful|horrible) to "
    r"(?:deal|work|talk|reason) with\b|\bnightmare (?:customer|client|account|user)s?\b|"
    r"\b(?:difficult|rude|crazy|angry|demanding|toxic|hostile) (?:customer|client|user|admin)s?\b",
    re.IGNORECASE,
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
    """Refuse text that characterises a person's temperament ("customer is difficult")."""
    if _PERSON_THEN_WORD.search(text) or _ALWAYS_TEMPERAMENT.search(text):
        return TEMPERAMENT_HINT
    return None


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
