"""``/escalation …``: the slash command's text, parsed into what the user asked for.

Pure parsing: which escalation, which action and its one argument. Whether the user may do it
is the role table's question, asked by the command that runs it. Anything unrecognised becomes
:class:`Usage` with a one-line reason and the short usage text — never an exception.

With ``should_escape: true`` in the manifest Slack sends a picked person as ``<@U123|name>``
and ``&``, ``<``, ``>`` typed by the user as HTML entities.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from core.model import Level, Severity
from core.workflow import Action

# The verbs are the values of :class:`core.workflow.Action` ("update", "info", "eta" …);
# the handoff rating is answered in its DM only.
_NOT_TYPED: frozenset[Action] = frozenset({Action.RATE_HANDOFF})

# Other spellings people type for the same action.
_ALIASES: dict[str, Action] = {
    "needs-info": Action.NEEDS_INFO, "need-info": Action.NEEDS_INFO,
    "needinfo": Action.NEEDS_INFO, "ask": Action.NEEDS_INFO, "status": Action.POST_UPDATE,
    "post-update": Action.POST_UPDATE, "repro": Action.REPRODUCED,
    "reproduce": Action.REPRODUCED, "cant-reproduce": Action.CANNOT_REPRODUCE,
    "cannot-repro": Action.CANNOT_REPRODUCE, "no-repro": Action.CANNOT_REPRODUCE,
    "not-reproduced": Action.CANNOT_REPRODUCE, "escalate": Action.ESCALATE_LEVEL,
    "up": Action.ESCALATE_LEVEL, "sev": Action.CHANGE_SEVERITY, "handoff": Action.REASSIGN,
    "hand-off": Action.REASSIGN, "duplicate": Action.MERGE, "dup": Action.MERGE,
    "fix-eta": Action.SET_ETA, "commander": Action.SET_IC,
}


@dataclass(frozen=True)
class ActOn:
    """``/escalation ESC-42 <action> [argument]``."""

    escalation_id: int
    action: Action
    severity: Severity | None = None
    level: Level | None = None
    user: str | None = None
    target_id: int | None = None


@dataclass(frozen=True)
class Mine:
    """``/escalation mine``: what I own, raised, or owe an answer to."""


@dataclass(frozen=True)
class Queue:
    """``/escalation queue [domain]``: unclaimed escalations, optionally of one domain."""

    domain: str | None = None


@dataclass(frozen=True)
class Help:
    """``/escalation help`` (or nothing at all)."""


@dataclass(frozen=True)
class ReportRequest:
    """``/escalation report [digest|utilization|deflection|handoff] [7d]`` (leads only)."""

    kind: str = "digest"
    since: str = "7d"


REPORT_KINDS = ("digest", "utilization", "deflection", "handoff")
_SPAN = re.compile(r"^\d{1,3}[hdw]$", re.IGNORECASE)


@dataclass(frozen=True)
class Usage:
    """Input the parser did not understand: what was wrong, for a short usage reply."""

    problem: str


Request = ActOn | Mine | Queue | Help | ReportRequest | Usage

USAGE = (
    "*Usage:* `/escalation ESC-42 <action>` — actions: `accept`, `update`, `info`, `eta`, "
    "`reproduced`, `cannot-reproduce`, `level`, `severity SEV1`, `reassign @person`, "
    "`resolve`, `reopen`, `verify`, `told`, `export`, `merge ESC-17`, `jira create`, "
    "`jira link PROJ-123`.\n"
    "Also `/escalation mine`, `/escalation queue [domain]`, `/escalation help`, and for "
    "leads `/escalation report [digest|utilization|deflection|handoff] [7d]`. "
    "The id may be written `ESC-42`, `esc-42` or `42`."
)

HELP = (
    "*/escalation — act on an escalation without scrolling to its packet*\n"
    "• `/escalation ESC-42 accept` — confirm you own it (optionally with a first note)\n"
    "• `/escalation ESC-42 update` — post a status update (the five questions)\n"
    "• `/escalation ESC-42 info` — ask the requester one specific question\n"
    "• `/escalation ESC-42 eta` — set or change the fix ETA\n"
    "• `/escalation ESC-42 reproduced` / `cannot-reproduce` — record the reproduction\n"
    "• `/escalation ESC-42 level` — escalate a level, with a reason\n"
    "• `/escalation ESC-42 severity SEV1` — change the severity, with a reason\n"
    "• `/escalation ESC-42 reassign @person` — hand it over with a handoff note\n"
    "• `/escalation ESC-42 resolve` · `reopen` · `verify` — wrap it up\n"
    "• `/escalation ESC-42 told` — (requester) the customer has an update from you\n"
    "• `/escalation ESC-42 export` — get the escalation as a Markdown file\n"
    "• `/escalation ESC-42 merge ESC-17` — close ESC-42 as a duplicate of ESC-17\n"
    "• `/escalation ESC-42 reminders` — the clocks that run and every reminder sent\n"
    "• `/escalation ESC-42 snooze 60 <reason>` — snooze its reminders (30, 60, 120 or "
    "until 15:30 UTC; `snooze off` ends it)\n"
    "• `/escalation ESC-42 rca <link>` — attach the RCA (stops the RCA reminders)\n"
    "• `/escalation mine` — what you own, raised, or owe an answer to\n"
    "• `/escalation queue [domain]` — unclaimed escalations\n"
    "• `/escalation report [digest|utilization|deflection|handoff] [7d]` — a leads' report, "
    "privately (leads only)\n"
    "The id may be written `ESC-42`, `esc-42` or `42`. Times are UTC."
)

_ID = re.compile(r"^(?:esc-?)?#?(\d{1,9})$", re.IGNORECASE)
_MENTION = re.compile(r"^(?:<@|&lt;@)([UW][A-Z0-9]{2,})(?:\|[^>&]*)?(?:>|&gt;)$")
_RAW_USER = re.compile(r"^[UW][A-Z0-9]{6,}$")
_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$", re.IGNORECASE)


def parse_id(token: str) -> int | None:
    """``ESC-42``, ``esc-42``, ``42`` → 42; anything else → None."""
    match = _ID.match(token.strip())
    if match is None:
        return None
    number = int(match.group(1))
    return number if number > 0 else None


def parse_user(token: str) -> str | None:
    """A Slack mention (``<@U123|name>``, as Slack escapes it) or a bare user id → the id."""
    match = _MENTION.match(token)
    if match:
        return match.group(1)
    return token if _RAW_USER.match(token) else None


def _action(word: str) -> Action | None:
    word = word.lower().replace("_", "-")
    try:
        action = Action(word)
    except ValueError:
        return _ALIASES.get(word)
    return None if action in _NOT_TYPED else action


def _severity(token: str) -> Severity | None:
    text = token.upper().replace("-", "").replace(" ", "")
    if text.isdecimal():
        text = f"SEV{text}"
    try:
        return Severity(text)
    except ValueError:
        return None


def _level(token: str) -> Level | None:
    name = token.upper()
    if name.isdecimal():
        name = f"L{name}"
    try:
        return Level[name]
    except KeyError:
        return None


def _shown(token: str) -> str:
    """A user's word quoted back inside backticks: short, and unable to close the quote."""
    token = token.replace("`", "'")
    return token if len(token) <= 40 else token[:39] + "…"


