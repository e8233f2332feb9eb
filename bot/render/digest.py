"""The weekly digest as one Block Kit message: the figures that matter, within Slack's limits.

The full report (every figure) goes to the message's thread as a Markdown file; the charts
follow in the channel. Built from the same :class:`~core.report.Report` as the CLI.

People are shown by their display name (escaped), not as ``<@U…>`` mentions: a mention in a
channel message notifies the person, and a weekly digest must not ping every specialist.
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.render.mrkdwn import escape, plain, truncate
from core.model import Severity
from core.report import Figure, Report, Section, Unit
from core.report_format import change_text, value_text
from core.timefmt import fmt_utc

METADATA_EVENT = "escalation_digest"
SECTION_TEXT_MAX = 3000
HEADER_MAX = 150
TOP = 5


@dataclass(frozen=True)
class RenderedDigest:
    text: str  # the notification / fallback text
    blocks: list[Block]


def _fig(report: Report, key: str) -> Figure | None:
    return report.figure(key)


def _line(fig: Figure | None, *, label: str | None = None) -> str | None:
    if fig is None:
        return None
    target = ""
    if fig.target is not None and fig.target_met is not None:
        target = (f" :white_check_mark: target {value_text(fig.target, fig.unit)}"
                  if fig.target_met else
                  f" :warning: target {value_text(fig.target, fig.unit)}")
    return (f"{label or fig.label}: *{value_text(fig.this, fig.unit)}* "
            f"({change_text(fig)} vs {value_text(fig.last, fig.unit)}){target}")


def _volume(report: Report, section: Section) -> list[str]:
    lines = [_line(_fig(report, k)) for k in ("volume.opened", "volume.resolved",
                                              "volume.open_at_end")]
    per_sev = []
    for sev in Severity:
        fig = _fig(report, f"volume.opened.{sev.value}")
        if fig is not None and fig.this:
            per_sev.append(f"{sev.value} {value_text(fig.this, fig.unit)}")
    if per_sev:
        lines.append("Opened by SEV: " + " · ".join(per_sev))
    oldest = next((t for t in section.tables if t.key == "oldest_open"), None)
    if oldest and oldest.rows:
        lines.append("Oldest open: " + "; ".join(
            f"{r[0]} ({escape(r[1])}, {r[2]}, "
            f"{plain(report.name(r[3]))}, {r[4]})"
            for r in oldest.rows[:3]))
    return [x for x in lines if x]


def _speed(report: Report, section: Section) -> list[str]:
    lines = []
    for sev in Severity:
        median = _fig(report, f"speed.claim.{sev.value}.median")
        p90 = _fig(report, f"speed.claim.{sev.value}.p90")
        over = _fig(report, f"speed.claim.{sev.value}.breached")
        if median is None or median.this is None or p90 is None:
            continue
        mark = ":white_check_mark:" if p90.target_met else ":warning:"
        target = value_text(median.target, Unit.SECONDS) if median.target else "—"
        lines.append(f"{sev.value} time to claim: median *{value_text(median.this, Unit.SECONDS)}*"
                     f", p90 *{value_text(p90.this, Unit.SECONDS)}* {mark} target {target}"
                     + (f", {value_text(over.this, Unit.COUNT)} over" if over and over.this
                        else ""))
        resolve = _fig(report, f"speed.resolve.{sev.value}.median")
        if resolve is not None and resolve.this is not None:
            lines[-1] += f"; to resolution median {value_text(resolve.this, Unit.SECONDS)}"
    return lines or ["Nothing was claimed in this period."]


def _handoff(report: Report, section: Section) -> list[str]:
    lines = [_line(_fig(report, "handoff.knew_first_move"),
                   label="Receivers who knew their first move (goal 4 in 5)"),
             _line(_fig(report, "handoff.bounces_per_escalation"))]
    weak = next((t for t in section.tables if t.key == "weak_items"), None)
    if weak and weak.rows:
        lines.append("Most often weak at submit: " + ", ".join(
            f"{escape(r[0])} ({r[1]})" for r in weak.rows[:3]))
    return [x for x in lines if x]


def _failures(report: Report, section: Section) -> list[str]:
    lines = [_line(f) for f in section.figures if (f.this or f.last)]
    return [x for x in lines if x] or ["None in this period or the one before."]


def _per_sev(section: Section, key: str) -> str | None:
    table = next((t for t in section.tables if t.key == key), None)
    per_sev = [f"{r[0]} {r[1]}/{r[2]}" for r in table.rows] if table else []
    return "On time / due by SEV: " + " · ".join(per_sev) if per_sev else None


def _per_agent(report: Report, section: Section) -> str | None:
    table = next((t for t in section.tables if t.key == "customer_agents"), None)
    if table is None or not table.rows:
        return None
    shown = [f"{plain(report.name(r[0]))} {r[1]}/{r[2]}" for r in table.rows[:TOP]]
    more = f" …and {len(table.rows) - TOP} more" if len(table.rows) > TOP else ""
    return "By support agent: " + " · ".join(shown) + more


def _promises(report: Report, section: Section) -> list[str]:
    lines = [_line(_fig(report, "promises.updates_on_time")), _per_sev(section, "updates"),
             _line(_fig(report, "promises.customer_updates_on_time")),
             _per_sev(section, "customer_updates"), _per_agent(report, section)]
    lines += [_line(_fig(report, k)) for k in ("promises.nudges_sent", "promises.nudges_acted",
                                               "promises.returned_to_queue")]
    return [x for x in lines if x]


def _utilization(report: Report, section: Section) -> list[str]:
    table = section.tables[0] if section.tables else None
    if table is None or not table.rows:
        return ["Nobody owned an escalation."]
    lines = [x for x in (_line(_fig(report, "utilization.outside_hours")),
                         _line(_fig(report, "utilization.updates_on_time"))) if x]
    lines += [f"{plain(report.name(r[0]))} ({escape(r[1])}): {r[3]} open now, "
              f"{r[2]} owned this period, "
              f"{r[4]} h ({r[5]} outside business hours), updates on time {r[8]}"
              + (" — *overloaded*" if r[-1] == "overloaded" else "")
              for r in table.rows[:TOP]]
    if len(table.rows) > TOP:
        lines.append(f"…and {len(table.rows) - TOP} more in the full report.")
    return lines


def _deflection(report: Report, section: Section) -> list[str]:
    lines = [_line(_fig(report, "deflection.opportunities"))]
    table = section.tables[0] if section.tables else None
    if table is not None:
        for r in table.rows[:3]:
            lines.append(f"• {escape(r[0])} — {escape(r[1])}: *{r[2]}* ({escape(r[3])}); "
                         f"{r[5]} an article")
    shown = _fig(report, "deflection.shown")
    anyway = _fig(report, "deflection.escalated_anyway")
    dropped = _fig(report, "deflection.not_escalated")
    if shown is not None and anyway is not None and dropped is not None and \
            (shown.this or shown.last):
        lines.append(f"Shown suggestions at intake: *{value_text(shown.this, shown.unit)}* — "
                     f"escalated anyway *{value_text(anyway.this, anyway.unit)}*, not escalated "
                     f"*{value_text(dropped.this, dropped.unit)}*")
    return [x for x in lines if x]


_RENDER = {"volume": _volume, "speed": _speed, "promises": _promises, "handoff": _handoff,
           "failures": _failures,
           "utilization": _utilization, "deflection": _deflection}


def digest_message(report: Report, *, late_note: str | None = None) -> RenderedDigest:
    blocks: list[Block] = [
        HeaderBlock(text=truncate(report.title, HEADER_MAX)),
        ContextBlock(elements=[MarkdownTextObject(
            text=f"{fmt_utc(report.period.start)} – {fmt_utc(report.period.end)}, compared "
                 "with the week before. Charts follow; the full report is in the thread.")]),
    ]
    if late_note:
        blocks.append(SectionBlock(text=MarkdownTextObject(
            text=f":hourglass_flowing_sand: {escape(late_note)}")))
    for section in report.sections:
        lines = _RENDER[section.key](report, section)
        body = f"*{section.title}*\n" + "\n".join(lines)
        blocks += [DividerBlock(), SectionBlock(text=MarkdownTextObject(
            text=truncate(body, SECTION_TEXT_MAX)))]
    opened = _fig(report, "volume.opened")
    resolved = _fig(report, "volume.resolved")
    still = _fig(report, "volume.open_at_end")
    summary = ", ".join(
        f"{value_text(f.this, f.unit)} {word}" for f, word in
        ((opened, "opened"), (resolved, "resolved"), (still, "still open")) if f is not None)
    text = (f"{'(late) ' if late_note else ''}{report.title}, "
            f"{fmt_utc(report.period.start)} – {fmt_utc(report.period.end)}: {summary}")
    return RenderedDigest(text=text, blocks=blocks)


def metadata(key: str) -> dict[str, object]:
    return {"event_type": METADATA_EVENT, "event_payload": {"key": key}}
