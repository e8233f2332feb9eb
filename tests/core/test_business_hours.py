"""Business hours with zoneinfo: weekends, holidays, both DST changes, window edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from core.business_hours import ALWAYS, BusinessHours, Clock

NY = BusinessHours(timezone="America/New_York", start=time(9, 0), end=time(17, 30),
                   holidays=frozenset({date(2026, 12, 25)}))
H = timedelta(hours=1)


def u(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


class TestIsOpen:
    @pytest.mark.parametrize(("moment", "open_"), [
        (u(2026, 12, 3, 13, 59), False),   # 08:59 New York (EST, UTC-5)
        (u(2026, 12, 3, 14, 0), True),     # 09:00 sharp opens
        (u(2026, 12, 3, 22, 29), True),    # 17:29
        (u(2026, 12, 3, 22, 30), False),   # 17:30 sharp is closed
        (u(2026, 12, 5, 15, 0), False),    # Saturday
        (u(2026, 12, 25, 15, 0), False),   # Christmas (holiday, a Friday)
        (u(2026, 12, 24, 15, 0), True),    # Christmas Eve is a working day
        (u(2026, 7, 1, 13, 0), True),      # 09:00 EDT (UTC-4) in summer
        (u(2026, 7, 1, 21, 30), False),    # 17:30 EDT
    ])
    def test_edges(self, moment: datetime, open_: bool) -> None:
        assert NY.is_open(moment) is open_


class TestAdd:
    def test_inside_one_day(self) -> None:
        assert NY.add(u(2026, 12, 3, 15, 0), 2 * H) == u(2026, 12, 3, 17, 0)

    def test_exactly_to_closing(self) -> None:
        assert NY.add(u(2026, 12, 3, 14, 0), timedelta(hours=8, minutes=30)) == \
            u(2026, 12, 3, 22, 30)

    def test_carries_over_night(self) -> None:
        # Thursday 16:30 local + 2 h: 1 h Thursday, 1 h Friday from 09:00 → 10:00 local.
        assert NY.add(u(2026, 12, 3, 21, 30), 2 * H) == u(2026, 12, 4, 15, 0)

    def test_before_opening_starts_at_opening(self) -> None:
        assert NY.add(u(2026, 12, 3, 6, 0), 30 * timedelta(minutes=1)) == \
            u(2026, 12, 3, 14, 30)

    def test_skips_the_weekend(self) -> None:
        # Friday 17:00 local + 1 h → Monday 09:30 local.
        assert NY.add(u(2026, 12, 11, 22, 0), H) == u(2026, 12, 14, 14, 30)

    def test_started_on_saturday(self) -> None:
        assert NY.add(u(2026, 12, 12, 18, 0), H) == u(2026, 12, 14, 15, 0)

    def test_skips_a_holiday(self) -> None:
        # Thursday 24 Dec 17:00 local + 1 h: Friday 25 is a holiday, then the weekend.
        assert NY.add(u(2026, 12, 24, 22, 0), H) == u(2026, 12, 28, 14, 30)

    def test_24_business_hours_span_days(self) -> None:
        # Friday 16:00 local: 1.5 + 8.5 (Mon) + 8.5 (Tue) + 5.5 (Wed) → Wednesday 14:30 local.
        assert NY.add(u(2026, 12, 11, 21, 0), 24 * H) == u(2026, 12, 16, 19, 30)

    def test_spring_forward(self) -> None:
        # 2026-03-06 Friday 17:00 EST (22:00 UTC) + 1 h → Monday 9 March 09:30 EDT = 13:30 UTC.
        assert NY.add(u(2026, 3, 6, 22, 0), H) == u(2026, 3, 9, 13, 30)

    def test_fall_back(self) -> None:
        # 2026-10-30 Friday 17:00 EDT (21:00 UTC) + 1 h → Monday 2 Nov 09:30 EST = 14:30 UTC.
        assert NY.add(u(2026, 10, 30, 21, 0), H) == u(2026, 11, 2, 14, 30)

    def test_window_on_the_dst_day_itself(self) -> None:
        weekend_shop = BusinessHours(timezone="America/New_York", days=frozenset(range(7)),
                                     start=time(1, 0), end=time(4, 0))
        # 8 March 2026: 01:00 EST → 04:00 EDT is only 2 hours of real time.
        assert weekend_shop.elapsed(u(2026, 3, 8, 0, 0), u(2026, 3, 9, 0, 0)) == 2 * H
        # 1 November 2026: 01:00 EDT → 04:00 EST is 4 hours.
        assert weekend_shop.elapsed(u(2026, 11, 1, 0, 0), u(2026, 11, 2, 0, 0)) == 4 * H

    def test_zero_outside_hours_waits_for_opening(self) -> None:
        assert NY.add(u(2026, 12, 5, 12, 0), timedelta(0)) == u(2026, 12, 7, 14, 0)

    def test_add_and_elapsed_agree(self) -> None:
        start = u(2026, 12, 3, 20, 17)
        for hours in range(1, 60, 7):
            end = NY.add(start, hours * H)
            assert NY.elapsed(start, end) == hours * H


class TestValidation:
    def test_unknown_zone(self) -> None:
        with pytest.raises(Exception, match="Mars"):
            BusinessHours(timezone="Mars/Olympus")

    def test_end_before_start(self) -> None:
        with pytest.raises(ValueError, match="before end"):
            BusinessHours(start=time(18, 0), end=time(9, 0))

    def test_no_days(self) -> None:
        with pytest.raises(ValueError, match="at least one"):
            BusinessHours(days=frozenset())


def test_always_is_plain_addition() -> None:
    assert ALWAYS.add(u(2026, 12, 5, 12, 0), H) == u(2026, 12, 5, 13, 0)
    assert Clock(NY).add(u(2026, 12, 5, 12, 0), H) == u(2026, 12, 7, 15, 0)


class TestWindows:
    def test_a_week_across_the_dst_change(self) -> None:
        """New York leaves DST on 2026-11-01: 09:00 is 13:00 UTC before, 14:00 UTC after."""
        got = NY.windows(u(2026, 10, 29, 0, 0), u(2026, 11, 4, 0, 0))
        assert got == [(u(2026, 10, 29, 13, 0), u(2026, 10, 29, 21, 30)),
                       (u(2026, 10, 30, 13, 0), u(2026, 10, 30, 21, 30)),
                       (u(2026, 11, 2, 14, 0), u(2026, 11, 2, 22, 30)),
                       (u(2026, 11, 3, 14, 0), u(2026, 11, 3, 22, 30))]

    def test_clipped_to_the_span_and_skips_holidays(self) -> None:
        got = NY.windows(u(2026, 12, 24, 20, 0), u(2026, 12, 28, 15, 0))
        assert got == [(u(2026, 12, 24, 20, 0), u(2026, 12, 24, 22, 30)),
                       (u(2026, 12, 28, 14, 0), u(2026, 12, 28, 15, 0))]

    def test_agrees_with_elapsed(self) -> None:
        start, end = u(2026, 3, 1, 7, 0), u(2026, 3, 20, 3, 0)  # across the March change
        total = sum((b - a for a, b in NY.windows(start, end)), timedelta(0))
        assert total == NY.elapsed(start, end)

    def test_empty_span(self) -> None:
        assert NY.windows(u(2026, 12, 3, 15, 0), u(2026, 12, 3, 15, 0)) == []
