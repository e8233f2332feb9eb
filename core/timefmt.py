"""UTC time helpers: every timestamp is stored and shown in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def utc(moment: datetime) -> datetime:
    """The same instant as an aware UTC datetime (naive values are taken to be UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def fmt_utc(moment: datetime) -> str:
    """``2026-11-23 14:05 UTC``."""
    return utc(moment).strftime("%Y-%m-%d %H:%M UTC")


def fmt_hhmm(moment: datetime) -> str:
    """``14:05 UTC``."""
    return utc(moment).strftime("%H:%M UTC")


def humanize_duration(span: timedelta) -> str:
    """``45m``, ``3h 10m``, ``2d 4h``; never negative."""
    minutes = max(int(span.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {mins}m" if mins else f"{hours}h"
    return f"{mins}m"
