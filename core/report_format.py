"""A :class:`~core.report.Report` as Markdown, JSON or CSV (the same figures everywhere).

* Markdown: headings, one figures table per section, then the section's lists; it lints clean
  (``pymarkdownlnt`` in the tests). User text is escaped so it cannot break a table.
* JSON: stable for scripts — sorted keys, durations in seconds, ratios 0…1, ISO 8601 UTC.
* CSV: the figures, one per line, then every table cell, one per line (spreadsheets).

People: a table column of Slack user ids (``Table.user_columns``) shows the cached display
name in Markdown and CSV (the id when no name is known); JSON keeps the id where it was and
adds a "… name" column at the end of the row (null when unknown), so scripts keep working.
"""

from __future__ import annotations

import csv
import io
import json
import re
import textwrap
from typing import Any

from core.period import Period
from core.report import Figure, Report, Table, Unit, duration_text
from core.timefmt import fmt_utc, utc


def value_text(value: float | None, unit: Unit) -> str:
    if value is None:
        return "—"
    if unit is Unit.SECONDS:
        return duration_text(value)
    if unit is Unit.RATIO:
        return f"{value:.0%}"
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def change_text(fig: Figure) -> str:
    change = fig.change
    if change is None:
        return "—"
    if change == 0:
        return "±0"
    sign = "+" if change > 0 else "−"
    if fig.unit is Unit.SECONDS:
        return sign + duration_text(abs(change))
    if fig.unit is Unit.RATIO:
        return f"{sign}{abs(change) * 100:.0f} pts"
    return sign + value_text(abs(change), fig.unit)


def target_text(fig: Figure) -> str:
    if fig.target is None:
        return "—"
    mark = {True: "met", False: "missed", None: ""}[fig.target_met]
    bound = "≤" if fig.lower_is_better else "≥"
    return f"{bound} {value_text(fig.target, fig.unit)} {mark}".strip()


# ------------------------------------------------------------------------------- Markdown

MD_WIDTH = 80  # prose lines (tables cannot wrap; the linter is told so)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md_cell(text: str) -> str:
    """One table cell: single line, Markdown and HTML specials escaped."""
    flat = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", flat) or "—"


def _md_table(header: tuple[str, ...], rows: list[tuple[str, ...]],
              align: tuple[str, ...] | None = None) -> list[str]:
    align = align or tuple("---" for _ in header)
    lines = ["| " + " | ".join(md_cell(h) for h in header) + " |",
             "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
    return lines


def _period_line(label: str, period: Period) -> str:
    return f"{label}: {fmt_utc(period.start)} to {fmt_utc(period.end)}"


def to_markdown(report: Report) -> str:
    out: list[str] = [f"# {md_cell(report.title)}", ""]
    out.append(_period_line("This period", report.period) + "  ")
    out.append(_period_line("Compared with", report.previous) + "  ")
    out.append(f"Generated {fmt_utc(report.generated_at)}"
               + (f" for domain {md_cell(report.domain)}" if report.domain else "") + ".")
    for section in report.sections:
        out += ["", f"## {md_cell(section.title)}", ""]
        if section.figures:
            out += _md_table(("Figure", "This period", "Previous", "Change", "Target"),
                             [(f.label, value_text(f.this, f.unit), value_text(f.last, f.unit),
                               change_text(f), target_text(f)) for f in section.figures],
                             ("---", "--:", "--:", "--:", "---"))
        for table in section.tables:
            out += ["", f"### {md_cell(table.title)}", ""]
            out += _md_table_or_empty(table, report)
        for note in section.notes:
            out += ["", *textwrap.wrap(md_cell(note), width=MD_WIDTH)]
    return "\n".join(out).replace("\n\n\n", "\n\n") + "\n"


def _md_table_or_empty(table: Table, report: Report) -> list[str]:
    if not table.rows:
        return [md_cell(table.empty)]
    return _md_table(table.columns, named_rows(table, report))


def named_rows(table: Table, report: Report) -> list[tuple[str, ...]]:
    """The table's rows with each user id in a user column replaced by the person's name."""
    if not table.user_columns:
        return list(table.rows)
    return [tuple(report.name(c) if i in table.user_columns else c for i, c in enumerate(row))
            for row in table.rows]


# ----------------------------------------------------------------------------------- JSON


def _num(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(float(value), 3)


def _period_json(period: Period) -> dict[str, str]:
    return {"start": utc(period.start).isoformat(), "end": utc(period.end).isoformat()}


def to_dict(report: Report) -> dict[str, Any]:
    return {
        "kind": report.kind.value,
        "title": report.title,
        "domain": report.domain,
        "period": _period_json(report.period),
        "previous": _period_json(report.previous),
        "generated_at": report.generated_at.isoformat(),
        "sections": [
            {
                "key": s.key,
                "title": s.title,
                "figures": [
                    {"key": f.key, "label": f.label, "unit": f.unit.value,
                     "this_period": _num(f.this), "previous_period": _num(f.last),
                     "change": _num(f.change), "target": _num(f.target),
                     "target_met": f.target_met}
                    for f in s.figures
                ],
                "tables": [_table_json(t, report) for t in s.tables],
                "notes": list(s.notes),
            }
            for s in report.sections
        ],
    }


def _table_json(table: Table, report: Report) -> dict[str, Any]:
    """Columns and rows as they were; per user column a "<column> name" column at the end."""
    extra = [i for i in table.user_columns if i < len(table.columns)]
    return {"key": table.key, "title": table.title,
            "columns": [*table.columns, *(f"{table.columns[i]} name" for i in extra)],
            "rows": [[*row, *(report.names.get(row[i]) for i in extra)]
                     for row in table.rows]}


def to_json(report: Report) -> str:
    return json.dumps(to_dict(report), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------------------------ CSV

CSV_COLUMNS = ("section", "key", "label", "unit", "this_period", "previous_period", "change",
               "target", "target_met")


def to_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for section in report.sections:
        for f in section.figures:
            writer.writerow((section.key, f.key, f.label, f.unit.value,
                             _blank(_num(f.this)), _blank(_num(f.last)), _blank(_num(f.change)),
                             _blank(_num(f.target)),
                             "" if f.target_met is None else str(f.target_met).lower()))
    for section in report.sections:
        for table in section.tables:
            for n, row in enumerate(named_rows(table, report), start=1):
                for column, cell in zip(table.columns, row, strict=False):
                    writer.writerow((section.key, f"{table.key}.{n}.{_slug(column)}",
                                     csv_text(f"{row[0]} — {column}"), "text",
                                     csv_text(cell), "", "", "", ""))
    return buffer.getvalue()


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def csv_text(text: str) -> str:
    """A text cell a spreadsheet will not run: one starting like a formula (``=``, ``+``,
    ``-``, ``@``) gets a leading apostrophe (OWASP's CSV-injection advice); numbers stay."""
    flat = " ".join(str(text).split())
    if flat.startswith(_FORMULA_START) and not _NUMBER.match(flat):
        return "'" + flat
    return flat


def _slug(column: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", column.lower()).strip("_")


def _blank(value: float | int | None) -> str:
    return "" if value is None else str(value)


FORMATS = {"markdown": to_markdown, "json": to_json, "csv": to_csv}
