"""One Markdown document with seed 003's deliverables for an escalation (a pure renderer).

Incident Timeline Table (one row for the customer's first report, then one row per audit
event — the table *is* the audit trail), Reproduction Recipe checklist, Handoff Packet (the
escalation packet skeleton filled), Status Update Drafts (every update's customer-safe
draft), and the resolution when there is one. Times are UTC. User text is escaped so it
cannot break the document's structure; the output passes markdownlint's rules (the tests
lint it with pymarkdownlnt).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from core.checklist import split_items
from core.model import Escalation
from core.progress import StatusUpdate
from core.timefmt import fmt_utc, utc
from core.timeline import Event, entry

_URL = re.compile(r"https?://[^\s<>|`]+")
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
_USER_MENTION = re.compile(r"<@([A-Z0-9]+)>")
_MENTION = re.compile(r"<@([A-Z0-9]+)>|<!subteam\^([A-Z0-9]+)>|<#([A-Z0-9]+)>")


@dataclass(frozen=True)
class ReproductionNote:
    at: datetime
    by: str
    reproduced: bool
    notes: str
    environment: str


@dataclass(frozen=True)
class Resolution:
    at: datetime
    by: str
    category_label: str
    root_cause: str
    fix_version: str | None
    validation_notes: str | None
    l1_takeaway: str
    kb_warranted: bool


@dataclass(frozen=True)
class ExportFacts:
    esc: Escalation
    events: tuple[Event, ...]
    updates: tuple[StatusUpdate, ...] = ()
    reproductions: tuple[ReproductionNote, ...] = ()
    resolution: Resolution | None = None
    # Display names of the people in it (user id → name, the bot's cache): a Markdown file
    # cannot show a Slack mention, so people are "@Dana Scully"; "@U0SPEC031" when unknown.
    names: Mapping[str, str] = field(default_factory=dict)

    def people(self) -> set[str]:
        """Every user id the document names (actors, owner, authors, mentions in lines)."""
        found = {self.esc.owner, self.esc.requester,
                 *(e.actor for e in self.events), *(r.by for r in self.reproductions),
                 *(u.author for u in self.updates),
                 self.resolution.by if self.resolution else None}
        for event in self.events:
            found.update(m.group(1) for m in _USER_MENTION.finditer(entry(event).headline))
        return {u for u in found if u and u != "bot"}


def md(text: str) -> str:
    """User text as inline Markdown: special characters escaped, URLs as autolinks."""
    out: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        out.append(_SPECIAL.sub(r"\\\1", text[last:match.start()]))
        url = match.group(0).rstrip(".,;:)")
        out.append(f"<{url}>")
        last = match.start() + len(url)
    out.append(_SPECIAL.sub(r"\\\1", text[last:]))
    return " ".join("".join(out).split())


def _cell(text: str) -> str:
    return md(text) or "—"


def _plain_mrkdwn(text: str, names: Mapping[str, str]) -> str:
    """A trusted mrkdwn headline as Markdown: user mentions become @names (the id when no
    name is known; a name is escaped like any user text), groups and channels @ids, and
    *bold* stays."""
    out: list[str] = []
    last = 0
    for match in _USER_MENTION.finditer(text):
        out.append(_plain_text(text[last:match.start()]))
        out.append(_who(match.group(1), names))
        last = match.end()
    out.append(_plain_text(text[last:]))
    return "".join(out)


def _mention_text(match: re.Match[str]) -> str:
    user, group, channel = match.groups()
    return f"@{user}" if user else (f"@group-{group}" if group else f"#{channel}")


def _plain_text(text: str) -> str:
    text = _MENTION.sub(_mention_text, text)
    return _SPECIAL.sub(lambda m: "" if m.group(1) == "*" else "\\" + m.group(1), text)


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else text + "."


def _iso(moment: datetime) -> str:
    return utc(moment).strftime("%Y-%m-%dT%H:%MZ")


def _who(user: str | None, names: Mapping[str, str]) -> str:
    """"@Dana Scully" (escaped), "@U0SPEC031" when no name is known, "bot" for the bot."""
    if user is None or user in ("", "bot"):
        return "bot"
    return "@" + md(names.get(user) or user)


def timeline_rows(facts: ExportFacts) -> list[tuple[str, str, str, str]]:
    """(milestone, timestamp, owner, notes): detection, then one row per audit event."""
    esc = facts.esc
    rows: list[tuple[str, str, str, str]] = []
    first = esc.answers.first_reported_at
    if first is not None:
        rows.append(("Detection", _iso(first), "Customer report",
                     f"First reported by {md(esc.answers.customer or 'the customer')}"))
    for event in facts.events:
        line = entry(event)
        notes = _plain_mrkdwn(line.headline, facts.names)
        for label, quote in line.quotes:
            notes += f"; {label}: {md(quote)}"
        rows.append((line.milestone, _iso(event.at), _who(event.actor, facts.names), notes))
    return rows


def _table(facts: ExportFacts) -> list[str]:
    lines = ["| Milestone | Timestamp (UTC) | Owner | Notes |",
             "| --- | --- | --- | --- |"]
    for milestone, at, owner, notes in timeline_rows(facts):
        lines.append(f"| {milestone} | {at} | {owner} | {notes or '—'} |")
    return lines


def _steps(text: str) -> list[str]:
    steps = [re.sub(r"^\s*(?:\d+[.)]|[-*•])\s*", "", s) for s in text.splitlines()]
    return [s for s in steps if s.strip()]


def _recipe(facts: ExportFacts) -> list[str]:
    a = facts.esc.answers
    env = a.environment.value if a.environment else "unknown"
    lines = [f"- [ ] Env: `{env}` build {_cell(a.build_version or 'unknown')}"]
    if a.feature_flags:
        lines.append(f"- [ ] Flags: {md(a.feature_flags)}")
    if a.region:
        lines.append(f"- [ ] Region / cluster: {md(a.region)}")
    if a.workflow:
        lines.append(f"- [ ] Data / workflow: {md(a.workflow)}")
    lines.append("- [ ] Steps:")
    for n, step in enumerate(_steps(a.repro_steps or "") or ["(none given)"], 1):
        lines.append(f"  {n}. {md(step)}")
    lines.append(f"- [ ] Expected: {_cell(a.expected or '')}")
    lines.append(f"- [ ] Actual: {_cell(a.actual or '')}")
    links = split_items(a.evidence_links or "")
    lines.append("- [ ] Evidence: " + (", ".join(f"<{u}>" for u in links) if links
                                       else "logs in the handoff packet"))
    for note in facts.reproductions:
        mark = "x" if note.reproduced else " "
        said = "Reproduced" if note.reproduced else "Could not reproduce"
        lines.append(f"- [{mark}] {said} by {_who(note.by, facts.names)} at {_iso(note.at)} on "
                     f"{md(note.environment)}: {md(note.notes)}")
    return lines


def _packet(facts: ExportFacts) -> list[str]:
    esc = facts.esc
    a = esc.answers
    p = esc.progress
    users = p.total_affected_users if p.total_affected_users is not None \
        else a.affected_users_count() or 0
    owner = f"owned by {_who(esc.owner, facts.names)}" if esc.owner else "unclaimed"
    summary = (f"{esc.severity.value}, {users:,} users at {md(a.customer or '?')}: "
               f"{_sentence(md(a.problem or ''))} Status: {esc.state.label.lower()}, "
               f"{owner}, {esc.level.label}.")
    impact = [f"{users:,} affected users", f"tier {a.tier.label if a.tier else '?'}"]
    if a.signals:
        impact.append("signals: " + ", ".join(s.label.lower() for s in a.signals))
    if p.merged_ids:
        impact.append("merged duplicates: " + ", ".join(f"ESC-{i}" for i in p.merged_ids))
    tickets = p.linked_tickets or tuple(split_items(a.linked_tickets or ""))
    if tickets:
        impact.append("linked tickets: " + ", ".join(md(t) for t in tickets))
    mitigation = md(a.tried or "")
    if a.workaround:
        mitigation += f" Workaround: {a.workaround.label.lower()}."
    risks = [md(a.blocker or "").rstrip(".")]
    if a.deadline:
        risks.append(f"customer deadline {md(a.deadline)}")
    if a.renewal_at_stake:
        risks.append("renewal at stake")
    if a.posture:
        risks.append(md(a.posture).rstrip("."))
    due = p.next_update_due
    next_due = f"{_iso(due)} ({_who(esc.owner, facts.names)})" if due else "none owed in this state"
    lines = [
        f"- **Summary:** {summary}",
        f"- **Impact & Telemetry:** {'; '.join(impact)}.",
        f"- **Reproduction Steps:** see the Reproduction Recipe; "
        f"logs: {_cell(a.logs or 'none attached')}",
        f"- **Mitigation Attempts:** {mitigation or '—'}",
        f"- **Risks & Blocking Constraints:** {'; '.join(r for r in risks if r) or '—'}.",
        f"- **Asks for Engineering:** {_cell(a.asks or '')}",
        f"- **Next-move hypothesis:** {_cell(a.hypothesis or '')}",
        f"- **Next Update Due:** {next_due}",
    ]
    if p.fix_eta:
        lines.append(f"- **Fix ETA:** {_iso(p.fix_eta)}")
    return lines


def _drafts(facts: ExportFacts) -> list[str]:
    if not facts.updates:
        return ["No status updates yet."]
    lines: list[str] = []
    for n, update in enumerate(facts.updates, 1):
        d = update.draft
        if lines:
            lines.append("")
        lines += [f"### Update {n}: {_iso(update.at)} by {_who(update.author, facts.names)}", "",
                  f"- **Audience:** {d.audience}", f"- **Channel:** {d.channel}",
                  f"- **Summary:** {md(d.summary)}", "- **Details:**"]
        lines += [f"  - {md(detail)}" for detail in d.details]
        nxt = _iso(d.next_update) if d.next_update else "when there is news"
        lines.append(f"- **Next Update:** {nxt}")
    return lines


def _resolution(res: Resolution, names: Mapping[str, str]) -> list[str]:
    return [
        f"- **Resolved:** {_iso(res.at)} by {_who(res.by, names)}",
        f"- **Category:** {res.category_label}",
        f"- **Root cause:** {md(res.root_cause)}",
        f"- **Fix version / change:** {_cell(res.fix_version or '')}",
        f"- **Post-fix validation:** {_cell(res.validation_notes or '')}",
        f"- **L1 takeaway:** {md(res.l1_takeaway)}",
        f"- **Knowledge-base article warranted:** {'yes' if res.kb_warranted else 'no'}",
    ]


def render(facts: ExportFacts, *, now: datetime) -> str:
    esc = facts.esc
    title = f"# {esc.public_id}: {md(esc.answers.problem or '')}"
    parts = [title, "",
             f"{esc.severity.value} · {md(esc.domain.name)} · {esc.state.label} · "
             f"exported {fmt_utc(now)}. All times are UTC.", "",
             "## Incident Timeline", "", *_table(facts), "",
             "## Reproduction Recipe", "", *_recipe(facts), "",
             "## Handoff Packet", "", *_packet(facts), "",
             "## Status Update Drafts", "", *_drafts(facts), ""]
    if facts.resolution is not None:
        parts += ["## Resolution", "", *_resolution(facts.resolution, facts.names), ""]
    return "\n".join(parts)
