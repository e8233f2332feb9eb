"""Validation by field kind: what the form offered, dates in range, the right types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.checklist import FIELDS_BY_KEY, Step
from core.forms import FORMS
from core.inputs import NOT_OFFERED, UNREADABLE, WRONG_TYPE, Read, read_form, read_step, read_value
from core.workflow import Action

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


class TestLoopForms:
    """The feedback loop's modals (core.forms.FORMS), read by the same rules."""

    @staticmethod
    def form(action: Action, raw: dict[str, object]) -> Read:
        return read_form(FORMS[action], raw, now=NOW)  # type: ignore[arg-type]

    @pytest.mark.parametrize(("action", "key", "value"), [
        (Action.CHANGE_SEVERITY, "severity", "SEV2"),
        (Action.ESCALATE_LEVEL, "target", "L3"),
        (Action.RESOLVE, "category", "code_fix"),
        (Action.RATE_HANDOFF, "rating", "had_to_ask"),
    ])
    def test_offered_choices_pass(self, action: Action, key: str, value: str) -> None:
        assert self.form(action, {key: value}).values[key] == value

    @pytest.mark.parametrize(("action", "key", "value"), [
        (Action.CHANGE_SEVERITY, "severity", "SEV9"),
        (Action.ESCALATE_LEVEL, "target", "L5"),  # leadership is notified, never picked
        (Action.ESCALATE_LEVEL, "target", "3"),
        (Action.RESOLVE, "category", "blame_the_customer"),
        (Action.RATE_HANDOFF, "rating", "maybe"),
        (Action.RESOLVE, "kb_warranted", ("true", "false")),
        (Action.ESCALATE_LEVEL, "notify_leadership", ("everyone",)),
    ])
    def test_choices_never_offered_are_refused_on_the_field(
            self, action: Action, key: str, value: object) -> None:
        result = self.form(action, {key: value})
        assert result.errors == {key: NOT_OFFERED} and key not in result.values

    def test_flags_and_wrong_types(self) -> None:
        assert self.form(Action.RESOLVE, {"kb_warranted": ("true",)}).values == \
            {"kb_warranted": "true"}
        assert self.form(Action.RESOLVE, {"kb_warranted": ()}).values == {}
        for key, raw in (("category", ("code_fix",)), ("root_cause", ("x",)),
                         ("kb_warranted", 7), ("category", WRONG_TYPE)):
            assert self.form(Action.RESOLVE, {key: raw}).errors == {key: UNREADABLE}

    def test_datetimes_in_range(self) -> None:
        soon = int((NOW + timedelta(days=3)).timestamp())
        assert self.form(Action.SET_ETA, {"eta": soon}).values["eta"] == \
            (NOW + timedelta(days=3)).isoformat()
        for bad in (10**30, -(10**30), int((NOW + timedelta(days=800)).timestamp()), 0):
            assert "within two years" in self.form(Action.SET_ETA, {"eta": bad}).errors["eta"]
        assert self.form(Action.SET_ETA, {"eta": "soon"}).errors == {"eta": UNREADABLE}

    def test_people_and_text(self) -> None:
        assert self.form(Action.REASSIGN, {"to_user": "U0BOB", "note": "  x  "}).values == \
            {"to_user": "U0BOB", "note": "  x"}
        assert self.form(Action.REASSIGN, {"to_user": "<!channel>"}).errors == \
            {"to_user": "Pick a person."}
        assert self.form(Action.MERGE, {"survivor_id": " ESC-17 "}).values == \
            {"survivor_id": "ESC-17"}