def _severity_argument(number: int, action: Action, rest: list[str]) -> Request:
    if not rest:
        return ActOn(number, action)  # the modal asks for the new severity
    severity = _severity(rest[0])
    if severity is None or len(rest) > 1:
        return Usage(f"`{_shown(' '.join(rest))}` is not a severity: "
                     "write SEV1, SEV2, SEV3 or SEV4.")
    return ActOn(number, action, severity=severity)


def _level_argument(number: int, action: Action, rest: list[str]) -> Request:
    if not rest:
        return ActOn(number, action)
    level = _level(rest[0])
    if level is None or level < Level.L2 or level > Level.L4 or len(rest) > 1:
        return Usage(f"`{_shown(' '.join(rest))}` is not a level you can escalate to: "
                     "write L3 or L4 (L5 Leadership is notified, never the owner).")
    return ActOn(number, action, level=level)


def _user_argument(number: int, action: Action, rest: list[str]) -> Request:
    if not rest:
        return ActOn(number, action)  # the modal asks whom
    user = parse_user(rest[0])
    if user is None or len(rest) > 1:
        return Usage("Name the new owner as a mention: type `@` and pick the person, e.g. "
                     "`/escalation ESC-42 reassign @dana`.")
    return ActOn(number, action, user=user)


def _merge_argument(number: int, action: Action, rest: list[str]) -> Request:
    target = parse_id(rest[0]) if len(rest) == 1 else None
    if target is None:
        return Usage("Say which escalation survives, e.g. `/escalation ESC-42 merge ESC-17`.")
    if target == number:
        return Usage("An escalation cannot be merged into itself.")
    return ActOn(number, action, target_id=target)


