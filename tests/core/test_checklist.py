"""The escalation checklist and the validation that refuses an unready escalation."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta

import pytest

from core.checklist import (
    FIELDS,
    FIELDS_BY_KEY,
    SLACK_INPUT_MAX,
    Kind,
    Step,
    Weakness,
    fields_of,
    is_url,
    readiness,
    split_items,
    validate,
)
from core.guardrails import TEMPERAMENT_HINT
from core.model import (
    Answers,
    CustomerTier,
    Environment,
    Severity,
    Signal,
    Workaround,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DOMAINS = frozenset({"auth", "billing", "data"})

GOOD = Answers(
    problem="SSO login fails with HTTP 500 for all Acme users since build 4.2.",
    background=("Acme rotated their SAML signing certificate on Monday; every login failed "
                "from 09:10 UTC onwards."),
    domain="auth",
    severity=Severity.SEV2,
    customer="Acme Corp (acct 4471)",
    tier=CustomerTier.ENTERPRISE,
    affected_users="1,200",
    first_reported_at=NOW - timedelta(hours=3),
    signals=(Signal.CODE_CHANGE,),
    repro_steps=("1. Log in as a tenant admin at acme.example.com\n"
                 "2. Click Sign in with SSO\n"
                 "3. Observe HTTP 500 after the IdP redirect"),
    expected="The user lands on the dashboard after the IdP redirect",
    actual="HTTP 500 and a blank page, correlation id abc123",
    environment=Environment.PRODUCTION,
    build_version="web 4.2.1 (a1b2c3d)",
    feature_flags="new_saml=on, jit_provisioning=on",
    region="eu-west-1 / cluster-7",
    workflow="Tenant admins sign in through Okta SAML with just-in-time provisioning",
    logs="2026-11-23T09:10:02Z ERROR saml.verify signature mismatch corr=abc123",
    evidence_links=("https://har.example.com/acme-login.har\n"
                    "https://drive.example.com/screens/500.png"),
    tried=("Cleared the SSO metadata cache, same 500. Re-uploaded the new IdP certificate, "
           "same 500 on the next login."),
    blocker="The SAML verifier config is server-side and support has no write access to it.",
    hypothesis=("We ruled out a stale metadata cache, so we suspect the verifier still pins "
                "the old certificate."),
    asks="Confirm the pinned certificate in the verifier config and roll it forward",
    workaround=Workaround.PARTIAL,
    deadline="2026-11-27",
    renewal_at_stake=True,
    posture="Go-live for 1,200 users is Friday; two workarounds failed; exec sponsor asking.",
    linked_tickets="ZD-48213, PROJ-112\n#48213\nhttps://acme.zendesk.com/agent/tickets/48213",
    case_owner="U0CASE",
)

REQUIRED = [f.key for f in FIELDS if f.required]
OPTIONAL = [f.key for f in FIELDS if not f.required]
REQUIRED_TEXT = [f.key for f in FIELDS
                 if f.required and f.kind in (Kind.LINE, Kind.TEXT, Kind.NUMBER, Kind.LINKS,
                                              Kind.TICKETS, Kind.USER, Kind.DOMAIN)]


def errors_for(**changes: object) -> dict[str, str]:
    return validate(replace(GOOD, **changes), now=NOW, domains=DOMAINS)  # type: ignore[arg-type]


class TestFieldTable:
    def test_every_field_is_an_answer(self) -> None:
        """Every checklist item is stored on the Answers record, and nothing is left out."""
        assert {f.key for f in FIELDS} == {f.name for f in fields(Answers)}

    def test_keys_are_unique(self) -> None:
        """No two checklist items share a key (errors are keyed by it)."""
        assert len(FIELDS_BY_KEY) == len(FIELDS)

    def test_steps_partition_the_fields(self) -> None:
        """The three steps together show every field exactly once, in order."""
        assert sum((fields_of(step) for step in Step), ()) == FIELDS

    def test_step_numbers_and_headings(self) -> None:
        """Steps are numbered 1–3 with readable headings."""
        assert [(s.number, s.heading) for s in Step] == [
            (1, "Problem & impact"), (2, "Reproduction & evidence"), (3, "Diagnosis & handoff")]

    @pytest.mark.parametrize("key", ["problem", "affected_users", "repro_steps", "expected",
                                     "actual", "environment", "build_version", "workflow",
                                     "severity", "tried", "case_owner", "linked_tickets",
                                     "blocker", "hypothesis"])
    def test_seed_checklist_items_are_required(self, key: str) -> None:
        """The seeds' must-haves (problem, impact, repro, blocker, hypothesis …) are required."""
        assert FIELDS_BY_KEY[key].required

    def test_customer_names_are_not_tone_checked(self) -> None:
        """Ids and names (customer, build, flags, tickets) are never judged for tone."""
        for key in ("customer", "build_version", "feature_flags", "region", "logs",
                    "linked_tickets"):
            assert not FIELDS_BY_KEY[key].tone


