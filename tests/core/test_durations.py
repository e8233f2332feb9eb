"""Durations in the YAML: 45s, 30m, 2h, 1d, 1h30m."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.durations import format_duration, parse_duration


@pytest.mark.parametrize(("text", "expected"), [
    ("45s", timedelta(seconds=45)),
    ("30m", timedelta(minutes=30)),
    ("2h", timedelta(hours=2)),
    ("1d", timedelta(days=1)),
    ("1h30m", timedelta(minutes=90)),
    ("1d2h3m4s", timedelta(days=1, hours=2, minutes=3, seconds=4)),
    (" 2H ", timedelta(hours=2)),
    ("0m", timedelta(0)),
])
def test_parses(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "30", "m", "30 min", "1.5h", "-5m", "30m1h", "2w",
                                  "1h1h", "h30m"])
def test_refuses_with_an_example(text: str) -> None:
    with pytest.raises(ValueError, match="like 45s, 30m, 2h, 1d or 1h30m"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["45s", "30m", "2h", "1d", "1h30m", "1d2h3m4s"])
def test_round_trips(text: str) -> None:
    assert format_duration(parse_duration(text)) == text


def test_formats_zero() -> None:
    assert format_duration(timedelta(0)) == "0s"
