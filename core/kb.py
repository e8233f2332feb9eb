"""Knowledge-base drafts from resolved escalations (seed 000: resolution patterns fed back to L1).

Pure: which resolutions warrant an article, the draft built from the escalation's checklist
answers and its resolution, who may approve it, and the article as Markdown with front matter
(for ``escalation-bot kb export``). No customer name, user id or ticket id goes into an
article: it is written for every customer.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core.model import Answers
from core.timefmt import utc

# Resolved as one of these, an article is drafted even when the owner did not ask for one.
KB_CATEGORIES = frozenset({"known_issue", "documentation_gap", "user_error",
                           "configuration_change"})
CATEGORY_WORDS = {
    "known_issue": "Known issue", "documentation_gap": "Documentation gap",
    "user_error": "How-to", "configuration_change": "Configuration",
    "code_fix": "Fixed defect", "cannot_reproduce": "Cannot reproduce",
    "duplicate": "Duplicate", "wont_fix": "Won't fix",
}
TITLE_MAX = 120
FIELD_MAX = 3000
_ERROR_LINE = re.compile(r"(error|exception|fail|denied|refused|timeout|\b[45]\d\d\b)",
                         re.IGNORECASE)


class Status:
    DRAFT = "draft"
    APPROVED = "approved"
    DISCARDED = "discarded"


@dataclass(frozen=True)
class Article:
    """A knowledge-base article (a draft until approved)."""

    title: str
    symptoms: str
    applies_to: str
    cause: str
    resolution: str
    before_escalating: str
    domain: str
    tags: tuple[str, ...] = ()
    sources: tuple[int, ...] = ()
    status: str = Status.DRAFT
    updated_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True)
class ResolutionFacts:
    category: str
    root_cause: str
    fix_version: str | None
    validation_notes: str | None
    l1_takeaway: str
    kb_warranted: bool = False


def warranted(category: str, kb_warranted: bool) -> bool:
    return kb_warranted or category in KB_CATEGORIES


def _clip(text: str, limit: int = FIELD_MAX) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def key_error_lines(logs: str | None, limit: int = 3) -> list[str]:
    """The log lines that say what went wrong (errors, exceptions, 4xx/5xx), at most three."""
    lines = [" ".join(line.split()) for line in (logs or "").splitlines() if line.strip()]
    picked = [line for line in lines if _ERROR_LINE.search(line)]
    return [line[:300] for line in (picked or lines)[:limit]]


def draft(answers: Answers, facts: ResolutionFacts, *, domain: str, escalation_id: int,
          now: datetime) -> Article:
    """The draft article for one resolved escalation."""
    problem = " ".join((answers.problem or "").split())
    title = problem if len(problem) <= TITLE_MAX else problem[: TITLE_MAX - 1] + "…"
    symptoms = [answers.actual or ""]
    errors = key_error_lines(answers.logs)
    if errors:
        symptoms.append("Key error lines:\n" + "\n".join(f"    {line}" for line in errors))
    applies = [part for part in (
        f"Version {answers.build_version}" if answers.build_version else "",
        f"environment {answers.environment.value}" if answers.environment else "",
        f"region {answers.region}" if answers.region else "",
        f"feature flags {answers.feature_flags}" if answers.feature_flags else "",
        f"{answers.tier.label} plan" if answers.tier else "",
    ) if part]
    resolution = [f"{CATEGORY_WORDS.get(facts.category, facts.category)}."]
    if facts.fix_version:
        resolution.append(f"Fixed in {facts.fix_version}.")
    if facts.validation_notes:
        resolution.append(facts.validation_notes.strip())
    if answers.workaround is not None and answers.workaround.value != "none":
        resolution.append(f"Workaround ({answers.workaround.label.lower()}): "
                          f"{(answers.tried or '').strip()}" if answers.tried else
                          answers.workaround.label + ".")
    tags = tuple(dict.fromkeys(t for t in (domain, facts.category,
                                           answers.environment.value
                                           if answers.environment else "") if t))
    return Article(
        title=_clip(title or "Untitled", TITLE_MAX),
        symptoms=_clip("\n\n".join(s for s in symptoms if s.strip())),
        applies_to=_clip(", ".join(applies) or "All versions"),
        cause=_clip(facts.root_cause),
        resolution=_clip(" ".join(resolution)),
        before_escalating=_clip(facts.l1_takeaway),
        domain=domain, tags=tags, sources=(escalation_id,), updated_at=utc(now))


def may_decide(user: str, *, requesters: Iterable[str], leads: Iterable[str]) -> bool:
    """The L1 agents whose escalations it came from, and the leads, approve or discard it."""
    return user in set(requesters) or user in set(leads)


# --------------------------------------------------------------------------- Markdown


def _yaml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def slug(article: Article) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", article.title.lower()).strip("-")
    return f"kb-{article.id or 0}-{words[:60].rstrip('-') or 'article'}"


def _wrap(text: str, width: int = 80) -> str:
    """Paragraphs wrapped at ``width``; indented lines (log excerpts) kept as they are."""
    out = []
    for paragraph in text.strip().split("\n\n"):
        lines = paragraph.splitlines()
        if lines and all(line.startswith("    ") for line in lines[1:]) and len(lines) > 1:
            out.append("\n".join([textwrap.fill(lines[0], width), "", *lines[1:]]))
        else:
            out.append(textwrap.fill(" ".join(paragraph.split()), width))
    return "\n\n".join(out)


def to_markdown(article: Article, *, public_ids: Sequence[str]) -> str:
    """The article for a help center: YAML front matter, then the sections."""
    updated = utc(article.updated_at).isoformat() if article.updated_at else ""
    front = [
        "---",
        f"title: {_yaml_str(article.title)}",
        "tags: [" + ", ".join(_yaml_str(t) for t in article.tags) + "]",
        f"domain: {_yaml_str(article.domain)}",
        "source_escalations: [" + ", ".join(_yaml_str(p) for p in public_ids) + "]",
        f"updated: {_yaml_str(updated)}",
        "---",
    ]
    body = [f"# {article.title}"]
    for heading, text in (("Symptoms", article.symptoms), ("Applies to", article.applies_to),
                          ("Cause", article.cause),
                          ("Resolution or workaround", article.resolution),
                          ("Before you escalate, check", article.before_escalating)):
        body += ["", f"## {heading}", "", _wrap(text) or "—"]
    return "\n".join([*front, "", *body]) + "\n"


@dataclass
class EditForm:
    """The Edit modal's fields (each required, at most 3000 characters)."""

    values: dict[str, str] = field(default_factory=dict)

    FIELDS = ("title", "symptoms", "applies_to", "cause", "resolution", "before_escalating")

    def errors(self) -> dict[str, str]:
        out = {}
        for name in self.FIELDS:
            value = (self.values.get(name) or "").strip()
            limit = TITLE_MAX if name == "title" else FIELD_MAX
            if not value:
                out[name] = "Required: readers need this part."
            elif len(value) > limit:
                out[name] = f"At most {limit} characters ({len(value)} now)."
        return out