class TestValidateGood:
    def test_complete_answers_pass_overall(self) -> None:
        """A complete, specific escalation has no errors."""
        assert validate(GOOD, now=NOW, domains=DOMAINS) == {}

    @pytest.mark.parametrize("step", list(Step))
    def test_complete_answers_pass_every_step(self, step: Step) -> None:
        """Each step of the form accepts the complete escalation."""
        assert validate(GOOD, step, now=NOW, domains=DOMAINS) == {}

    def test_complete_answers_are_ready(self) -> None:
        """A complete escalation has nothing left to flag on the last step."""
        assert readiness(GOOD, now=NOW, domains=DOMAINS) == []

    @pytest.mark.parametrize("key", OPTIONAL)
    def test_optional_fields_may_be_blank(self, key: str) -> None:
        """Leaving an optional field empty never blocks (as long as logs or links remain)."""
        blank: object = () if key == "signals" else (False if key == "renewal_at_stake"
                                                      else None)
        assert errors_for(**{key: blank}) == {}

    def test_steps_only_report_their_own_fields(self) -> None:
        """An error on a step-3 field does not show up on step 1."""
        answers = replace(GOOD, blocker=None, problem=None)
        assert set(validate(answers, Step.PROBLEM, now=NOW)) == {"problem"}
        assert set(validate(answers, Step.HANDOFF, now=NOW)) == {"blocker"}
        assert validate(answers, Step.REPRODUCTION, now=NOW) == {}


class TestRequired:
    @pytest.mark.parametrize("key", REQUIRED)
    def test_missing_field_errors_on_its_key(self, key: str) -> None:
        """Leaving out a required item gives an error on exactly that field."""
        errors = errors_for(**{key: None})
        assert set(errors) == {key}
        assert errors[key] == f"{FIELDS_BY_KEY[key].label} is required."

    @pytest.mark.parametrize("key", REQUIRED_TEXT)
    @pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
    def test_whitespace_is_missing(self, key: str, blank: str) -> None:
        """A field with only spaces or newlines counts as not filled in."""
        errors = errors_for(**{key: blank})
        assert errors[key].endswith("is required.")

    @pytest.mark.parametrize("step", list(Step))
    def test_empty_form_errors_on_every_required_field_of_the_step(self, step: Step) -> None:
        """An empty step lists every required field it holds."""
        errors = validate(Answers(), step, now=NOW)
        expected = {f.key for f in fields_of(step) if f.required}
        if step is Step.REPRODUCTION:
            expected.add("logs")
        assert set(errors) == expected


