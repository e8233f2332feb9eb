"""The leads' reports as one model: this period, the previous one, the change, the targets.

The weekly digest, ``escalation-bot report …`` and ``/escalation report …`` all build a
:class:`Report` here from two :class:`~core.report_data.PeriodFigures` (aggregated by the
database) and the policy; renderers (Markdown, JSON, CSV, Block Kit, charts) only format it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from core.model import Severity
from core.people import is_user_id, shown
from core.period import Period
from core.policy import Policy
from core.report_data import PeriodFigures, Spread
from core.report_model import Figure, Section, Table, Unit, duration_text
from core.report_people import overloaded, promises, utilization
from core.timefmt import utc

# Seed 002: "if four of five say yes, it's working".
HANDOFF_GOAL = 0.8
OLDEST_OPEN = 5

# Re-exported: renderers and tests import the model from here.
__all__ = ["Figure", "Report", "ReportKind", "Section", "Table", "Unit", "build",
           "duration_text", "overloaded"]


class ReportKind(StrEnum):
    DIGEST = "digest"
    UTILIZATION = "utilization"
    DEFLECTION = "deflection"
    HANDOFF = "handoff"


SECTIONS: Mapping[ReportKind, tuple[str, ...]] = {
    ReportKind.DIGEST: ("volume", "speed", "promises", "handoff", "failures", "utilization",
                        "deflection"),
    ReportKind.UTILIZATION: ("utilization",),
    ReportKind.DEFLECTION: ("deflection", "failures"),
    ReportKind.HANDOFF: ("handoff", "failures"),
}


@dataclass(frozen=True)
class Report:
    kind: ReportKind
    title: str
    period: Period
    previous: Period
    generated_at: datetime
    domain: str | None
    sections: tuple[Section, ...] = field(default=())
    # Display names of the people in the tables (user id → name), from the bot's cache; a
    # user id missing here is shown as the id.
    names: Mapping[str, str] = field(default_factory=dict)

    def name(self, user_id: str) -> str:
        return shown(user_id, self.names)

    def user_ids(self) -> set[str]:
        """Every user id in the tables' user columns ("unclaimed" and the like are not)."""
        return {row[i] for s in self.sections for t in s.tables for row in t.rows
                for i in t.user_columns if i < len(row) and is_user_id(row[i])}

    def with_names(self, names: Mapping[str, str]) -> Report:
        return replace(self, names=dict(names))

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def figure(self, key: str) -> Figure | None:
        for section in self.sections:
            for fig in section.figures:
                if fig.key == key:
                    return fig
        return None


# ------------------------------------------------------------------------------ building


def build(kind: ReportKind, *, this: PeriodFigures, last: PeriodFigures, period: Period,
          policy: Policy, generated_at: datetime, domain: str | None = None) -> Report:
    builders = {
        "volume": _volume, "speed": _speed, "handoff": _handoff, "failures": _failures,
        "promises": promises, "utilization": utilization, "deflection": _deflection,
    }
    sections = tuple(builders[key](this, last, period, policy) for key in SECTIONS[kind])
    scope = f" — {domain}" if domain else ""
    # Not the same words as a section's heading (Markdown: no two headings alike).
    titles = {ReportKind.DIGEST: "Weekly escalation digest",
              ReportKind.UTILIZATION: "Specialist utilization report",
              ReportKind.DEFLECTION: "Deflection report",
              ReportKind.HANDOFF: "Handoff quality report"}
    return Report(kind=kind, title=titles[kind] + scope, period=period,
                  previous=period.previous(), generated_at=utc(generated_at), domain=domain,
                  sections=sections)


def _severities() -> list[str]:
    return [s.value for s in Severity]


