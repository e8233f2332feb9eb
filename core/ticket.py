"""The Engineering ticket: seed 001 §5's clean-ticket fields in Atlassian Document Format.

Pure: an escalation in, plain dicts out (the Jira ``fields`` of a create request, ADF documents
for comments). ADF is what Jira Cloud's v3 API takes for ``description`` and comment ``body``:
a ``doc`` of block nodes (headings, paragraphs, lists, code blocks) holding ``text`` nodes.
Every document built here is checked against Atlassian's ADF JSON Schema in the tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.model import Escalation
from core.timefmt import fmt_utc

Node = dict[str, Any]

SUMMARY_MAX = 255  # Jira's limit on an issue summary
TEXT_MAX = 30_000  # keep one text node well under Jira's 32 767-character field limit


@dataclass(frozen=True)
class TicketSettings:
    """What the Jira config says about the issues the bot creates."""

    project: str
    issue_type: str = "Bug"
    labels: tuple[str, ...] = ("escalation",)
    severity_field: str | None = None
    affected_users_field: str | None = None
    extra_fields: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- ADF nodes


def text(value: str, *marks: Node) -> Node:
    node: Node = {"type": "text", "text": value[:TEXT_MAX]}
    if marks:
        node["marks"] = list(marks)
    return node


STRONG: Node = {"type": "strong"}


def link_mark(href: str) -> Node:
    return {"type": "link", "attrs": {"href": href}}


def paragraph(*content: Node) -> Node:
    return {"type": "paragraph", "content": [c for c in content if c.get("text") != ""]}


def heading(title: str, level: int = 2) -> Node:
    return {"type": "heading", "attrs": {"level": level}, "content": [text(title)]}


def code_block(body: str) -> Node:
    return {"type": "codeBlock", "attrs": {"language": "text"},
            "content": [text(body)] if body else []}


def _list(kind: str, items: Iterable[Sequence[Node]]) -> Node:
    return {"type": kind, "content": [{"type": "listItem", "content": [paragraph(*item)]}
                                      for item in items]}


def ordered_list(items: Iterable[str]) -> Node:
    return _list("orderedList", ([text(item)] for item in items))


def bullet_list(items: Iterable[Sequence[Node]]) -> Node:
    return _list("bulletList", items)


def labelled(label: str, value: str) -> list[Node]:
    return [text(f"{label}: ", STRONG), text(value)]


def doc(*content: Node) -> Node:
    return {"version": 1, "type": "doc", "content": list(content)}


def plain_doc(*lines: str) -> Node:
    """A document of one paragraph per non-empty line (comments)."""
    return doc(*(paragraph(text(line)) for line in lines if line.strip()))


# ---------------------------------------------------------------- the ticket

_STEP_PREFIX = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s*")
_ZENDESK_ID = re.compile(r"^(?:ZD[-#]?|#)(\d+)$", re.IGNORECASE)
_ZENDESK_URL = re.compile(r"^https?://[^/\s]*zendesk\.com/(?:agent/tickets|hc/[^/]+/requests|"
                          r"requests)/(\d+)", re.IGNORECASE)
_SPLIT = re.compile(r"[,\s]+")


def repro_steps(raw: str | None) -> list[str]:
    """The agent's numbered (or bulleted, or one-per-line) steps as a list of steps."""
    steps = [_STEP_PREFIX.sub("", line).strip() for line in (raw or "").splitlines()]
    return [s for s in steps if s]


def linked_ticket_items(raw: str | None) -> list[str]:
    return [item for item in _SPLIT.split(raw or "") if item]


def zendesk_ticket_ids(raw: str | None) -> list[int]:
    """Zendesk ticket numbers among the linked tickets (``ZD-48213``, ``#48213``, a URL)."""
    out: list[int] = []
    for item in linked_ticket_items(raw):
        match = _ZENDESK_ID.match(item) or _ZENDESK_URL.match(item)
        if match and int(match.group(1)) not in out:
            out.append(int(match.group(1)))
    return out


def summary(esc: Escalation) -> str:
    problem = " ".join((esc.answers.problem or "").split())
    sev = esc.answers.severity.value if esc.answers.severity else "SEV?"
    return f"[{esc.public_id}] {sev} {problem}"[:SUMMARY_MAX]


def id_label(esc: Escalation) -> str:
    """The label that finds this escalation's issue again (one issue per escalation)."""
    return f"escalation-{esc.public_id.lower()}"


