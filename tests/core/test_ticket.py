"""The clean Engineering ticket (seed 001 §5) in Atlassian Document Format."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from core.model import Domain, Escalation, Level, LevelDecision, State
from core.ticket import (
    TicketSettings,
    description,
    issue_fields,
    plain_doc,
    repro_steps,
    summary,
    zendesk_ticket_ids,
)
from tests.builders import good_answers
from tests.fakejira import adf_errors, requires_jira_contract

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LINK = "https://acme.slack.com/archives/C0AUTH0001/p1700000000000100"


def escalation(**changes: Any) -> Escalation:
    return Escalation(id=42, answers=good_answers(NOW, **changes), requester="U0AGENT",
                      domain=Domain("auth", "Authentication & SSO", "C0AUTH0001"),
                      decision=LevelDecision(Level.L4, False, "SEV2 needing a code change"),
                      state=State.CLAIMED, created_at=NOW, owner="U0SPEC")


def blocks_after(document: dict[str, Any], title: str) -> dict[str, Any]:
    content = document["content"]
    for i, node in enumerate(content):
        if node["type"] == "heading" and node["content"][0]["text"] == title:
            return dict(content[i + 1])
    raise AssertionError(f"no heading {title!r}")


def texts(node: Any) -> str:
    return json.dumps(node, ensure_ascii=False)


class TestDescription:
    @requires_jira_contract
    def test_every_document_is_valid_adf(self) -> None:
        """The description and a comment pass Atlassian's ADF schema, also with sparse answers."""
        assert adf_errors(description(escalation(), permalink=LINK)) == []
        sparse = escalation(logs=None, repro_steps=None, evidence_links=None, workflow=None,
                            linked_tickets=None, background=None, feature_flags=None,
                            region=None, deadline=None, signals=())
        assert adf_errors(description(sparse)) == []
        assert adf_errors(plain_doc("ESC-42 owner: <@U0SPEC>", "", "ETA 2026-11-25")) == []

    @requires_jira_contract
    def test_the_schema_check_catches_a_broken_document(self) -> None:
        broken = description(escalation())
        broken["content"][0]["attrs"]["level"] = 9
        assert adf_errors(broken) != []

    def test_repro_steps_become_an_ordered_list(self) -> None:
        steps = blocks_after(description(escalation()), "Reproduction steps")
        assert steps["type"] == "orderedList"
        items = [i["content"][0]["content"][0]["text"] for i in steps["content"]]
        assert items == ["Open https://acme.example.com/login", "Choose 'Sign in with Okta'",
                         "Authenticate at Okta", "Observe HTTP 500 on /saml/acs"]

    def test_logs_are_a_code_block(self) -> None:
        logs = blocks_after(description(escalation()), "Logs")
        assert logs["type"] == "codeBlock"
        assert "audience mismatch" in logs["content"][0]["text"]

    def test_every_clean_ticket_field_is_there(self) -> None:
        """Seed 001 §5: problem, affected users, repro, evidence, environment, logs, workflow,
        severity, expected vs actual, versions, linked Zendesk tickets, explicit ownership."""
        document = description(escalation(), permalink=LINK)
        headings = [n["content"][0]["text"] for n in document["content"]
                    if n["type"] == "heading"]
        assert headings == ["Problem statement", "Impact", "Reproduction steps",
                            "Expected vs actual", "Environment and versions", "Workflow", "Logs",
                            "Screenshots, video and other evidence", "What support tried",
                            "Linked Zendesk tickets", "Ownership"]
        body = texts(document)
        for needle in ("1200", "SEV2", "HTTP 500 on /saml/acs", "web 4.2.1 (a1b2c3d)",
                       "production", "eu-west-1", "ZD-48213", "U0SPEC", LINK,
                       "The user lands on the dashboard"):
            assert needle in body, needle
        assert {"type": "link", "attrs": {"href": LINK}} in \
            blocks_after(document, "Ownership")["content"][-1]["content"][0]["content"][1][
                "marks"]

    def test_missing_steps_and_logs_say_so(self) -> None:
        body = texts(description(escalation(repro_steps=None, logs=None)))
        assert "Not reproduced yet." in body and "No logs attached." in body


class TestFields:
    def test_create_fields(self) -> None:
        settings = TicketSettings(project="AUTH", issue_type="Bug", labels=("escalation",),
                                  severity_field="customfield_10042",
                                  affected_users_field="customfield_10043")
        fields = issue_fields(escalation(), settings, permalink=LINK)
        assert fields["project"] == {"key": "AUTH"}
        assert fields["issuetype"] == {"name": "Bug"}
        assert fields["labels"] == ["escalation", "escalation-esc-42"]
        assert fields["customfield_10042"] == {"value": "SEV2"}
        assert fields["customfield_10043"] == 1200
        assert fields["summary"].startswith("[ESC-42] SEV2 SSO login fails")

    def test_summary_is_one_line_within_jira_limits(self) -> None:
        text = summary(escalation(problem="Line one\nline two " + "x" * 400))
        assert "\n" not in text and len(text) == 255

    def test_unset_custom_fields_are_left_out(self) -> None:
        fields = issue_fields(escalation(affected_users="many"), TicketSettings("AUTH"))
        assert not [k for k in fields if k.startswith("customfield_")]


@pytest.mark.parametrize(("raw", "ids"), [
    ("ZD-48213, AUTH-112", [48213]),
    ("#48213 ZD#77 zd123", [48213, 77, 123]),
    ("https://acme.zendesk.com/agent/tickets/5150", [5150]),
    ("AUTH-112, https://example.com/tickets/9", []),
    (None, []),
    ("ZD-1, ZD-1", [1]),
])
def test_zendesk_ticket_ids(raw: str | None, ids: list[int]) -> None:
    assert zendesk_ticket_ids(raw) == ids


def test_repro_steps_accept_bullets_and_plain_lines() -> None:
    assert repro_steps("- open\n* click\n\n3) see") == ["open", "click", "see"]
    assert repro_steps(replace(good_answers(NOW), repro_steps="just one").repro_steps) == \
        ["just one"]
