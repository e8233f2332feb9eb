"""UTC helpers: every timestamp the bot stores or shows is UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from core.timefmt import fmt_hhmm, fmt_utc, humanize_duration, utc, utcnow

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
NEW_YORK_WINTER = timezone(timedelta(hours=-5), "EST")
KOLKATA = timezone(timedelta(hours=5, minutes=30), "IST")


class TestUtc:
    def test_naive_is_taken_as_utc(self) -> None:
        """A timestamp without a zone is read as UTC, not as the server's local time."""
        result = utc(datetime(2026, 11, 23, 12, 0))
        assert result == NOW
        assert result.tzinfo is UTC

    def test_aware_non_utc_is_converted(self) -> None:
        """A New York time is shown as the same instant in UTC."""
        result = utc(datetime(2026, 11, 23, 7, 0, tzinfo=NEW_YORK_WINTER))
        assert result == NOW
        assert result.hour == 12
        assert result.utcoffset() == timedelta(0)

    def test_half_hour_offset_is_converted(self) -> None:
        """A +05:30 time converts to UTC with its minutes intact."""
        result = utc(datetime(2026, 11, 23, 17, 35, tzinfo=KOLKATA))
        assert (result.hour, result.minute) == (12, 5)

    def test_utc_is_unchanged(self) -> None:
        """A UTC timestamp comes back as the same value."""
        assert utc(NOW) == NOW
        assert utc(NOW).tzinfo is UTC

    def test_conversion_can_cross_midnight(self) -> None:
        """A late-evening New York time lands on the next UTC day."""
        result = utc(datetime(2026, 11, 23, 22, 30, tzinfo=NEW_YORK_WINTER))
        assert result == datetime(2026, 11, 24, 3, 30, tzinfo=UTC)

    def test_utcnow_is_aware_utc(self) -> None:
        """The clock helper never hands out a naive datetime."""
        assert utcnow().tzinfo is UTC


class TestFormatting:
    def test_fmt_utc(self) -> None:
        """Full timestamps read like ``2026-11-23 14:05 UTC``."""
        assert fmt_utc(datetime(2026, 11, 23, 14, 5, tzinfo=UTC)) == "2026-11-23 14:05 UTC"

    def test_fmt_utc_converts_other_zones(self) -> None:
        """A non-UTC timestamp is shown in UTC, never in its own zone."""
        moment = datetime(2026, 11, 23, 9, 5, tzinfo=NEW_YORK_WINTER)
        assert fmt_utc(moment) == "2026-11-23 14:05 UTC"

    def test_fmt_utc_naive(self) -> None:
        """A naive timestamp is shown as UTC unchanged."""
        assert fmt_utc(datetime(2026, 1, 2, 3, 4)) == "2026-01-02 03:04 UTC"

    def test_fmt_hhmm(self) -> None:
        """Short times read like ``14:05 UTC`` with zero padding."""
        assert fmt_hhmm(datetime(2026, 11, 23, 4, 5, tzinfo=UTC)) == "04:05 UTC"

    def test_fmt_hhmm_converts_other_zones(self) -> None:
        """A claim made at 17:35 in India shows as 12:05 UTC."""
        assert fmt_hhmm(datetime(2026, 11, 23, 17, 35, tzinfo=KOLKATA)) == "12:05 UTC"


class TestHumanizeDuration:
    @pytest.mark.parametrize(
        ("span", "expected"),
        [
            (timedelta(0), "0m"),
            (timedelta(seconds=59), "0m"),
            (timedelta(minutes=1), "1m"),
            (timedelta(minutes=45), "45m"),
            (timedelta(minutes=59, seconds=59), "59m"),
            (timedelta(hours=1), "1h"),
            (timedelta(hours=3, minutes=10), "3h 10m"),
            (timedelta(hours=23, minutes=59), "23h 59m"),
            (timedelta(days=1), "1d"),
            (timedelta(days=2, hours=4), "2d 4h"),
            (timedelta(days=2, hours=4, minutes=59), "2d 4h"),
            (timedelta(days=3, minutes=30), "3d"),
            (timedelta(days=400), "400d"),
        ],
    )
    def test_examples(self, span: timedelta, expected: str) -> None:
        """Durations read as the two largest units, e.g. ``3h 10m`` or ``2d 4h``."""
        assert humanize_duration(span) == expected

    @pytest.mark.parametrize("span", [timedelta(seconds=-1), timedelta(hours=-5),
                                      timedelta(days=-3)])
    def test_never_negative(self, span: timedelta) -> None:
        """A clock skew never shows a negative wait; it shows ``0m``."""
        assert humanize_duration(span) == "0m"
