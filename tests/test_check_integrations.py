"""`escalation-bot check` with a `jira:` / `zendesk:` section: one line per problem."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakejira import FakeJira
from tests.fakezendesk import FakeZendesk
from tests.test_cli import GOOD_YAML, assert_user_error, run_cli

SECRETS = {"JIRA_EMAIL": "bot@example.com", "JIRA_API_TOKEN": "jira-token"}


@pytest.fixture
def jira() -> Iterator[FakeJira]:
    with FakeJira() as fake:
        fake.add_project("AUTH")
        fake.add_project("BILL", issue_types=("Task",))
        yield fake
        assert fake.contract_violations == []


def write(workdir: Path, section: str) -> Path:
    (workdir / "escalation.yml").write_text(GOOD_YAML + "\n" + section)
    return workdir


def jira_yaml(url: str, projects: str = "{auth: AUTH}") -> str:
    return f"jira:\n  base_url: {url}\n  project_per_domain: {projects}\n"


def test_good_jira_and_zendesk(tmp_path: Path, jira: FakeJira) -> None:
    zendesk = FakeZendesk().start()
    try:
        workdir = write(tmp_path, jira_yaml(jira.url) + f"zendesk:\n  subdomain: acme\n"
                                                         f"  base_url: {zendesk.url}\n")
        result = run_cli("check", cwd=workdir, **SECRETS, ZENDESK_EMAIL=zendesk.email,
                         ZENDESK_API_TOKEN=zendesk.token)
    finally:
        zendesk.stop()
    assert result.returncode == 0, result.stderr
    assert "jira: signed in to" in result.stdout and "as Escalation Bot" in result.stdout
    assert "jira: project AUTH (domain auth) takes Bug" in result.stdout
    assert "zendesk: signed in" in result.stdout
    assert [c.endpoint for c in jira.calls] == ["myself", "project"]


def test_refused_credentials(tmp_path: Path, jira: FakeJira) -> None:
    workdir = write(tmp_path, jira_yaml(jira.url))
    result = run_cli("check", cwd=workdir, JIRA_EMAIL="bot@example.com", JIRA_API_TOKEN="nope")
    assert_user_error(result, "jira:", "refused the credentials", "JIRA_API_TOKEN", "401")


def test_missing_secret_names_the_variable(tmp_path: Path, jira: FakeJira) -> None:
    workdir = write(tmp_path, jira_yaml(jira.url) + "  token_env: ACME_JIRA_TOKEN\n")
    result = run_cli("check", cwd=workdir, JIRA_EMAIL="bot@example.com")
    assert_user_error(result, "ACME_JIRA_TOKEN is not set")


def test_one_line_per_missing_project_or_issue_type(tmp_path: Path, jira: FakeJira) -> None:
    workdir = write(tmp_path, jira_yaml(jira.url, "{auth: NOPE, billing: BILL, api: AUTH}"))
    result = run_cli("check", cwd=workdir, **SECRETS)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, lines
    assert "project NOPE (domain auth) does not exist" in lines[0]
    assert "project BILL has no issue type 'Bug' (it has: Task)" in lines[1]
    assert "project AUTH (domain api) takes Bug" in result.stdout


@pytest.mark.parametrize(("section", "needles"), [
    ("jira:\n  base_url: acme.atlassian.net\n  project_per_domain: {auth: AUTH}\n",
     ["jira.base_url", "https://"]),
    ("jira:\n  base_url: https://a.atlassian.net\n  project_per_domain: {auth: auth}\n",
     ["jira.project_per_domain", "not a Jira project key"]),
    ("jira:\n  base_url: https://a.atlassian.net\n  project_per_domain: {sales: SAL}\n",
     ["'sales' is not a domain key"]),
    ("jira:\n  base_url: https://a.atlassian.net\n  project_per_domain: {auth: AUTH}\n"
     "  api_token: abc123\n", ["jira.api_token", "unknown key"]),
    ("jira:\n  base_url: https://a.atlassian.net\n  project_per_domain: {auth: AUTH}\n"
     "  token_env: abc123-secret\n", ["jira.token_env", "environment variable"]),
    ("jira:\n  base_url: https://a.atlassian.net\n  project_per_domain: {auth: AUTH}\n"
     "  status_map: {Done: finished}\n", ["jira.status_map.Done"]),
    ("zendesk:\n  subdomain: https://acme.zendesk.com\n", ["zendesk.subdomain"]),
])
def test_bad_sections_are_refused(tmp_path: Path, section: str, needles: list[str]) -> None:
    """Secrets in the file, bad keys and unknown domains are one line naming the key."""
    result = run_cli("check", cwd=write(tmp_path, section))
    assert_user_error(result, "escalation.yml", *needles)
