"""The Jira client against the fake Jira: shapes, and how each failure is classified."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.jira.client import JiraClient, JiraError, NotFound
from tests.fakejira import FakeJira
from tests.fakezendesk import FakeZendesk


@pytest.fixture
def jira() -> Iterator[FakeJira]:
    with FakeJira() as fake:
        fake.add_project("AUTH")
        yield fake
        assert fake.contract_violations == [], "\n".join(fake.contract_violations)


@pytest.fixture
def client(jira: FakeJira) -> Iterator[JiraClient]:
    c = JiraClient(jira.url, jira.email, jira.token, timeout=5)
    yield c
    c.close()


FIELDS = {"project": {"key": "AUTH"}, "issuetype": {"name": "Bug"}, "summary": "[ESC-1] x",
          "labels": ["escalation", "escalation-esc-1"]}


def test_create_read_search_comment_link(jira: FakeJira, client: JiraClient) -> None:
    created = client.create_issue(FIELDS)
    assert created.key == "AUTH-1"
    assert client.issue("AUTH-1").status == "To Do"
    assert client.find_by_label("AUTH", "escalation-esc-1") is not None
    assert client.find_by_label("AUTH", "escalation-esc-2") is None
    client.add_comment("AUTH-1", {"version": 1, "type": "doc", "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": "Owner: Dana"}]}]})
    for _ in range(2):  # the same globalId twice: one link, updated
        client.add_remote_link("AUTH-1", url="https://slack/p1", title="ESC-1",
                               global_id="escalation-bot:1")
    assert len(jira.issues["AUTH-1"].remote_links) == 1
    jira.transition("AUTH-1", "Done", fix_versions=["4.2.2"], assignee="Dana")
    [found] = client.issues(["AUTH-1", "AUTH-404"])
    assert (found.status, found.done, found.assignee, found.fix_versions) == \
        ("Done", True, "Dana", ("4.2.2",))


def test_a_missing_issue_is_not_found(client: JiraClient) -> None:
    with pytest.raises(NotFound) as caught:
        client.issue("AUTH-404")
    assert not caught.value.retryable


def test_a_long_rate_limit_goes_back_to_the_outbox_with_its_wait(
        jira: FakeJira, client: JiraClient) -> None:
    jira.fail("create", status=429, retry_after=30)
    with pytest.raises(JiraError) as caught:
        client.create_issue(FIELDS)
    assert caught.value.retryable and caught.value.retry_after == 30
    assert not caught.value.outcome_unknown
    assert jira.issues == {}


def test_a_short_rate_limit_is_waited_out_in_the_call(jira: FakeJira, client: JiraClient
                                                      ) -> None:
    jira.fail("issue", status=429, retry_after=1)
    client.create_issue(FIELDS)
    assert client.issue("AUTH-1").key == "AUTH-1"
    assert [c.status for c in jira.calls_to("issue")] == [429, 200]


def test_a_5xx_on_create_may_have_landed(jira: FakeJira, client: JiraClient) -> None:
    """Jira created the issue but answered 500: the outbox must look before creating again."""
    jira.fail("create", status=500, apply=True)
    with pytest.raises(JiraError) as caught:
        client.create_issue(FIELDS)
    assert caught.value.outcome_unknown and caught.value.retryable
    assert list(jira.issues) == ["AUTH-1"]


def test_unreachable_jira(client: JiraClient) -> None:
    dead = JiraClient("http://127.0.0.1:9", "a", "b", timeout=1)
    with pytest.raises(JiraError) as caught:
        dead.myself()
    assert caught.value.outcome_unknown and caught.value.retryable


def test_wrong_credentials_are_not_retried(jira: FakeJira) -> None:
    with pytest.raises(JiraError) as caught:
        JiraClient(jira.url, jira.email, "wrong").myself()
    assert caught.value.status == 401 and not caught.value.retryable


def test_a_bad_create_names_the_field(client: JiraClient) -> None:
    with pytest.raises(JiraError) as caught:
        client.create_issue({**FIELDS, "issuetype": {"name": "Epic"}})
    assert "issuetype" in str(caught.value) and not caught.value.retryable


def test_zendesk_internal_note() -> None:
    from bot.zendesk import ZendeskClient, ZendeskError

    fake = FakeZendesk(tickets=(48213,)).start()
    try:
        client = ZendeskClient(fake.url, fake.email, fake.token)
        assert client.me()["role"] == "agent"
        client.internal_note(48213, "Escalated as ESC-1")
        assert fake.notes[48213] == [{"body": "Escalated as ESC-1", "public": False}]
        with pytest.raises(ZendeskError) as missing:
            client.internal_note(1, "x")
        assert not missing.value.retryable
        fake.fail(429, retry_after=20)
        with pytest.raises(ZendeskError) as limited:
            client.internal_note(48213, "x")
        assert limited.value.retryable and limited.value.retry_after == 20
        assert fake.problems == []
    finally:
        fake.stop()