class TestSpecificText:
    @pytest.mark.parametrize("text", ["see ticket", "need engineering", "can't fix",
                                      "Not sure, please investigate"])
    def test_vague_blocker(self, text: str) -> None:
        """A blocker that doesn't say why support can't solve it is refused."""
        errors = errors_for(blocker=text)
        assert "Blocker is too generic" in errors["blocker"]
        assert "support level" in errors["blocker"]

    @pytest.mark.parametrize("text", ["not sure", "idk", "tbd", "must be a bug"])
    def test_vague_hypothesis(self, text: str) -> None:
        """A hypothesis that names no next move is refused with the "ruled out X" example."""
        errors = errors_for(hypothesis=text)
        assert "Next-move hypothesis is too generic" in errors["hypothesis"]
        assert "ruled out X and Y" in errors["hypothesis"]

    def test_short_blocker(self) -> None:
        """A specific but too-short blocker asks for more words."""
        assert "at least 6 words" in errors_for(blocker="No server access")["blocker"]

    def test_tried_with_seed_002_example(self) -> None:
        """Seed 002's grounded frustration example is accepted as "what was tried"."""
        text = ("customer tried the workaround twice and it failed both times. "
                "Their frustration is justified.")
        assert errors_for(tried=text) == {}

    @pytest.mark.parametrize("key", ["background", "tried", "posture", "blocker"])
    def test_temperament_refused(self, key: str) -> None:
        """Notes about the customer's temperament are refused on every free-text field."""
        text = "The customer is difficult and rude to our agents on every call this week."
        assert errors_for(**{key: text})[key] == TEMPERAMENT_HINT

    def test_customer_name_is_not_judged(self) -> None:
        """An account whose name sounds like temperament is still accepted."""
        assert errors_for(customer="Crazy Horse Outfitters (acct 991)") == {}

    def test_posture_with_facts_passes(self) -> None:
        """A posture of facts and risk passes."""
        assert errors_for(posture="Renewal on Dec 1; CFO asked for a fix date twice.") == {}


class TestAffectedUsers:
    @pytest.mark.parametrize("value", ["120", "1,200", "1_000", " 7 ", "10000000000"])
    def test_whole_numbers_pass(self, value: str) -> None:
        """A whole number, with or without thousands separators, is accepted."""
        assert "affected_users" not in errors_for(affected_users=value)

    @pytest.mark.parametrize("value", ["many", "ten", "-3", "1.5", "~100", "100 users",
                                       "²", "①"])
    def test_non_numbers_refused(self, value: str) -> None:
        """Words, negatives, fractions and odd digit characters are refused, never a crash."""
        assert errors_for(affected_users=value)["affected_users"] == (
            "Enter a whole number of users, e.g. 120.")

    @pytest.mark.parametrize("value", ["0", "000", "0,000"])
    def test_zero_refused(self, value: str) -> None:
        """Zero affected users is not an escalation."""
        assert "At least one user" in errors_for(affected_users=value)["affected_users"]

    def test_absurd_count_refused(self) -> None:
        """More users than exist is refused as a typo."""
        assert "more users than exist" in errors_for(
            affected_users="10000000001")["affected_users"]

    @pytest.mark.parametrize(("value", "count"),
                             [("1,200", 1200), ("1_000", 1000), (" 7 ", 7), ("many", None),
                              ("", None), (None, None), ("²", None)])
    def test_count_matches_validation(self, value: str | None, count: int | None) -> None:
        """The stored count is the number validation accepted (never 0 for "1_000")."""
        assert replace(GOOD, affected_users=value).affected_users_count() == count


