"""The digest's charts as one PNG (matplotlib's Agg canvas, imported only when drawing).

Three panels: opened vs resolved per week for the last 8 weeks; time to claim and to resolve
per SEV against the target; open escalations per specialist (by display name: a PNG cannot
show a Slack mention). Colours are the Okabe–Ito
palette (safe for the common colour-vision deficiencies); every panel has a title, axis labels
with units, and dates in UTC.
"""

from __future__ import annotations

import io
from typing import Any

from core.model import Severity
from core.report import Report
from core.report_data import WeeklySeries

# Okabe & Ito (2008): distinguishable with protanopia, deuteranopia and tritanopia.
BLUE, ORANGE, GREEN, VERMILLION, SKY, GREY = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#7F7F7F")
WIDTH_PX, HEIGHT_PX, DPI = 1200, 1350, 100
MAX_PEOPLE = 15
# A specialist's label is "name (domain)" left of the bars, at a smaller size: names and
# domains are cut to fit the margin (checked by eye on a rendered chart).
NAME_CHARS = 18
DOMAIN_CHARS = 10
LABEL_SIZE = 9
# Titles at a fixed height: left to itself matplotlib measures every tick label of an axes
# to place its title (a third of the drawing time); nothing is drawn above the axes here.
TITLE_Y = 1.0


