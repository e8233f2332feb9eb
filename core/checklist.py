"""The escalation checklist as data, and the validation that refuses an unready escalation.

Sources: seed 001 §5 (clean ticket) and §6 (signature checklist), seed 002's handoff template
(problem, background, attempts, blocker, customer posture, next hypothesis), seed 003's triage
attributes (environment, build, flags, region, evidence). Every item is a :class:`Field`; the
Slack renderer turns fields into inputs and the errors returned here into inline field errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from core import guardrails
from core.model import Answers
from core.timefmt import utc

# Slack's limit for a plain_text_input value; checked here so the agent sees it on the field.
SLACK_INPUT_MAX = 3000


class Kind(StrEnum):
    LINE = "line"          # one line of text
    TEXT = "text"          # multi-line text
    DOMAIN = "domain"      # one of the configured domains
    SEVERITY = "severity"
    TIER = "tier"
    NUMBER = "number"      # a whole number
    DATETIME = "datetime"  # an instant, stored in UTC
    DATE = "date"
    SIGNALS = "signals"    # complexity signals (checkboxes)
    ENVIRONMENT = "environment"
    WORKAROUND = "workaround"
    FLAG = "flag"          # a yes/no checkbox
    USER = "user"          # a Slack user
    LINKS = "links"        # http(s) URLs, one per line
    TICKETS = "tickets"    # ticket ids or URLs
    FILES = "files"        # files uploaded in the modal: "name<TAB>permalink" per line


class Step(StrEnum):
    PROBLEM = "problem"
    REPRODUCTION = "reproduction"
    HANDOFF = "handoff"

    @property
    def number(self) -> int:
        return list(Step).index(self) + 1

    @property
    def heading(self) -> str:
        return STEP_TITLES[self]


STEP_TITLES: dict[Step, str] = {
    Step.PROBLEM: "Problem & impact",
    Step.REPRODUCTION: "Reproduction & evidence",
    Step.HANDOFF: "Diagnosis & handoff",
}


@dataclass(frozen=True)
class Field:
    key: str
    step: Step
    label: str
    kind: Kind
    required: bool = True
    max_length: int = SLACK_INPUT_MAX
    hint: str | None = None
    placeholder: str | None = None
    # Extra checks on free text: "specific" (guardrails + min words) and/or "tone".
    min_words: int = 0
    tone: bool = True
    example: str = ""


FIELDS: tuple[Field, ...] = (
    # Step 1
    Field("problem", Step.PROBLEM, "Problem statement", Kind.LINE, max_length=200, min_words=5,
          placeholder="One sentence: what fails, for whom, since when",
          example="E.g. “SSO login fails with HTTP 500 for all Acme users since build 4.2”."),
    Field("background", Step.PROBLEM, "Background", Kind.TEXT, min_words=8,
          placeholder="What led here: timeline, recent changes, what the customer did",
          example="Say what led here: when it started, what changed, how it was noticed."),
    Field("domain", Step.PROBLEM, "Technology domain", Kind.DOMAIN,
          hint="The packet goes to this domain's specialists channel."),
    Field("severity", Step.PROBLEM, "Severity", Kind.SEVERITY),
    Field("customer", Step.PROBLEM, "Customer / account", Kind.LINE, max_length=150, tone=False,
          placeholder="Account name or id"),
    Field("tier", Step.PROBLEM, "Customer tier", Kind.TIER),
    Field("affected_users", Step.PROBLEM, "Affected users", Kind.NUMBER,
          hint="Your best count of users affected now."),
    Field("first_reported_at", Step.PROBLEM, "First reported by the customer", Kind.DATETIME,
          hint="Shown in your time zone, stored in UTC: the time in queue starts here."),
    Field("signals", Step.PROBLEM, "Complexity signals", Kind.SIGNALS, required=False),
    # Step 2
    Field("repro_steps", Step.REPRODUCTION, "Reproduction steps", Kind.TEXT, min_words=6,
          placeholder="1. Log in as a tenant admin\n2. Settings → Integrations → Webhooks\n3. …",
          example="Number the steps someone else can follow to see the failure."),
    Field("expected", Step.REPRODUCTION, "Expected behaviour", Kind.TEXT, min_words=3,
          example="Say what should happen, e.g. “the webhook list loads”."),
    Field("actual", Step.REPRODUCTION, "Actual behaviour", Kind.TEXT, min_words=3,
          example="Say what happens instead, e.g. “HTTP 500 and a blank page”."),
    Field("environment", Step.REPRODUCTION, "Environment", Kind.ENVIRONMENT),
    Field("build_version", Step.REPRODUCTION, "Build or version", Kind.LINE, max_length=150,
          tone=False, placeholder="e.g. web 4.2.1 (a1b2c3d), iOS 17.4"),
    Field("feature_flags", Step.REPRODUCTION, "Feature flags", Kind.LINE, required=False,
          max_length=500, tone=False, placeholder="flag=on, other_flag=off"),
    Field("region", Step.REPRODUCTION, "Region / cluster", Kind.LINE, required=False,
          max_length=150, tone=False, placeholder="e.g. eu-west-1 / cluster-7"),
    Field("workflow", Step.REPRODUCTION, "Workflow details", Kind.TEXT, min_words=4,
          placeholder="Which workflow the customer runs, with which data and settings",
          example="Say which workflow, with what data or settings."),
    Field("logs", Step.REPRODUCTION, "Logs and data", Kind.TEXT, required=False, tone=False,
          placeholder="Log excerpts, error ids, correlation ids, console output",
          hint="Paste excerpts here; put HAR/console captures and dashboards in the links."),
    Field("evidence_links", Step.REPRODUCTION, "Evidence links", Kind.LINKS, required=False,
          placeholder="https://… one per line: HAR, console capture, screenshots, video",
          hint="Logs, HAR captures, screenshots or video — one URL per line."),
    Field("evidence_files", Step.REPRODUCTION, "Screenshots and recordings", Kind.FILES,
          required=False, tone=False, max_length=100_000,
          hint="Upload screenshots or screen recordings; the packet links them."),
    # Step 3
    Field("tried", Step.HANDOFF, "What was tried, and why each failed", Kind.TEXT, min_words=8,
          placeholder="Cleared cache → same 500. Re-issued the SAML cert → same 500. …",
          example="List each attempt and its result."),
    Field("blocker", Step.HANDOFF, "Blocker: why support cannot resolve it", Kind.TEXT,
          min_words=6, placeholder="e.g. Needs a server-side config change we have no access to",
          example="Say why this cannot be solved at support level (access, code, authority)."),
    Field("hypothesis", Step.HANDOFF, "Next-move hypothesis", Kind.TEXT, min_words=6,
          placeholder="We ruled out X and Y, so we suspect Z",
          example="Write “we ruled out X and Y, so we suspect Z” or “we think the next move "
                  "is X”."),
    Field("asks", Step.HANDOFF, "Asks for engineering", Kind.TEXT, min_words=4,
          placeholder="e.g. Confirm the cause from the IdP logs; hotfix or flag rollback",
          example="Name the deliverable you need: a hotfix, a rollback, a log check, an answer."),
    Field("workaround", Step.HANDOFF, "Workaround", Kind.WORKAROUND),
    Field("deadline", Step.HANDOFF, "Customer deadline", Kind.DATE, required=False),
    Field("renewal_at_stake", Step.HANDOFF, "Renewal at stake", Kind.FLAG, required=False),
    Field("posture", Step.HANDOFF, "Customer posture: facts and risk", Kind.TEXT, required=False,
          placeholder="Facts only: go-live on Friday, 3 failed workarounds, exec sponsor asking",
          hint="Facts and risk, never temperament."),
    Field("linked_tickets", Step.HANDOFF, "Linked tickets", Kind.TICKETS, max_length=1000,
          tone=False, placeholder="ZD-48213, PROJ-112 or URLs, one per line"),
    Field("case_owner", Step.HANDOFF, "Case owner", Kind.USER,
          hint="Who on the support side owns the customer relationship."),
)

FIELDS_BY_KEY: Mapping[str, Field] = {f.key: f for f in FIELDS}

# Answers typed as free text: redacted before they are stored (seed 003: no customer PII).
FREE_TEXT_KINDS = frozenset({Kind.LINE, Kind.TEXT, Kind.LINKS, Kind.TICKETS, Kind.FILES})


def files_of(answers: Answers) -> list[tuple[str, str]]:
    """(name, permalink) of each uploaded file."""
    out: list[tuple[str, str]] = []
    for line in (answers.evidence_files or "").splitlines():
        name, _, link = line.partition("\t")
        if link.strip():
            out.append((name.strip() or "file", link.strip()))
    return out


def union_files(old: str | None, new: str | None) -> str | None:
    """Files attached before and now, each once (Slack cannot pre-fill a file input)."""
    lines: list[str] = []
    for line in (old or "").splitlines() + (new or "").splitlines():
        if line.strip() and line not in lines:
            lines.append(line)
    return "\n".join(lines) or None


def fields_of(step: Step) -> tuple[Field, ...]:
    return tuple(f for f in FIELDS if f.step is step)


_URL_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d+)?$")
_TICKET_ID = re.compile(r"^(#?\d{2,}|[A-Z][A-Z0-9_]*-\d+|ZD[-#]?\d+)$", re.IGNORECASE)
_SPLIT_ITEMS = re.compile(r"[\s,;]+")
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
# "Acme Inc. since Monday" is one sentence: abbreviations do not end it.
_ABBREVIATIONS = re.compile(
    r"\b(?:inc|ltd|corp|co|llc|gmbh|e\.g|i\.e|etc|vs|approx|no|dr|mr|ms|mrs|st|jr|sr)\.",
    re.IGNORECASE)


def split_items(text: str) -> list[str]:
    return [item for item in _SPLIT_ITEMS.split(text.strip()) if item]


def is_url(item: str) -> bool:
    parts = urlsplit(item)
    return (parts.scheme in {"http", "https"} and bool(parts.hostname)
            and bool(_URL_HOST.match(parts.netloc.rsplit("@", 1)[-1])) and "." in parts.netloc)


def _value(answers: Answers, key: str) -> object:
    return getattr(answers, key)


def _is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, tuple):
        return False  # an empty signal set is a valid answer
    return False


def _check_text(spec: Field, text: str) -> str | None:
    if len(text) > spec.max_length:
        return f"{len(text)} characters; the limit is {spec.max_length}. Move long logs to a link."
    if spec.key == "problem":
        if "\n" in text.strip():
            return "Keep the problem statement to one sentence on one line."
        if len(_SENTENCE_END.findall(_ABBREVIATIONS.sub("", text.strip()))) > 1:
            return "Keep the problem statement to one sentence; details go in Background."
    if spec.tone:
        tone = guardrails.temperament_problem(text)
        if tone:
            return tone
    if spec.min_words:
        what = spec.label.split(":")[0]
        return guardrails.specificity_problem(
            text, min_words=spec.min_words, what=what, example=spec.example or ""
        )
    return None


def _check_links(text: str) -> str | None:
    bad = [item for item in split_items(text) if not is_url(item)]
    if bad:
        return f"Not a well-formed http(s) link: {bad[0][:80]}"
    return None


def _check_tickets(text: str) -> str | None:
    bad = [item for item in split_items(text) if not (is_url(item) or _TICKET_ID.match(item))]
    if bad:
        return (f"Not a ticket id or link: {bad[0][:80]}. Use ids like ZD-48213 or PROJ-112, "
                "or full https:// links.")
    return None


def _check_number(text: str) -> str | None:
    cleaned = text.replace(",", "").replace("_", "").strip()
    if not cleaned.isdecimal():  # isdigit() also takes "²", which int() rejects
        return "Enter a whole number of users, e.g. 120."
    if int(cleaned) < 1:
        return "At least one user is affected, or this is not an escalation."
    if int(cleaned) > 10_000_000_000:
        return "That is more users than exist; check the number."
    return None


def _check_field(spec: Field, value: object, now: datetime,
                 domains: frozenset[str] | None) -> str | None:
    if _is_blank(value):
        return f"{spec.label} is required." if spec.required else None
    if isinstance(value, str):
        checker: Callable[[str], str | None] | None = {
            Kind.LINKS: _check_links, Kind.TICKETS: _check_tickets, Kind.NUMBER: _check_number,
        }.get(spec.kind)
        if checker is not None:
            if len(value) > spec.max_length:
                return f"{len(value)} characters; the limit is {spec.max_length}."
            return checker(value)
        if spec.kind is Kind.DOMAIN:
            return None if domains is None or value in domains else "Pick one of the domains."
        if spec.kind in (Kind.LINE, Kind.TEXT):
            return _check_text(spec, value)
    if spec.kind is Kind.DATETIME and isinstance(value, datetime):
        ahead = utc(value) - utc(now)
        if ahead > timedelta(minutes=5):
            return "That is in the future; when did the customer first report it (UTC)?"
        if -ahead > timedelta(days=366):
            return "More than a year ago; check the date."
    return None


def validate(answers: Answers, step: Step | None = None, *, now: datetime,
             domains: frozenset[str] | None = None) -> dict[str, str]:
    """Errors by field key for one step (or every step when ``step`` is None); empty when ready."""
    errors: dict[str, str] = {}
    for spec in FIELDS if step is None else fields_of(step):
        message = _check_field(spec, _value(answers, spec.key), now, domains)
        if message:
            errors[spec.key] = message
    data_errors = errors.keys() & {"logs", "evidence_links"}
    needs_data = step in (None, Step.REPRODUCTION) and not data_errors
    if needs_data and _is_blank(answers.logs) and _is_blank(answers.evidence_links) \
            and _is_blank(answers.evidence_files):
        errors["logs"] = ("Add log excerpts here or links to logs, HAR or console captures "
                          "below: engineering needs the data (seed 001 checklist).")
    return errors


@dataclass(frozen=True)
class Weakness:
    field: str
    note: str


def readiness(answers: Answers, *, now: datetime, domains: frozenset[str] | None = None,
              being_filled: Step | None = None) -> list[Weakness]:
    """What is still missing or weak across all steps — shown on the last step.

    Errors are listed first; then soft gaps a reviewer would flag but that do not block.
    Blank fields of ``being_filled`` (the step on screen) are not listed: the agent is about
    to fill them, and the form marks them required anyway.
    """
    errors = validate(answers, now=now, domains=domains)
    notes = [Weakness(key, msg) for key, msg in errors.items()
             if not (being_filled is not None and FIELDS_BY_KEY[key].step is being_filled
                     and _is_blank(_value(answers, key)))]
    if _is_blank(answers.evidence_links) and _is_blank(answers.evidence_files):
        notes.append(Weakness("evidence_links", "No screenshots, HAR or video links attached."))
    if _is_blank(answers.posture) and answers.deadline is None and not answers.renewal_at_stake:
        notes.append(Weakness("posture", "No customer deadline or risk stated."))
    if not _is_blank(answers.hypothesis) and not re.search(
        r"\b(suspect|because|ruled out|likely|think|probably|caused by|since|so)\b",
        answers.hypothesis or "", re.IGNORECASE,
    ):
        notes.append(Weakness(
            "hypothesis", "The hypothesis gives no reasoning (“ruled out X, so we suspect Z”)."))
    return notes


def missing_items(answers: Answers, *, now: datetime) -> list[str]:
    """Labels of the checklist items still unanswered or refused — an escalation paged after
    step 1 (SEV1 fast lane) lists these on its packet until it is complete."""
    return [FIELDS_BY_KEY[key].label for key in validate(answers, now=now)]