class TestLinks:
    @pytest.mark.parametrize(
        "value",
        ["https://har.example.com/a.har",
         "http://dash.example.com/d/abc?from=now-1h",
         "https://a.example.com/1 https://b.example.com/2",
         "https://a.example.com/1,https://b.example.com/2;https://c.example.com/3",
         "https://grafana.internal.example.com:3000/d/x"],
    )
    def test_good_links_pass(self, value: str) -> None:
        """Well-formed http(s) URLs, one per line or separated by commas, pass."""
        assert errors_for(evidence_links=value) == {}

    @pytest.mark.parametrize(
        "value",
        ["har.example.com/a.har", "ftp://files.example.com/a.har", "https://",
         "https://localhost/a.har", "javascript:alert(1)", "see drive folder",
         "https://exa mple.com/x", "https://example.com/ok\nscreenshot.png"],
    )
    def test_malformed_links_refused(self, value: str) -> None:
        """Anything that is not a full http(s) link is refused and quoted back."""
        errors = errors_for(evidence_links=value)
        assert errors["evidence_links"].startswith("Not a well-formed http(s) link: ")
        assert "logs" not in errors

    def test_too_long(self) -> None:
        """A link list over Slack's input limit is refused naming the limit."""
        value = "https://example.com/" + "a" * SLACK_INPUT_MAX
        assert f"the limit is {SLACK_INPUT_MAX}" in errors_for(evidence_links=value)[
            "evidence_links"]

    def test_helpers(self) -> None:
        """Items split on whitespace, commas and semicolons; only http(s) with a host is a URL."""
        assert split_items(" a, b;c\n d ") == ["a", "b", "c", "d"]
        assert is_url("https://example.com")
        assert not is_url("https://example")


class TestTickets:
    @pytest.mark.parametrize(
        "value",
        ["ZD-48213", "PROJ-112", "#48213", "48213", "zd-48213", "ZD#48213", "ZD48213",
         "https://acme.zendesk.com/agent/tickets/48213",
         "ZD-48213, PROJ-112\n#48213 https://jira.example.com/browse/PROJ-112"],
    )
    def test_good_ticket_ids_pass(self, value: str) -> None:
        """Zendesk and Jira ids, bare numbers and https links pass."""
        assert errors_for(linked_tickets=value) == {}

    @pytest.mark.parametrize("value", ["ticket 48213", "#1", "PROJ112", "ZD 48213",
                                       "see zendesk", "ZD-48213, acme.zendesk.com/48213"])
    def test_malformed_ticket_ids_refused(self, value: str) -> None:
        """Words and half-ids are refused with examples of good ids."""
        message = errors_for(linked_tickets=value)["linked_tickets"]
        assert message.startswith("Not a ticket id or link: ")
        assert "ZD-48213" in message and "PROJ-112" in message

    def test_too_long(self) -> None:
        """A ticket list over its 1000-character limit is refused naming the limit."""
        value = ", ".join(["ZD-48213"] * 120)
        assert "the limit is 1000" in errors_for(linked_tickets=value)["linked_tickets"]


class TestProblemStatement:
    @pytest.mark.parametrize(
        "value",
        ["SSO login fails with HTTP 500 for all Acme users since build 4.2",
         "Why does CSV export return HTTP 500 for files over 10 MB since 4.2.1?",
         "Webhook deliveries to acme.example.com time out after 30 s since Monday!"],
    )
    def test_one_sentence_passes(self, value: str) -> None:
        """One sentence, even with version numbers or hostnames, passes."""
        assert errors_for(problem=value) == {}

    @pytest.mark.parametrize(
        "value",
        ["SSO login fails with HTTP 500. It started on Monday after build 4.2.",
         "Export fails for big files! Customer has a deadline on Friday.",
         "Is SSO down for Acme? All 1,200 users see HTTP 500 now."],
    )
    def test_two_sentences_refused(self, value: str) -> None:
        """A second sentence is refused; details belong in Background."""
        assert "one sentence" in errors_for(problem=value)["problem"]

    def test_newline_refused(self) -> None:
        """A problem statement on two lines is refused."""
        value = "SSO login fails with HTTP 500 for Acme\nsince build 4.2 on every tenant"
        assert errors_for(problem=value)["problem"] == (
            "Keep the problem statement to one sentence on one line.")

    def test_trailing_newline_is_ignored(self) -> None:
        """A stray trailing newline from a paste is not a second line."""
        assert errors_for(problem="SSO login fails with HTTP 500 for all Acme users\n") == {}

    def test_too_long_names_the_limit(self) -> None:
        """A problem statement over 200 characters is refused naming the limit."""
        value = "SSO login fails for Acme users " + "x" * 200
        message = errors_for(problem=value)["problem"]
        assert message.startswith(f"{len(value)} characters; the limit is 200.")

    def test_exactly_at_limit_passes(self) -> None:
        """Exactly 200 characters is allowed."""
        value = "SSO login fails with HTTP 500 for all Acme users since build 4.2 on "
        value += "x" * (200 - len(value))
        assert len(value) == 200
        assert "problem" not in errors_for(problem=value)

    def test_generic_problem_refused(self) -> None:
        """A one-liner like "not working, urgent" is refused as a problem statement."""
        assert "too generic" in errors_for(problem="Not working, urgent!!")["problem"]

    def test_text_over_slack_limit(self) -> None:
        """Any text field over Slack's 3000-character limit is refused naming the limit."""
        value = "Acme rotated the SAML certificate. " * 100
        assert "the limit is 3000" in errors_for(background=value)["background"]


