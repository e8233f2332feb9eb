"""Tone and specificity guardrails on handoff text (seed 002)."""

from __future__ import annotations

import pytest

from core.guardrails import (
    GENERIC_HINT,
    TEMPERAMENT_HINT,
    generic_problem,
    is_generic,
    normalise,
    specificity_problem,
    temperament_problem,
    words,
)

# Seed 002's own example of a good, specific sentence about a frustrated customer.
SEED_002_GOOD = ("customer tried the workaround twice and it failed both times. "
                 "Their frustration is justified.")


class TestTemperament:
    @pytest.mark.parametrize(
        "text",
        [
            "customer is difficult",
            "the client is a nightmare",
            "they were rude on the call",
            "crazy customer",
            "impossible to deal with",
            "he is being unreasonable",
            # seed 002's own examples of gossip
            "Customer is difficult.",
            "customer is a nightmare to work with",
            # case, plurals, punctuation and filler words between person and word
            "CUSTOMER IS DIFFICULT",
            "customers are rude",
            "Customer: rude on every call",
            "the user was incredibly rude to our agent",
            "the admin was hostile on the call",
            "She is hostile",
            "They are toxic and demanding",
            "this guy is clueless",
            "the CTO is condescending to our engineers",
            "their admin keeps yelling at our agents",
            # contractions are about the person, not a possession
            "he's rude",
            "she’s being difficult again",
            # always-temperament phrasings without a person word
            "hard to work with",
            "a nightmare to talk with",
            "this account is difficult to deal with",
            "nightmare client",
            "demanding users",
            "a difficult customer from the start",
            # "difficult to support/handle" is about the person, not a task
            "they are difficult to support",
            "customer is annoying to support",
            "the customer is being difficult about the renewal",
            # refused even with a reason: the note characterises the person
            "customer is difficult to deal with because they ignore our emails",
        ],
    )
    def test_refused(self, text: str) -> None:
        """Text that characterises a person's temperament is refused with the tone hint."""
        assert temperament_problem(text) == TEMPERAMENT_HINT

    @pytest.mark.parametrize(
        "text",
        [
            "difficult to reproduce",
            "the customer's export is difficult to configure",
            "The customer’s SSO setup is difficult to debug",
            # Decision: "crazy slow" describes the rendering, not a person -> allowed.
            "the graph rendering is crazy slow",
            SEED_002_GOOD,
            "The import is difficult for files over 10k rows",
            "customer's IdP is hostile to our SAML assertions",
            "CSV export returns HTTP 500 for files over 10 MB since build 4.2",
            "user reports the page is insanely slow",
            # "difficult to <task>" is about the task even with a person word nearby
            "they said the import is difficult to configure",
            "client lost data; difficult to restore from backup",
            "Reports from users: the export wizard is difficult to configure",
            "the admin console is difficult to navigate",
            "users find the API difficult to use",
            "users say the SSO setup is a nightmare to configure",
            # "crazy"/"insane" as an intensifier of a measurement
            "users hit a crazy slow page after login",
            "Users get a crazy number of duplicate emails",
            "the users report insane latency on eu-west-1",
        ],
    )
    def test_problem_descriptions_pass(self, text: str) -> None:
        """Describing how hard or slow the problem is, even near a person word, is allowed."""
        assert temperament_problem(text) is None

    def test_hard_to_reach_is_a_fact(self) -> None:
        """Decision: "difficult to reach" states availability, a fact the next person needs."""
        assert temperament_problem("customer is difficult to reach before 14:00 UTC") is None

    def test_seed_002_frustration_example_passes(self) -> None:
        """Seed 002's grounded frustration sentence passes the tone check."""
        assert temperament_problem(SEED_002_GOOD) is None

    @pytest.mark.parametrize("text", ["customer is angry", "the CTO is furious",
                                      "they were irate on the call"])
    def test_bare_anger_is_refused(self, text: str) -> None:
        """Anger with no cause characterises the person and is refused."""
        assert temperament_problem(text) == TEMPERAMENT_HINT

    @pytest.mark.parametrize("text", ["customer is angry about the outage",
                                      "the CTO is furious because payroll ran twice",
                                      "they are irate after losing two days of invoices"])
    def test_anger_with_its_cause_is_sentiment(self, text: str) -> None:
        """Sentiment with its cause is the fact seed 002 asks for ("customer sentiment")."""
        assert temperament_problem(text) is None

    def test_upset_is_not_temperament(self) -> None:
        """Decision: "upset"/"frustrated" are sentiment, not temperament; the generic check
        catches them when they are all the note says."""
        assert temperament_problem("Customer is understandably upset") is None
        assert is_generic("customer is upset")

    def test_hint_points_to_the_problem(self) -> None:
        """The refusal tells the agent to describe the problem and what was tried."""
        assert "not the customer's temperament" in TEMPERAMENT_HINT
        assert "what was tried" in TEMPERAMENT_HINT