def _figure() -> Any:
    """A figure on the Agg canvas, without pyplot (no global state, a faster import)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def digest_png(report: Report, series: WeeklySeries | None) -> bytes:
    """The charts of ``report`` as PNG bytes (1200 × 1350 px)."""
    fig = _figure()
    axes = fig.subplots(3, 1)
    fig.suptitle(f"{report.title} — {report.period.label}", fontsize=12)
    _weekly(axes[0], series)
    _speed(axes[1], report)
    _load(axes[2], report)
    # Fixed margins: tight_layout would draw the figure once more just to measure it.
    fig.subplots_adjust(left=0.17, right=0.98, top=0.93, bottom=0.05, hspace=0.42)
    out = io.BytesIO()
    # Light compression: a few more kilobytes, a third of the encoding time.
    fig.savefig(out, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    return out.getvalue()


def _weekly(ax: Any, series: WeeklySeries | None) -> None:
    ax.set_title("Escalations opened vs resolved per week", y=TITLE_Y)
    ax.set_ylabel("escalations per week")
    ax.set_xlabel("week starting (UTC)")
    if series is None or not series.week_starts:
        ax.text(0.5, 0.5, "no weekly series", ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        return
    xs = list(range(len(series.week_starts)))
    ax.bar([x - 0.2 for x in xs], series.opened, width=0.4, color=BLUE, label="opened")
    ax.bar([x + 0.2 for x in xs], series.resolved, width=0.4, color=ORANGE, label="resolved")
    ax.set_xticks(xs, [w.strftime("%d %b") for w in series.week_starts])
    ax.legend(loc="upper left")
    ax.yaxis.set_major_locator(_integer_ticks())
    ax.grid(axis="y", alpha=0.3)


def _speed(ax: Any, report: Report) -> None:
    ax.set_title("Time to claim and to resolve per SEV (median, p90; target ◆)", y=TITLE_Y)
    ax.set_ylabel("hours (log scale)")
    ax.set_xlabel("severity")
    sevs = [s.value for s in Severity]
    xs = list(range(len(sevs)))

    def hours(key: str) -> list[float]:
        out = []
        for sev in sevs:
            fig = report.figure(key.format(sev=sev))
            out.append((fig.this or 0) / 3600 if fig is not None else 0)
        return out

    bars = [("speed.claim.{sev}.median", -0.3, BLUE, "claim, median"),
            ("speed.claim.{sev}.p90", -0.1, SKY, "claim, p90"),
            ("speed.resolve.{sev}.median", 0.1, GREEN, "resolve, median"),
            ("speed.resolve.{sev}.p90", 0.3, ORANGE, "resolve, p90")]
    plotted: list[float] = []
    for key, offset, colour, label in bars:
        values = hours(key)
        plotted += [v for v in values if v > 0]
        ax.bar([x + offset for x in xs], values, width=0.2, color=colour, label=label)
    ax.set_xticks(xs, sevs)
    if not plotted:
        ax.text(0.5, 0.5, "nothing claimed or resolved in this period", ha="center",
                va="center", transform=ax.transAxes)
        return
    targets = []
    for sev in sevs:
        fig = report.figure(f"speed.claim.{sev}.median")
        targets.append(fig.target / 3600 if fig is not None and fig.target else None)
    tx = [x - 0.2 for x, t in zip(xs, targets, strict=True) if t]
    ty = [t for t in targets if t]
    ax.scatter(tx, ty, marker="D", color=VERMILLION, zorder=3, label="claim target")
    ax.set_yscale("log")
    _plain_log_labels(ax)
    low, high = min(plotted + ty), max(plotted + ty)
    ax.set_ylim(low / 2, high * 20)  # headroom for the legend
    ax.legend(loc="upper left", fontsize=8, ncols=3)
    ax.grid(axis="y", alpha=0.3)


def _load(ax: Any, report: Report) -> None:
    ax.set_title("Open escalations per specialist now (sorted by load; overloaded in "
                 "vermillion)", y=TITLE_Y)
    ax.set_xlabel("open escalations")
    section = report.section("utilization")
    table = section.tables[0] if section and section.tables else None
    rows = list(table.rows[:MAX_PEOPLE]) if table else []
    if not rows:
        ax.text(0.5, 0.5, "nobody owns an open escalation", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_yticks([])
        return
    rows.reverse()  # the heaviest load on top
    labels = people_labels(report, rows)
    values = [int(r[3]) for r in rows]
    colours = [VERMILLION if r[-1] == "overloaded" else BLUE for r in rows]
    ax.barh(range(len(rows)), values, color=colours)
    ax.set_yticks(range(len(rows)), labels, fontsize=LABEL_SIZE)
    ax.set_ylabel("specialist (domain)")
    ax.xaxis.set_major_locator(_integer_ticks())
    ax.grid(axis="x", alpha=0.3)


def people_labels(report: Report, rows: list[tuple[str, ...]]) -> list[str]:
    """"name (domain)" per row of the per-specialist table: the display name (the user id when
    none is cached, or when the chart's font has no glyph for a character of it — a row of
    empty boxes tells nobody apart), cut to fit the margin, drawn literally."""
    labels = []
    for r in rows:
        name = report.name(r[0])
        if not _drawable(name):
            name = r[0]
        labels.append(f"{chart_text(_clip(name, NAME_CHARS))} "
                      f"({chart_text(_clip(r[1], DOMAIN_CHARS))})")
    return labels


_GLYPHS: set[int] = set()


def _drawable(text: str) -> bool:
    """Has the chart's font (matplotlib's default, DejaVu Sans) a glyph for every character?"""
    if text.isascii():
        return True
    if not _GLYPHS:
        from matplotlib import font_manager
        from matplotlib.ft2font import FT2Font

        path = font_manager.findfont(font_manager.FontProperties())
        _GLYPHS.update(FT2Font(path).get_charmap())
    return all(ord(c) in _GLYPHS or c.isspace() for c in text)


def chart_text(text: str) -> str:
    """User text as matplotlib draws it literally: ``$`` would start mathtext (an error, or
    formulas drawn from a display name), so it is escaped."""
    return text.replace("$", r"\$")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _plain_log_labels(ax: Any) -> None:
    """Log-axis labels as plain numbers (0.1, 1, 10), no minor ticks: the default labels are
    TeX-like ("10^1"), and building the mathtext parser for them costs more than the drawing."""
    from matplotlib.ticker import FuncFormatter, NullLocator

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.yaxis.set_minor_locator(NullLocator())


def _integer_ticks() -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)