class TestFirstReported:
    def test_future_refused(self) -> None:
        """A first-report time in the future is refused."""
        errors = errors_for(first_reported_at=NOW + timedelta(hours=1))
        assert "in the future" in errors["first_reported_at"]

    def test_small_clock_skew_allowed(self) -> None:
        """A few minutes ahead (clock skew, "now" picked in the picker) is allowed."""
        assert errors_for(first_reported_at=NOW + timedelta(minutes=4)) == {}

    def test_over_a_year_ago_refused(self) -> None:
        """A report over a year old is refused as a likely typo."""
        assert "More than a year ago" in errors_for(
            first_reported_at=NOW - timedelta(days=400))["first_reported_at"]

    def test_naive_time_is_utc(self) -> None:
        """A naive first-report time is taken as UTC instead of crashing validation."""
        assert errors_for(first_reported_at=datetime(2026, 11, 23, 9, 0)) == {}
        assert "in the future" in errors_for(
            first_reported_at=datetime(2026, 11, 23, 14, 0))["first_reported_at"]


class TestLogsOrEvidence:
    def test_both_empty_errors_on_logs(self) -> None:
        """With neither logs nor evidence links, the error sits on the logs field."""
        errors = errors_for(logs=None, evidence_links="  ")
        assert set(errors) == {"logs"}
        assert "engineering needs the data" in errors["logs"]

    def test_both_empty_on_reproduction_step(self) -> None:
        """The logs error shows on step 2, where the fields are."""
        answers = replace(GOOD, logs=None, evidence_links=None)
        assert set(validate(answers, Step.REPRODUCTION, now=NOW)) == {"logs"}
        assert validate(answers, Step.PROBLEM, now=NOW, domains=DOMAINS) == {}
        assert validate(answers, Step.HANDOFF, now=NOW) == {}

    def test_logs_alone_is_enough(self) -> None:
        """Pasted log excerpts without links are enough."""
        assert errors_for(evidence_links=None) == {}

    def test_links_alone_are_enough(self) -> None:
        """Links to logs or HAR captures without pasted excerpts are enough."""
        assert errors_for(logs=None) == {}


class TestDomain:
    def test_unknown_domain_refused(self) -> None:
        """A domain not in the configured set is refused."""
        assert errors_for(domain="mobile")["domain"] == "Pick one of the domains."

    def test_domain_is_exact(self) -> None:
        """Domain keys are matched exactly (the picker sends the key)."""
        assert "domain" in errors_for(domain="Auth")

    def test_without_configured_domains_any_is_accepted(self) -> None:
        """Before domains are configured, any domain key is accepted."""
        answers = replace(GOOD, domain="mobile")
        assert validate(answers, now=NOW) == {}