def description(esc: Escalation, *, permalink: str | None = None) -> Node:
    """The clean ticket (seed 001 §5) from the escalation's checklist answers."""
    a = esc.answers
    sev = a.severity
    blocks: list[Node] = [heading("Problem statement"), paragraph(text(a.problem or "—"))]
    if a.background:
        blocks.append(paragraph(text(a.background)))
    impact = [labelled("Severity", f"{sev.value} — {sev.meaning}" if sev else "not set"),
              labelled("Affected users", a.affected_users or "unknown"),
              labelled("Customer", f"{a.customer or '—'}"
                       + (f" ({a.tier.label})" if a.tier else "")),
              labelled("Target level", f"{esc.decision.target.label} — {esc.decision.reason}")]
    if a.first_reported_at:
        impact.append(labelled("First reported", fmt_utc(a.first_reported_at)))
    impact.append(labelled("Escalated", fmt_utc(esc.created_at)))
    if a.signals:
        impact.append(labelled("Signals", ", ".join(s.label for s in a.signals)))
    blocks += [heading("Impact"), bullet_list(impact)]

    steps = repro_steps(a.repro_steps)
    blocks.append(heading("Reproduction steps"))
    blocks.append(ordered_list(steps) if steps else paragraph(text("Not reproduced yet.")))
    blocks += [heading("Expected vs actual"),
               bullet_list([labelled("Expected", a.expected or "—"),
                            labelled("Actual", a.actual or "—")])]

    env = [labelled("Environment", a.environment.value if a.environment else "—"),
           labelled("Version / build", a.build_version or "—")]
    if a.feature_flags:
        env.append(labelled("Feature flags", a.feature_flags))
    if a.region:
        env.append(labelled("Region", a.region))
    blocks += [heading("Environment and versions"), bullet_list(env)]
    if a.workflow:
        blocks += [heading("Workflow"), paragraph(text(a.workflow))]
    blocks.append(heading("Logs"))
    blocks.append(code_block(a.logs) if a.logs else paragraph(text("No logs attached.")))
    links = linked_ticket_items(a.evidence_links)
    if links:
        blocks += [heading("Screenshots, video and other evidence"),
                   bullet_list([[_maybe_link(item)] for item in links])]

    handoff = [labelled("Tried", a.tried or "—"), labelled("Blocker", a.blocker or "—"),
               labelled("Hypothesis", a.hypothesis or "—"),
               labelled("Asks of Engineering", a.asks or "—")]
    if a.workaround:
        handoff.append(labelled("Workaround", a.workaround.label))
    if a.deadline:
        handoff.append(labelled("Deadline", a.deadline))
    blocks += [heading("What support tried"), bullet_list(handoff)]

    tickets = linked_ticket_items(a.linked_tickets)
    blocks.append(heading("Linked Zendesk tickets"))
    blocks.append(bullet_list([[_maybe_link(t)] for t in tickets]) if tickets
                  else paragraph(text("None.")))
    owner = [labelled("Escalation", esc.public_id)]
    if esc.owner:
        owner.append(labelled("Owner (Slack)", esc.owner))
    if permalink:
        owner.append([text("Slack packet: ", STRONG), text(permalink, link_mark(permalink))])
    blocks += [heading("Ownership"), bullet_list(owner)]
    return doc(*blocks)


def _maybe_link(item: str) -> Node:
    if item.startswith(("http://", "https://")):
        return text(item, link_mark(item))
    return text(item)


def issue_fields(esc: Escalation, settings: TicketSettings, *,
                 permalink: str | None = None) -> dict[str, Any]:
    """The ``fields`` of ``POST /rest/api/3/issue`` for this escalation."""
    labels = list(dict.fromkeys([*settings.labels, id_label(esc)]))
    fields: dict[str, Any] = {
        "project": {"key": settings.project},
        "issuetype": {"name": settings.issue_type},
        "summary": summary(esc),
        "description": description(esc, permalink=permalink),
        "labels": labels,
    }
    if settings.severity_field and esc.answers.severity:
        fields[settings.severity_field] = {"value": esc.answers.severity.value}
    count = esc.answers.affected_users_count()
    if settings.affected_users_field and count is not None:
        fields[settings.affected_users_field] = count
    fields.update(settings.extra_fields)
    return fields
