"""The tone guardrail: measured on the labelled set, and the drafter's drop_remarks."""

from __future__ import annotations

import pytest

from benchmarks.bench_tone import load, score
from core.tone import (
    TEMPERAMENT_HINT,
    drop_remarks,
    find_remarks,
    is_remark,
    sentences,
    temperament_problem,
)


def test_labelled_set_is_large_enough() -> None:
    """The issue asks for at least 300 labelled sentences of every kind."""
    examples = load("dev") + load("holdout")
    assert len(examples) >= 300
    categories = {e.category for e in examples}
    assert {"customer", "title", "named", "praise", "sarcasm", "midtech", "nearmiss"} <= categories


def test_dev_set_meets_the_goal() -> None:
    """The set the rules were tuned on: ≥ 95% of remarks caught, ≤ 2% of facts refused."""
    s, missed, refused = score(load("dev"))
    assert s.caught_rate >= 0.95, [e.sentence for e in missed]
    assert s.refused_rate <= 0.02, [e.sentence for e in refused]


def test_held_out_set_does_not_regress() -> None:
    """The held-out set was never tuned on; this guards the first measured numbers
    (100% caught, 3.9% facts refused) against regressions, it does not claim the goal."""
    s, missed, refused = score(load("holdout"))
    assert s.caught_rate >= 0.95, [e.sentence for e in missed]
    assert s.refused_rate <= 0.04, [e.sentence for e in refused]


@pytest.mark.parametrize("text", [
    "difficult to reproduce", "The client has an aggressive retry policy.",
    "There was a dramatic increase in errors.", "They said they will escalate to leadership.",
    "The customer is angry because the export lost two days of invoices.",
    "The customer asked for updates every 30 min.",
    "The customer is entitled to service credits.",
])
def test_the_issues_near_misses_pass(text: str) -> None:
    assert temperament_problem(text) is None


@pytest.mark.parametrize("text", [
    "Their ops manager was a real piece of work on the call.", "Dana is impossible to please.",
    "The customer is a pleasure to work with.", "Oh great, our favourite customer is back.",
    "He keeps being difficult.", "Customer is a bit of a handful, honestly.",
])
def test_the_issues_remarks_are_refused(text: str) -> None:
    assert temperament_problem(text) == TEMPERAMENT_HINT


def test_sentences_keep_abbreviations_and_versions() -> None:
    text = "Mr. Alvarez upgraded to 4.2.1 at Acme Inc. on Monday. Then it failed!\nNext line"
    assert [text[a:b] for a, b in sentences(text)] == [
        "Mr. Alvarez upgraded to 4.2.1 at Acme Inc. on Monday.", "Then it failed!", "Next line"]


def test_find_remarks_points_at_the_sentence() -> None:
    text = "Export fails with HTTP 500. The customer is a nightmare. Build 4.2."
    (remark,) = find_remarks(text)
    assert text[remark.start:remark.end] == "The customer is a nightmare."
    assert "nightmare" in remark.cue


class TestDropRemarks:
    def test_drops_whole_remark_sentences_and_keeps_facts(self) -> None:
        text = ("Export fails with HTTP 500 since 4.2. Honestly the customer is a real piece "
                "of work. They asked for updates every 30 min.")
        dropped = drop_remarks(text)
        assert dropped.text == ("Export fails with HTTP 500 since 4.2. They asked for updates "
                                "every 30 min.")
        assert len(dropped.removed) == 1

    def test_cuts_a_remark_clause_out_of_a_technical_sentence(self) -> None:
        text = ("The export fails with HTTP 500 and the customer, who is a total nightmare, "
                "wants it fixed today.")
        assert drop_remarks(text).text == \
            "The export fails with HTTP 500 and the customer wants it fixed today."

    def test_cuts_a_parenthetical_remark(self) -> None:
        text = "The admin (a real piece of work) rotated the SAML cert at 09:14 UTC."
        assert drop_remarks(text).text == "The admin rotated the SAML cert at 09:14 UTC."

    def test_drops_an_attributive_adjective(self) -> None:
        text = "Build 4.2.1 broke SSO for this difficult customer."
        assert drop_remarks(text).text == "Build 4.2.1 broke SSO for this customer."

    def test_text_without_remarks_is_unchanged(self) -> None:
        text = "Cleared cache → same 500.\nRe-issued the SAML cert → same 500."
        assert drop_remarks(text).text == text and not drop_remarks(text).removed

    def test_result_has_no_remark_left(self) -> None:
        for example in load("dev") + load("holdout"):
            if example.label == "remark":
                assert not is_remark(drop_remarks(example.sentence).text), example.sentence