def _volume(this: PeriodFigures, last: PeriodFigures, period: Period, policy: Policy
            ) -> Section:
    figures: list[Figure] = []
    for attr, label in (("opened", "Opened"), ("resolved", "Resolved"),
                        ("open_at_end", "Still open at the end")):
        figures.append(Figure(f"volume.{attr}", label,
                              sum(getattr(c, attr) for c in this.volume),
                              sum(getattr(c, attr) for c in last.volume), lower_is_better=False))
    for sev in _severities():
        for attr, label in (("opened", "opened"), ("resolved", "resolved"),
                            ("open_at_end", "still open")):
            this_n = sum(getattr(c, attr) for c in this.volume if c.severity == sev)
            last_n = sum(getattr(c, attr) for c in last.volume if c.severity == sev)
            if this_n or last_n:
                figures.append(Figure(f"volume.{attr}.{sev}", f"{sev} {label}", this_n,
                                      last_n, lower_is_better=False))
    by_domain = Table(
        "by_domain", "By domain (previous period in brackets)",
        ("Domain", "Opened", "Resolved", "Still open"),
        tuple((dom, *(f"{sum(getattr(c, a) for c in this.volume if c.domain == dom)} "
                      f"({sum(getattr(c, a) for c in last.volume if c.domain == dom)})"
                      for a in ("opened", "resolved", "open_at_end")))
              for dom in sorted({c.domain for c in this.volume}
                                | {c.domain for c in last.volume})),
        empty="No escalations in either period.")
    oldest = Table(
        "oldest_open", "Oldest open escalations",
        ("Escalation", "Domain", "SEV", "Owner", "Age"),
        tuple((f"ESC-{o.id}", o.domain, o.severity, o.owner or "unclaimed",
               duration_text((period.end - utc(o.created_at)).total_seconds()))
              for o in sorted(this.oldest_open, key=lambda o: (o.created_at, o.id))
              [:OLDEST_OPEN]),
        empty="Nothing is open.", user_columns=(3,))
    return Section("volume", "Volume", tuple(figures), (by_domain, oldest))


def _spread_figures(metric: str, label: str, this: Sequence[Spread], last: Sequence[Spread],
                    targets: Mapping[str, float | None]) -> list[Figure]:
    out: list[Figure] = []
    mine = {s.group: s for s in this}
    theirs = {s.group: s for s in last}
    for sev in _severities():
        a, b = mine.get(sev), theirs.get(sev)
        if a is None and b is None:
            continue
        target = targets.get(sev)
        out.append(Figure(f"speed.{metric}.{sev}.median", f"{sev} {label}, median",
                          a.p50 if a else None, b.p50 if b else None, Unit.SECONDS, target))
        out.append(Figure(f"speed.{metric}.{sev}.p90", f"{sev} {label}, p90",
                          a.p90 if a else None, b.p90 if b else None, Unit.SECONDS, target))
        if target is not None:
            out.append(Figure(f"speed.{metric}.{sev}.breached", f"{sev} {label}, over target",
                              a.breached if a else 0, b.breached if b else 0, target=0))
    return out


def claim_targets(policy: Policy) -> dict[str, float | None]:
    return {s.value: policy.for_severity(s).ack_deadline.total_seconds() for s in Severity}


def _speed(this: PeriodFigures, last: PeriodFigures, period: Period, policy: Policy
           ) -> Section:
    targets = claim_targets(policy)
    figures = (_spread_figures("claim", "time to claim", this.claim, last.claim, targets)
               + _spread_figures("accept", "time to accept", this.accept, last.accept, {})
               + _spread_figures("resolve", "escalation to resolution", this.resolve,
                                 last.resolve, {}))
    notes = ("Targets: time to claim within the SEV's acknowledgment deadline "
             + ", ".join(f"{s.value} {duration_text(targets[s.value])}" for s in Severity)
             + ". Percentiles are nearest-rank.",)
    return Section("speed", "Speed against the promise", tuple(figures), (), notes)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _handoff(this: PeriodFigures, last: PeriodFigures, period: Period, policy: Policy
             ) -> Section:
    a, b = this.handoff, last.handoff
    rated_a, rated_b = a.yes + a.partly + a.had_to_ask, b.yes + b.partly + b.had_to_ask
    figures = (
        Figure("handoff.knew_first_move", "Receivers who knew their first move",
               _ratio(a.yes, rated_a), _ratio(b.yes, rated_b), Unit.RATIO, HANDOFF_GOAL,
               lower_is_better=False),
        Figure("handoff.rated", "Handoffs rated", rated_a, rated_b, lower_is_better=False),
        Figure("handoff.yes", "Rated yes", a.yes, b.yes, lower_is_better=False),
        Figure("handoff.partly", "Rated partly", a.partly, b.partly),
        Figure("handoff.had_to_ask", "Rated had to ask", a.had_to_ask, b.had_to_ask),
        Figure("handoff.bounces_per_escalation", "Needs-info bounces per escalation",
               _ratio(a.bounces, a.escalations), _ratio(b.bounces, b.escalations)),
    )
    weak = Table("weak_items", "Checklist items most often weak at submit",
                 ("Item", "Escalations"), tuple((k, str(n)) for k, n in a.weak_items[:5]))
    notes = ("Goal: four of five receivers say the handoff told them their first move "
             "(seed 002).",)
    return Section("handoff", "Handoff quality", figures, (weak,), notes)


