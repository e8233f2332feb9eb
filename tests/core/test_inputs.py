"""Validation by field kind: what the form offered, dates in range, the right types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.checklist import FIELDS_BY_KEY, Step
from core.inputs import NOT_OFFERED, UNREADABLE, WRONG_TYPE, read_step, read_value

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DOMAINS = frozenset({"auth", "billing"})


def read(key: str, raw: object) -> str | None:
    return read_value(FIELDS_BY_KEY[key], raw, now=NOW, domains=DOMAINS)  # type: ignore[arg-type]


def refusal(key: str, raw: object) -> str:
    step = FIELDS_BY_KEY[key].step
    result = read_step(step, {key: raw}, now=NOW, domains=DOMAINS)  # type: ignore[dict-item]
    assert key not in result.values
    return result.errors[key]


class TestChoices:
    @pytest.mark.parametrize(("key", "value"), [("severity", "SEV1"), ("tier", "strategic"),
                                                ("domain", "billing"), ("workaround", "none"),
                                                ("environment", "production")])
    def test_offered_options_pass(self, key: str, value: str) -> None:
        assert read(key, value) == value

    @pytest.mark.parametrize(("key", "value"), [("severity", "SEV9"), ("tier", "platinum"),
                                                ("domain", "payroll"), ("workaround", "maybe"),
                                                ("environment", "PRODUCTION")])
    def test_options_never_offered_are_refused_on_the_field(self, key: str, value: str) -> None:
        assert refusal(key, value) == NOT_OFFERED

    def test_checkboxes_accept_only_offered_boxes(self) -> None:
        assert read("signals", ("security", "data_loss")) == "data_loss,security"
        assert refusal("signals", ("security", "free_pizza")) == NOT_OFFERED
        assert read("renewal_at_stake", ("true",)) == "true"
        assert refusal("renewal_at_stake", ("false",)) == NOT_OFFERED
        assert read("signals", ()) is None

    @pytest.mark.parametrize("raw", [WRONG_TYPE, 7, ("SEV1",)])
    def test_a_select_with_the_wrong_type_is_a_field_error(self, raw: object) -> None:
        assert refusal("severity", raw) == UNREADABLE


class TestDates:
    def test_first_reported_in_range(self) -> None:
        stamp = int((NOW - timedelta(days=3)).timestamp())
        assert read("first_reported_at", stamp) == (NOW - timedelta(days=3)).isoformat()

    @pytest.mark.parametrize(("stamp", "says"), [
        (int((NOW + timedelta(days=2)).timestamp()), "in the future"),
        (int(datetime(1999, 12, 31, tzinfo=UTC).timestamp()), "before 2000"),
        (10**30, "in the future"), (-(10**30), "before 2000"),
        ("soon", "could not be read"), (WRONG_TYPE, "could not be read"),
    ])
    def test_first_reported_out_of_range_or_unreadable(self, stamp: object, says: str) -> None:
        assert says in refusal("first_reported_at", stamp)

    def test_deadline_within_two_years(self) -> None:
        assert read("deadline", "2027-03-01") == "2027-03-01"
        assert "two years" in refusal("deadline", "2030-01-01")
        assert "two years" in refusal("deadline", "2023-01-01")
        for bad in ("not-a-date", "2026-13-45", "2026-02-30", "20261201", WRONG_TYPE):
            assert "YYYY-MM-DD" in refusal("deadline", bad)


class TestOthers:
    def test_user_picker_holds_a_user_id(self) -> None:
        assert read("case_owner", "U0AGENT") == "U0AGENT"
        assert refusal("case_owner", "@channel") == "Pick a person."

    def test_numbers_are_bounded_before_they_are_parsed(self) -> None:
        assert read("affected_users", "120") == "120"
        assert "whole number" in refusal("affected_users", "9" * 5000)

    def test_text_of_the_wrong_type(self) -> None:
        assert refusal("problem", WRONG_TYPE) == UNREADABLE

    def test_a_whole_step(self) -> None:
        result = read_step(Step.PROBLEM, {"problem": "SSO fails", "severity": "SEV9",
                                          "signals": ("security",), "tier": None},
                           now=NOW, domains=DOMAINS)
        assert result.values == {"problem": "SSO fails", "signals": "security"}
        assert result.errors == {"severity": NOT_OFFERED}