class TestReadiness:
    def test_errors_come_first_then_soft_gaps(self) -> None:
        """The last step lists blocking errors before softer reviewer notes."""
        answers = replace(GOOD, blocker=None, evidence_links=None, posture=None,
                          deadline=None, renewal_at_stake=False)
        notes = readiness(answers, now=NOW, domains=DOMAINS)
        assert [n.field for n in notes] == ["blocker", "evidence_links", "posture"]
        assert notes[0] == Weakness("blocker", "Blocker: why support cannot resolve it "
                                               "is required.")

    def test_missing_evidence_links(self) -> None:
        """No screenshots, HAR or video is flagged, but does not block."""
        answers = replace(GOOD, evidence_links=None)
        assert validate(answers, now=NOW, domains=DOMAINS) == {}
        assert readiness(answers, now=NOW, domains=DOMAINS) == [
            Weakness("evidence_links", "No screenshots, HAR or video links attached.")]

    def test_no_posture_deadline_or_renewal(self) -> None:
        """With no posture, deadline or renewal at stake, the missing risk is flagged."""
        answers = replace(GOOD, posture=None, deadline=None, renewal_at_stake=False)
        assert readiness(answers, now=NOW, domains=DOMAINS) == [
            Weakness("posture", "No customer deadline or risk stated.")]

    @pytest.mark.parametrize("changes", [{"posture": "Go-live Friday for 1,200 users."},
                                         {"deadline": "2026-11-27"},
                                         {"renewal_at_stake": True}])
    def test_any_risk_statement_is_enough(self, changes: dict[str, object]) -> None:
        """A posture, a deadline or a renewal flag each count as a stated risk."""
        answers = replace(GOOD, posture=None, deadline=None, renewal_at_stake=False)
        answers = replace(answers, **changes)  # type: ignore[arg-type]
        assert readiness(answers, now=NOW, domains=DOMAINS) == []

    def test_hypothesis_without_reasoning(self) -> None:
        """A hypothesis that only names a move, without why, is flagged softly."""
        answers = replace(GOOD, hypothesis="Roll back the verifier config to build 4.1.9 today")
        assert validate(answers, now=NOW, domains=DOMAINS) == {}
        notes = readiness(answers, now=NOW, domains=DOMAINS)
        assert [n.field for n in notes] == ["hypothesis"]
        assert "ruled out X, so we suspect Z" in notes[0].note

    @pytest.mark.parametrize("hypothesis", [
        "We ruled out the cache and the IdP, the verifier config is next",
        "We suspect the verifier pins the old certificate",
        "Probably the verifier pins the old certificate after the deploy",
        "It fails because the verifier pins the old certificate",
    ])
    def test_hypothesis_with_reasoning(self, hypothesis: str) -> None:
        """A hypothesis that gives its reasoning is not flagged."""
        answers = replace(GOOD, hypothesis=hypothesis)
        assert readiness(answers, now=NOW, domains=DOMAINS) == []

    def test_empty_form(self) -> None:
        """An empty form lists every required field, the data error, then the soft gaps."""
        notes = readiness(Answers(), now=NOW)
        keys = [n.field for n in notes]
        assert keys[-2:] == ["evidence_links", "posture"]
        assert set(keys[:-2]) == {*REQUIRED, "logs"}
        assert "hypothesis" not in keys[-2:]


class TestReadinessWhileFilling:
    def test_blank_fields_of_the_step_on_screen_are_not_listed(self) -> None:
        """Arriving on the last step, its own empty fields are not reported as weak."""
        answers = replace(GOOD, blocker=None, hypothesis=None, background=None)
        notes = readiness(answers, now=NOW, domains=DOMAINS, being_filled=Step.HANDOFF)
        keys = [n.field for n in notes]
        assert "blocker" not in keys and "hypothesis" not in keys
        assert "background" in keys  # an earlier step's gap is still shown

    def test_typed_but_weak_fields_are_listed(self) -> None:
        """A field typed on the step on screen but too vague is still reported."""
        answers = replace(GOOD, blocker="need engineering")
        notes = readiness(answers, now=NOW, domains=DOMAINS, being_filled=Step.HANDOFF)
        assert "blocker" in [n.field for n in notes]