def _no_argument(number: int, action: Action, rest: list[str]) -> Request:
    if rest:
        return Usage(f"`{action.value}` takes nothing after it; the form asks for the details.")
    return ActOn(number, action)


# The one argument an action may take after it (``severity SEV1``, ``reassign @dana`` …);
# every other action takes none (its form asks).
_ARGUMENT: Mapping[Action, Callable[[int, Action, list[str]], Request]] = {
    Action.CHANGE_SEVERITY: _severity_argument,
    Action.ESCALATE_LEVEL: _level_argument,
    Action.REASSIGN: _user_argument,
    Action.SET_IC: _user_argument,
    Action.MERGE: _merge_argument,
}


def _with_argument(number: int, action: Action, rest: list[str]) -> Request:
    return _ARGUMENT.get(action, _no_argument)(number, action, rest)


def _help(words: list[str]) -> Request:
    return Help() if len(words) <= 1 else Usage("`help` takes nothing after it.")


def _mine(words: list[str]) -> Request:
    return Mine() if len(words) == 1 else Usage("`mine` takes nothing after it.")


def _queue(words: list[str]) -> Request:
    if len(words) == 1:
        return Queue()
    if len(words) == 2 and _DOMAIN.match(words[1]):
        return Queue(domain=words[1].lower())
    return Usage("Write `/escalation queue` or `/escalation queue <domain key>`.")


# The words that are not an escalation id: what they ask for, given every word typed.
_TOPICS: Mapping[str, Callable[[list[str]], Request]] = {
    "help": _help, "?": _help, "-h": _help, "--help": _help,
    "mine": _mine,
    "queue": _queue,
    "report": lambda words: _report(words[1:]),
}


def parse(text: str) -> Request:
    """The slash command's text → what the user asked for (never raises)."""
    words = text.split()
    if not words:
        return Help()
    topic = _TOPICS.get(words[0].lower())
    if topic is not None:
        return topic(words)
    number = parse_id(words[0])
    if number is None:
        # "accept ESC-42" reads naturally too: accept the action first when the id follows.
        flipped = _action(words[0])
        if flipped is not None and len(words) >= 2 and parse_id(words[1]) is not None:
            number = parse_id(words[1])
            assert number is not None
            return _with_argument(number, flipped, words[2:])
        return Usage(f"`{_shown(words[0])}` is not an escalation id or a command I know.")
    if len(words) == 1:
        return Usage(f"What should happen to ESC-{number}? Add an action.")
    action = _action(words[1])
    if action is None:
        return Usage(f"`{_shown(words[1])}` is not an action I know.")
    return _with_argument(number, action, words[2:])


def _report(words: list[str]) -> ReportRequest | Usage:
    kind, since = "digest", "7d"
    for word in words:
        if word.lower() in REPORT_KINDS:
            kind = word.lower()
        elif _SPAN.match(word) and int(word[:-1]) > 0:
            since = word.lower()
        else:
            return Usage(f"`{_shown(word)}`: write `/escalation report "
                         "[digest|utilization|deflection|handoff] [7d]` (a span like 24h, 7d "
                         "or 2w).")
    if len(words) > 2:
        return Usage("`report` takes a report name and a span at most.")
    return ReportRequest(kind, since)