def _failures(this: PeriodFigures, last: PeriodFigures, period: Period, policy: Policy
              ) -> Section:
    a, b = this.failures, last.failures
    rows = (
        ("over_escalated", "Over-escalation: resolved as how-to, user error, documentation "
                           "gap or known issue"),
        ("under_escalated", "Under-escalation: escalated after the SEV's queue threshold"),
        ("severity_raised", "Under-escalation: severity raised after escalation"),
        ("bounced", "Without context: bounced back for information"),
        ("had_to_ask", "Without context: receiver had to ask"),
        ("unclaimed_past_deadline", "Without ownership: unclaimed past the deadline"),
        ("stale_handoffs", "Without ownership: handoffs pending over a day"),
    )
    figures = tuple(Figure(f"failures.{key}", label, getattr(a, key), getattr(b, key))
                    for key, label in rows)
    return Section("failures", "Failure modes", figures)


def _deflection(this: PeriodFigures, last: PeriodFigures, period: Period, policy: Policy
                ) -> Section:
    ranked = sorted(this.opportunities, key=lambda o: (-o.count, o.category, o.root_cause))
    rows = tuple((o.category, o.root_cause, str(o.count),
                  ", ".join(f"ESC-{i}" for i in o.escalations[:10])
                  + (" …" if len(o.escalations) > 10 else ""),
                  " / ".join(o.takeaways[:3]), "fix" if o.has_article else "write")
                 for o in ranked)
    table = Table("opportunities", "Knowledge-base articles to write or fix",
                  ("Category", "Root cause", "Count", "Escalations", "L1 takeaways", "Article"),
                  rows, empty="No resolved escalation points at a missing article.")
    now, before = this.deflection, last.deflection
    figures = (
        Figure("deflection.opportunities", "Resolved escalations L1 could have solved",
               sum(o.count for o in this.opportunities),
               sum(o.count for o in last.opportunities)),
        Figure("deflection.shown", "Intakes shown similar cases or articles", now.shown,
               before.shown, lower_is_better=False),
        Figure("deflection.escalated_anyway", "… escalated anyway", now.went_on,
               before.went_on),
        Figure("deflection.not_escalated", "… not escalated (possible deflections)",
               now.not_escalated, before.not_escalated, lower_is_better=False),
    )
    suggested = Table(
        "suggested", "Suggested most at intake",
        ("Suggested", "Title", "Shown", "Escalated anyway"),
        tuple((_suggested_label(s.kind, s.ref_id), _clip(s.title, 80), str(s.shown),
               str(s.went_on)) for s in now.suggested),
        empty="No intake was shown a suggestion.")
    notes = ("Suggested at intake: the /escalate readiness step showed approved articles or "
             "recently resolved escalations like the case; not escalated counts the intakes "
             "that have not been submitted (yet).",)
    return Section("deflection", "Deflection opportunities", figures, (table, suggested),
                   notes)


def _suggested_label(kind: str, ref_id: int) -> str:
    return f"KB-{ref_id}" if kind == "article" else f"ESC-{ref_id}"


def _clip(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"

