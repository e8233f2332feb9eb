"""Jira Cloud REST API v3 over httpx, with typed pydantic models of the few answers we read.

Why httpx and not the ``jira`` or ``atlassian-python-api`` packages: the bot calls seven
endpoints, and what matters is how each failure is classified for the outbox — a 429's
``Retry-After``, a 5xx or timeout whose create may have landed, a 4xx no retry can fix. Both
libraries wrap ``requests`` with their own retry loops and raise one generic error type (the
``jira`` package also defaults to v2 endpoints and wiki markup, not ADF). httpx gives us
timeouts, connection pooling and the raw status and headers, and the models below keep the
answers typed.

Every failure becomes a :class:`JiraError` (a :class:`commands.ports.DeliveryError`): the
outbox retries it with backoff, or after ``Retry-After`` — a create or a sync is never lost.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from bot import metrics
from bot.tripwire import outside_transaction
from commands.ports import CreatedIssue, DeliveryError, NotFoundError
from core.jira_sync import IssueSnapshot

log = logging.getLogger(__name__)

API = "/rest/api/3"
ISSUE_FIELDS = ["summary", "status", "assignee", "fixVersions", "labels"]
# Short Retry-After waits are slept through in the call; longer ones go back to the outbox.
MAX_INLINE_WAIT_S = 2.0
SEARCH_BATCH = 50


class JiraError(DeliveryError):
    def __init__(self, message: str, *, status: int = 0, retryable: bool = True,
                 outcome_unknown: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message, retryable=retryable, outcome_unknown=outcome_unknown,
                         retry_after=retry_after)
        self.status = status


class NotFound(JiraError, NotFoundError):
    pass


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Account(_Model):
    account_id: str = Field(alias="accountId")
    display_name: str | None = Field(default=None, alias="displayName")


class IssueType(_Model):
    id: str
    name: str


class Project(_Model):
    id: str
    key: str
    name: str | None = None
    issue_types: list[IssueType] = Field(default_factory=list, alias="issueTypes")


class _Created(_Model):
    id: str
    key: str


class _StatusCategory(_Model):
    key: str = "new"


class _Status(_Model):
    name: str
    status_category: _StatusCategory = Field(default_factory=_StatusCategory,
                                              alias="statusCategory")


class _Named(_Model):
    name: str | None = None
    display_name: str | None = Field(default=None, alias="displayName")
    account_id: str | None = Field(default=None, alias="accountId")


class _Fields(_Model):
    summary: str | None = None
    status: _Status | None = None
    assignee: _Named | None = None
    fix_versions: list[_Named] = Field(default_factory=list, alias="fixVersions")


class Issue(_Model):
    id: str
    key: str
    fields: _Fields = Field(default_factory=_Fields)

    def snapshot(self) -> IssueSnapshot:
        status = self.fields.status
        return IssueSnapshot(
            key=self.key,
            status=status.name if status else "Unknown",
            status_category=status.status_category.key if status else "new",
            assignee=self.fields.assignee.display_name if self.fields.assignee else None,
            fix_versions=tuple(v.name for v in self.fields.fix_versions if v.name),
            summary=self.fields.summary,
        )


class _SearchPage(_Model):
    issues: list[Issue] = Field(default_factory=list)
    next_page_token: str | None = Field(default=None, alias="nextPageToken")


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    try:
        return max(float(raw), 0.0) if raw is not None else None
    except ValueError:
        return None


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        parts = list(body.get("errorMessages") or [])
        parts += [f"{k}: {v}" for k, v in (body.get("errors") or {}).items()]
        if parts:
            return "; ".join(str(p) for p in parts)[:500]
    return response.reason_phrase


class JiraClient:
    def __init__(self, base_url: str, email: str, token: str, *, timeout: float = 10.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, auth=(email, token), timeout=timeout,
                                  headers={"Accept": "application/json"}, transport=transport)

    def close(self) -> None:
        self._http.close()

    def browse_url(self, key: str) -> str:
        return f"{self.base_url}/browse/{key}"

    # -- plumbing

    def _request(self, method: str, path: str, *, endpoint: str, json: Any = None,
                 params: dict[str, Any] | None = None) -> Any:
        """One call, with up to two inline retries when a 429 or 503 asks for a short wait."""
        outside_transaction("Jira", f"{method} {endpoint}")
        for attempt in range(3):
            started = time.monotonic()
            try:
                response = self._http.request(method, API + path, json=json, params=params)
            except httpx.HTTPError as exc:
                metrics.JIRA_REQUESTS.labels(endpoint=endpoint, outcome="unreachable").inc()
                raise JiraError(f"cannot reach Jira: {type(exc).__name__}: {exc}",
                                outcome_unknown=True) from exc
            finally:
                metrics.JIRA_LATENCY.labels(endpoint=endpoint).observe(
                    time.monotonic() - started)
            status = response.status_code
            metrics.JIRA_REQUESTS.labels(endpoint=endpoint, outcome=str(status)).inc()
            if status < 300:
                return response.json() if response.content else None
            wait = _retry_after(response)
            if status in (429, 503) and attempt < 2 and wait is not None \
                    and wait <= MAX_INLINE_WAIT_S:
                time.sleep(wait)
                continue
            raise self._error(method, path, response, wait)
        raise AssertionError("unreachable")

    @staticmethod
    def _error(method: str, path: str, response: httpx.Response,
               wait: float | None) -> JiraError:
        status = response.status_code
        what = f"Jira {method} {path}: HTTP {status}"
        if status == 429:
            return JiraError(f"{what} (rate limited)", status=status, retry_after=wait)
        if status >= 500:
            return JiraError(what, status=status, outcome_unknown=method == "POST",
                             retry_after=wait)
        detail = _message(response)
        if status == 404:
            return NotFound(f"{what}: {detail}", status=status, retryable=False)
        return JiraError(f"{what}: {detail}", status=status, retryable=False)

    # -- endpoints

    def myself(self) -> Account:
        return Account.model_validate(self._request("GET", "/myself", endpoint="myself"))

    def project(self, key: str) -> Project:
        return Project.model_validate(self._request("GET", f"/project/{key}",
                                                    endpoint="project"))

    def create_issue(self, fields: dict[str, Any]) -> CreatedIssue:
        body = self._request("POST", "/issue", json={"fields": fields}, endpoint="create")
        created = _Created.model_validate(body)
        return CreatedIssue(id=created.id, key=created.key)

    def issue(self, key: str) -> IssueSnapshot:
        body = self._request("GET", f"/issue/{key}", params={"fields": ",".join(ISSUE_FIELDS)},
                             endpoint="issue")
        return Issue.model_validate(body).snapshot()

    def search(self, jql: str, *, limit: int = SEARCH_BATCH) -> list[IssueSnapshot]:
        body = self._request("POST", "/search/jql", endpoint="search",
                             json={"jql": jql, "fields": ISSUE_FIELDS, "maxResults": limit})
        return [issue.snapshot() for issue in _SearchPage.model_validate(body).issues]

    def issues(self, keys: Sequence[str]) -> list[IssueSnapshot]:
        """The current state of the given issues, fifty keys per search (paced by the caller)."""
        out: list[IssueSnapshot] = []
        for start in range(0, len(keys), SEARCH_BATCH):
            batch = keys[start:start + SEARCH_BATCH]
            out += self.search(f"key in ({', '.join(batch)})", limit=len(batch))
        return out

    def find_by_label(self, project: str, label: str) -> IssueSnapshot | None:
        found = self.search(f'project = "{project}" AND labels = "{label}" ORDER BY created ASC',
                            limit=1)
        return found[0] if found else None

    def add_comment(self, key: str, body: dict[str, Any]) -> str:
        answer = self._request("POST", f"/issue/{key}/comment", json={"body": body},
                               endpoint="comment")
        return str((answer or {}).get("id", ""))

    def add_remote_link(self, key: str, *, url: str, title: str, global_id: str) -> None:
        """Idempotent: Jira updates the link with the same ``globalId`` instead of adding one."""
        self._request("POST", f"/issue/{key}/remotelink", endpoint="remotelink", json={
            "globalId": global_id[:255],
            "application": {"type": "com.slack", "name": "Slack"},
            "relationship": "escalation packet",
            "object": {"url": url, "title": title[:255],
                       "icon": {"url16x16": "https://slack.com/favicon.ico", "title": "Slack"}},
        })
