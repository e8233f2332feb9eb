"""Report periods: --since, --from/--to and the digest week, across DST changes."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta

import pytest

from core.period import DigestSchedule, Period, PeriodError, between, since, weekly_buckets

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_since_is_the_span_ending_now() -> None:
    assert since("7d", now=NOW) == Period(NOW - timedelta(days=7), NOW)
    assert since("24h", now=NOW).length == timedelta(hours=24)
    assert since("2w", now=NOW).length == timedelta(weeks=2)


@pytest.mark.parametrize("text", ["7", "0d", "7x", "d7", "-7d", ""])
def test_since_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(PeriodError, match="like 7d"):
        since(text, now=NOW)


def test_between_includes_both_days_in_the_time_zone() -> None:
    period = between("2026-11-01", "2026-11-30", timezone="Europe/Berlin")
    assert period.start == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)  # CET = UTC+1
    assert period.end == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)


def test_between_refuses_bad_dates_and_reversed_ranges() -> None:
    with pytest.raises(PeriodError, match="--from"):
        between("2026-13-01", "2026-11-30")
    with pytest.raises(PeriodError, match="before"):
        between("2026-11-30", "2026-11-01")


def test_previous_period_has_the_same_length() -> None:
    period = since("7d", now=NOW)
    assert period.previous() == Period(NOW - timedelta(days=14), NOW - timedelta(days=7))


def test_digest_occurrences_default_monday_nine_utc() -> None:
    schedule = DigestSchedule()
    assert schedule.occurrence_at_or_before(NOW) == datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert schedule.occurrence_at_or_before(datetime(2026, 11, 23, 8, 59, tzinfo=UTC)) == \
        datetime(2026, 11, 16, 9, tzinfo=UTC)
    assert schedule.next_after(datetime(2026, 11, 23, 9, tzinfo=UTC)) == \
        datetime(2026, 11, 30, 9, tzinfo=UTC)


def test_digest_week_across_spring_forward_is_167_hours() -> None:
    """Berlin moves to CEST on 2026-03-29: the week still starts at 09:00 local."""
    schedule = DigestSchedule("mon", time(9, 0), "Europe/Berlin")
    due = schedule.next_after(datetime(2026, 3, 28, tzinfo=UTC))
    assert due == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # 09:00 CEST
    week = schedule.week_ending(due)
    assert week.start == datetime(2026, 3, 23, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert week.length == timedelta(hours=167)


def test_digest_week_across_fall_back_is_169_hours() -> None:
    schedule = DigestSchedule("mon", time(9, 0), "Europe/Berlin")
    due = schedule.next_after(datetime(2026, 10, 24, tzinfo=UTC))
    assert due == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert schedule.week_ending(due).length == timedelta(hours=169)


def test_a_digest_time_skipped_by_dst_still_happens_once() -> None:
    """02:30 does not exist in Berlin on 2026-03-29; the digest runs at 03:30 CEST (01:30 UTC)."""
    schedule = DigestSchedule("sun", time(2, 30), "Europe/Berlin")
    due = schedule.next_after(datetime(2026, 3, 28, 12, tzinfo=UTC))
    assert due.date().isoformat() == "2026-03-29"
    assert schedule.next_after(due) > due + timedelta(days=6)


def test_weekly_buckets_end_at_the_period_end_oldest_first() -> None:
    weeks = weekly_buckets(NOW, weeks=8)
    assert len(weeks) == 8
    assert weeks[-1].end == NOW and weeks[0].start == NOW - timedelta(weeks=8)
    assert all(a.end == b.start for a, b in itertools.pairwise(weeks))


def test_unknown_weekday_or_zone_is_refused() -> None:
    with pytest.raises(PeriodError):
        DigestSchedule("funday")
    with pytest.raises(PeriodError):
        DigestSchedule("mon", time(9), "Mars/Olympus")
