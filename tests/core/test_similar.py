"""Deflection at intake: the search words taken from what the agent typed, and the lines shown."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from core.model import Answers
from core.similar import (
    KEEP_TERMS,
    MAX_DOC_SHARE,
    MAX_TERMS,
    Suggestion,
    SuggestionKind,
    search_terms,
    terms_of,
    without_common,
)


def test_terms_come_from_problem_actual_and_error_lines_in_that_order() -> None:
    answers = Answers(
        problem="SSO login fails with HTTP 500 for the Acme tenant",
        actual="Blank page after the Okta redirect",
        logs="2026-11-23T10:02:11Z INFO request started\n"
             "2026-11-23T10:02:11Z ERROR saml.acs: audience mismatch (expected urn:acme)")
    terms = search_terms(answers)
    assert terms[:6] == ("sso", "login", "http", "500", "acme", "tenant")
    assert terms[6:] == ("blank", "page", "okta", "redirect", "saml", "acs")  # capped at 12
    # Only the key error line of the logs is read: the INFO line's words are not searched.
    assert "started" not in terms and "request" not in terms


def test_stop_words_and_support_small_talk_are_dropped() -> None:
    terms = terms_of(["The customer says it is not working for all users since yesterday, "
                      "please help: the error happens every time they try"])
    assert terms == ()


def test_ids_timestamps_and_counts_are_dropped_but_status_codes_and_versioned_words_kept() -> None:
    terms = terms_of(["HTTP 403 on oauth2 callback, request id 7f3a9c1e22b4, at 2026-11-23 "
                      "for 1200 accounts, x509 chain"])
    assert terms == ("http", "403", "oauth2", "callback", "request", "accounts", "x509", "chain")


def test_terms_are_capped_distinct_and_safe_to_quote() -> None:
    text = " ".join(f"word{chr(97 + i)}{chr(97 + j)}" for i in range(10) for j in range(10))
    terms = terms_of([text + ' "quoted" OR NOT (paren) * AND'], limit=MAX_TERMS)
    assert len(terms) == MAX_TERMS == len(set(terms))
    assert all(re.fullmatch(r"[a-z0-9]+", t) for t in terms)
    assert terms_of(['Login" OR 1=1 -- NEAR(a b)']) == ("login", "near")


def test_nothing_typed_gives_no_terms() -> None:
    assert search_terms(Answers()) == ()


def test_words_in_more_than_a_few_percent_of_the_documents_are_not_searched() -> None:
    terms = ("okta", "saml", "login", "acs", "audience", "mismatch")
    shares = {"okta": 0.4, "login": MAX_DOC_SHARE + 0.001, "saml": MAX_DOC_SHARE, "acs": 0.001}
    assert without_common(terms, shares, docs=100_000) == ("saml", "acs", "audience",
                                                            "mismatch")


def test_when_too_few_words_would_remain_the_rarest_stay_in_typed_order() -> None:
    terms = ("okta", "login", "page", "saml")
    shares = {"okta": 0.4, "login": 0.1, "page": 0.3, "saml": 0.05}
    assert KEEP_TERMS == 3
    assert without_common(terms, shares, docs=100_000) == ("login", "page", "saml")
    # ties: the first typed stays
    assert without_common(("a1x", "b2x", "c3x", "d4x"), dict.fromkeys(
        ("a1x", "b2x", "c3x", "d4x"), 0.5), docs=100_000) == ("a1x", "b2x", "c3x")
    assert without_common(("okta", "login"), shares, docs=100_000) == ("okta", "login")


def test_a_small_collection_searches_every_word() -> None:
    terms = ("okta", "saml")
    assert without_common(terms, {"okta": 0.9}, docs=999) == terms
    assert without_common(terms, {"okta": 0.9}, docs=1000) == ("okta", "saml")  # keeps 3
    assert without_common(("okta", "saml", "acs", "audience"), {"okta": 0.9},
                          docs=1000) == ("saml", "acs", "audience")


def test_escalation_suggestion_says_how_it_was_resolved_and_what_to_check() -> None:
    found = Suggestion(SuggestionKind.ESCALATION, 17, title="SAML 500 after 4.2",
                       category="known_issue", resolved_at=datetime(2026, 11, 20, 9, tzinfo=UTC),
                       cause="Strict audience check", check_first="The audience URN " * 30)
    assert found.label == "ESC-17"
    assert found.headline() == "Similar: ESC-17, resolved as known issue on 2026-11-20"
    title, cause, check = found.details()
    assert (title, cause) == ("SAML 500 after 4.2", "cause: Strict audience check")
    assert check.startswith("before you escalate, check: The audience URN")
    assert len(check) <= len("before you escalate, check: ") + 180 and check.endswith("…")


def test_article_suggestion_gives_title_workaround_and_check_first() -> None:
    found = Suggestion(SuggestionKind.ARTICLE, 4, title="Okta SAML login returns 500",
                       cause="x", fix="Set the audience URN\nin lower case",
                       check_first="Compare the IdP audience URN")
    assert found.label == "KB-4"
    assert found.headline() == "KB: Okta SAML login returns 500"
    assert found.details() == ("workaround: Set the audience URN in lower case",
                               "before you escalate, check: Compare the IdP audience URN")