class TestGeneric:
    @pytest.mark.parametrize(
        "text",
        [
            "doesn't work",
            "Customer is frustrated.",
            "please help!!",
            "not working, urgent",
            "see ticket",
            "Doesn't work, please help!",
            "It's broken!!!",
            "customer is frustrated and it doesn't work",
            "see above",
            "N/A",
            "tbd",
            "We tried everything.",
            "Please investigate ASAP",
            "Must be a bug, need engineering",
            "still not working for the customer",
            "   ",
            "",
            "?!",
        ],
    )
    def test_refused(self, text: str) -> None:
        """A one-liner without specifics is refused with the generic hint."""
        assert is_generic(text)
        assert generic_problem(text) == GENERIC_HINT

    @pytest.mark.parametrize(
        "text",
        [
            "CSV export returns HTTP 500 for files over 10 MB since build 4.2",
            SEED_002_GOOD,
            "error 500",
            "SSO login not working for Acme since Monday",
            "Cleared cache, same 500. Re-issued the SAML cert, same 500.",
            "bug in export",
        ],
    )
    def test_specific_text_passes(self, text: str) -> None:
        """Text naming what, where or when passes the generic check."""
        assert not is_generic(text)
        assert generic_problem(text) is None

    def test_hint_gives_an_example(self) -> None:
        """The generic hint shows what a specific statement looks like."""
        assert "CSV export returns HTTP 500" in GENERIC_HINT


class TestSpecificity:
    EXAMPLE = "List each attempt and its result."

    def test_seed_002_example_passes(self) -> None:
        """Seed 002's example is specific enough for an 8-word field."""
        assert specificity_problem(SEED_002_GOOD, min_words=8, what="Tried",
                                   example=self.EXAMPLE) is None

    def test_generic_names_the_field_and_example(self) -> None:
        """A generic answer is refused with the field's name and an example."""
        message = specificity_problem("see ticket", min_words=8, what="Blocker",
                                      example=self.EXAMPLE)
        assert message == f"Blocker is too generic to act on. {self.EXAMPLE}"

    def test_too_short_names_the_minimum(self) -> None:
        """A specific but too-short answer says how many words are needed."""
        message = specificity_problem("SAML cert expired", min_words=6, what="Blocker",
                                      example=self.EXAMPLE)
        assert message == f"Blocker needs at least 6 words of specifics. {self.EXAMPLE}"

    def test_exact_minimum_passes(self) -> None:
        """Exactly the minimum number of words is enough."""
        assert specificity_problem("SAML cert expired on IdP side", min_words=6,
                                   what="Blocker", example="") is None

    def test_punctuation_is_not_a_word(self) -> None:
        """Dashes and arrows do not count toward the word minimum."""
        assert specificity_problem("cache -> 500 -- -- -- --", min_words=3, what="Tried",
                                   example="") is not None


class TestNormalise:
    def test_folds_case_apostrophes_and_punctuation(self) -> None:
        """Case, apostrophes and punctuation do not change how text is judged."""
        assert normalise("  Doesn’t   WORK!!  ") == "doesnt work"
        assert normalise("It's -- broken.") == "its broken"

    def test_words(self) -> None:
        """Words are counted after normalising."""
        assert words("HTTP-500 on /export, again.") == ["http", "500", "on", "export", "again"]
        assert words("") == []
