"""The report model's parts: a figure with its comparison, a table, a section."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from core.timefmt import humanize_duration


class Unit(StrEnum):
    COUNT = "count"
    SECONDS = "seconds"
    RATIO = "ratio"  # 0…1, shown as a percentage


@dataclass(frozen=True)
class Figure:
    """One number with its comparison: this period, the previous one, and a target if any."""

    key: str
    label: str
    this: float | None
    last: float | None
    unit: Unit = Unit.COUNT
    target: float | None = None
    # True when a lower value is better (durations, failures); decides whether a target is met.
    lower_is_better: bool = True

    @property
    def change(self) -> float | None:
        if self.this is None or self.last is None:
            return None
        return self.this - self.last

    @property
    def target_met(self) -> bool | None:
        if self.target is None or self.this is None:
            return None
        return self.this <= self.target if self.lower_is_better else self.this >= self.target


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    empty: str = "None."
    # Columns holding a Slack user id: shown as the person's name outside Slack (Markdown,
    # CSV, charts), kept as the id in JSON (with a name column beside it).
    user_columns: tuple[int, ...] = ()


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    figures: tuple[Figure, ...] = ()
    tables: tuple[Table, ...] = ()
    notes: tuple[str, ...] = ()



def duration_text(seconds: float | None) -> str:
    """``45m``, ``3h 10m``, ``2d 4h``; seconds below a minute as ``40s``; ``—`` for none."""
    if seconds is None:
        return "—"
    seconds = max(round(seconds), 0)  # julianday arithmetic is exact to ~0.1 ms only
    if seconds < 60:
        return f"{seconds}s"
    return humanize_duration(timedelta(seconds=seconds))


