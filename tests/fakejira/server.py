"""``FakeJira``: a real local HTTP server answering like Jira Cloud's REST API v3.

aiohttp on 127.0.0.1 (random port) in its own thread, like the fake Slack. It keeps projects,
issues, comments and remote links; answers in Jira's shapes; and, when ``../shared/jira`` is
present, validates every request it receives and every response it returns against
Atlassian's OpenAPI definition, and every ADF document (description, comment body) against
the ADF JSON Schema. Problems go to ``contract_violations`` (tests assert it stays empty).

    with FakeJira() as jira:
        jira.add_project("AUTH")
        ...                                  # the bot talks to jira.url
        issue = jira.issues["AUTH-1"]
        jira.transition("AUTH-1", "Done", fix_versions=["4.2.2"])
        body, headers = jira.webhook_payload("AUTH-1")   # what Jira would POST to a webhook
        jira.down(); jira.up()               # 503 for everything while down
        jira.fail("create", status=429, times=1, retry_after=1)
"""

from __future__ import annotations

import copy
import json
import re
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakehttp import FakeHttpServer, basic_auth, retry_after

from . import contract

API = "/rest/api/3"
CATEGORIES = {"To Do": "new", "Open": "new", "Reopened": "new", "In Progress": "indeterminate",
              "In Review": "indeterminate", "Done": "done", "Resolved": "done",
              "Closed": "done"}
CATEGORY_IDS = {"new": 2, "indeterminate": 4, "done": 3}


@dataclass
class Call:
    method: str
    path: str
    endpoint: str
    query: dict[str, str]
    body: Any
    status: int
    response: Any


@dataclass
class _Failure:
    status: int
    retry_after: int | None = None
    apply: bool = False


@dataclass
class FakeIssue:
    id: str
    key: str
    fields: dict[str, Any]
    comments: list[dict[str, Any]] = field(default_factory=list)
    remote_links: dict[str, dict[str, Any]] = field(default_factory=dict)


class FakeJira(FakeHttpServer):
    thread_name = "FakeJira"
    client_max_size = 4 * 1024 * 1024

    def __init__(self, *, email: str = "bot@example.com", token: str = "jira-token",
                 account_id: str = "5b10ac8d82e05b22cc7d4ef5", check_contract: bool = True
                 ) -> None:
        super().__init__()
        self.email, self.token, self.account_id = email, token, account_id
        self.check_contract = check_contract and contract.SHARED_JIRA is not None
        self.projects: dict[str, dict[str, Any]] = {}
        self.issues: dict[str, FakeIssue] = {}
        self.calls: list[Call] = []
        self.contract_violations: list[str] = []
        self._failures: dict[str, deque[_Failure]] = {}
        self._ids = 10000

    def add_routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/{tail:.*}", self._handle)

    # ----- test controls

    def add_project(self, key: str, *, issue_types: tuple[str, ...] = ("Bug", "Task")) -> None:
        with self._lock:
            pid = str(10000 + len(self.projects))
            self.projects[key] = {
                "id": pid, "key": key, "name": f"{key} project",
                "self": f"{self.url}{API}/project/{pid}",
                "issueTypes": [{"id": str(10001 + i), "name": name, "subtask": False,
                                "self": f"{self.url}{API}/issuetype/{10001 + i}"}
                               for i, name in enumerate(issue_types)]}

    def add_issue(self, project: str, summary: str, *, status: str = "To Do") -> str:
        """An issue someone created in Jira by hand (for "link existing")."""
        with self._lock:
            issue = self._new_issue(project, {"summary": summary,
                                              "issuetype": {"name": "Bug"}, "labels": []})
            self._set_status(issue, status)
            return issue.key

    def fail(self, endpoint: str, *, status: int, times: int = 1,
             retry_after: int | None = None, apply: bool = False) -> None:
        """The next ``times`` calls to ``endpoint`` (create, issue, comment, remotelink,
        search, myself, project) answer ``status``; ``apply`` does the work first."""
        with self._lock:
            self._failures.setdefault(endpoint, deque()).extend(
                [_Failure(status, retry_after, apply)] * times)

    def transition(self, key: str, status: str, *, fix_versions: list[str] | None = None,
                   assignee: str | None = None) -> None:
        with self._lock:
            issue = self.issues[key]
            self._set_status(issue, status)
            if fix_versions is not None:
                issue.fields["fixVersions"] = [{"id": str(20000 + i), "name": v,
                                                "self": f"{self.url}{API}/version/{20000 + i}"}
                                               for i, v in enumerate(fix_versions)]
            if assignee is not None:
                issue.fields["assignee"] = {"accountId": f"acct-{assignee.lower()}",
                                            "displayName": assignee, "active": True}
            issue.fields["updated"] = _now()

    def webhook_payload(self, key: str, *, event: str = "jira:issue_updated",
                        by: str | None = None) -> tuple[dict[str, Any], dict[str, str]]:
        """What Jira POSTs to a registered webhook for this issue, and its headers."""
        with self._lock:
            issue = self.issues[key]
            body = {"timestamp": int(time.time() * 1000), "webhookEvent": event,
                    "issue_event_type_name": "issue_generic",
                    "user": {"accountId": by or "acct-engineer", "displayName": "Engineer"},
                    "issue": {"id": issue.id, "key": issue.key,
                              "self": f"{self.url}{API}/issue/{issue.id}",
                              "fields": copy.deepcopy(issue.fields)},
                    "changelog": {"id": str(uuid.uuid4().int % 10**8), "items": [
                        {"field": "status", "fieldtype": "jira",
                         "toString": issue.fields["status"]["name"]}]}}
            headers = {"X-Atlassian-Webhook-Identifier": uuid.uuid4().hex,
                       "Content-Type": "application/json"}
            return body, headers

    def calls_to(self, endpoint: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.endpoint == endpoint]

    def wait_for(self, endpoint: str, *, count: int = 1, timeout: float = 10.0,
                 ok: bool = True) -> list[Call]:
        def enough() -> list[Call] | None:
            found = [c for c in self.calls
                     if c.endpoint == endpoint and (not ok or c.status < 300)]
            return found if len(found) >= count else None

        return self.wait_until(enough, timeout=timeout, failure=lambda: (
            f"no {count} {endpoint} call(s) in {timeout}s; got "
            f"{[(c.endpoint, c.status) for c in self.calls]}"))

    # ----- the API

    def _new_issue(self, project: str, fields: dict[str, Any]) -> FakeIssue:
        self._ids += 1
        number = sum(1 for k in self.issues if k.startswith(project + "-")) + 1
        key = f"{project}-{number}"
        stored = copy.deepcopy(fields)
        stored["project"] = {"key": project, "id": self.projects[project]["id"]}
        stored.setdefault("assignee", None)
        stored.setdefault("fixVersions", [])
        stored["created"] = stored["updated"] = _now()
        issue = FakeIssue(id=str(self._ids), key=key, fields=stored)
        self._set_status(issue, "To Do")
        self.issues[key] = issue
        return issue

    @staticmethod
    def _set_status(issue: FakeIssue, status: str) -> None:
        category = CATEGORIES.get(status, "indeterminate")
        issue.fields["status"] = {"name": status, "id": str(abs(hash(status)) % 10000),
                                  "statusCategory": {"key": category,
                                                     "id": CATEGORY_IDS[category],
                                                     "name": category}}

    def _issue_json(self, issue: FakeIssue, wanted: list[str] | None) -> dict[str, Any]:
        fields = issue.fields if not wanted else {k: v for k, v in issue.fields.items()
                                                  if k in wanted}
        return {"id": issue.id, "key": issue.key,
                "self": f"{self.url}{API}/issue/{issue.id}", "fields": copy.deepcopy(fields)}

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == basic_auth(self.email, self.token)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        body = json.loads(raw) if raw else None
        path, method, query = request.path, request.method, dict(request.query)
        endpoint = _endpoint(method, path)
        with self._lock:
            if self.check_contract:
                self.contract_violations += contract.request_errors(method, path, query, body)
            status, answer, headers = self._answer(request, endpoint, method, path, query, body)
            if self.check_contract and status < 429:
                self.contract_violations += contract.response_errors(method, path, status,
                                                                     answer)
            self.calls.append(Call(method, path, endpoint, query, body, status, answer))
            self._cond.notify_all()
        if answer is None:
            return web.Response(status=status, headers=headers)
        return web.json_response(answer, status=status, headers=headers)

    def _answer(self, request: web.Request, endpoint: str, method: str, path: str,
                query: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        if self._down:
            return 503, {"errorMessages": ["Service unavailable"]}, {}
        if not self._authorised(request):
            return 401, {"errorMessages": ["Client must be authenticated"]}, {}
        failure = None
        queue = self._failures.get(endpoint)
        if queue:
            failure = queue.popleft()
        if failure is not None and not failure.apply:
            return self._failed(failure)
        status, answer = self._route(endpoint, method, path, query, body)
        if failure is not None:
            return self._failed(failure)
        return status, answer, {}

    @staticmethod
    def _failed(failure: _Failure) -> tuple[int, Any, dict[str, str]]:
        return (failure.status, {"errorMessages": [f"HTTP {failure.status}"]},
                retry_after(failure.retry_after))

    def _route(self, endpoint: str, method: str, path: str, query: dict[str, str],
               body: Any) -> tuple[int, Any]:
        parts = path.removeprefix(API).strip("/").split("/")
        if endpoint == "myself":
            return 200, {"accountId": self.account_id, "accountType": "atlassian",
                         "displayName": "Escalation Bot", "emailAddress": self.email,
                         "active": True, "self": f"{self.url}{API}/user?accountId=x"}
        if endpoint == "project":
            project = self.projects.get(parts[1])
            if project is None:
                return 404, {"errorMessages": [f"No project could be found with key "
                                               f"'{parts[1]}'."], "errors": {}}
            return 200, copy.deepcopy(project)
        if endpoint == "create":
            return self._create(body)
        issue = self.issues.get(parts[1].upper()) if len(parts) > 1 else None
        if endpoint in ("issue", "comment", "remotelink") and issue is None:
            return 404, {"errorMessages": ["Issue does not exist or you do not have "
                                           "permission to see it."], "errors": {}}
        assert endpoint != "search" or body is not None
        if endpoint == "issue" and issue is not None:
            wanted = query.get("fields", "").split(",") if query.get("fields") else None
            return 200, self._issue_json(issue, wanted)
        if endpoint == "comment" and issue is not None:
            return self._comment(issue, body)
        if endpoint == "remotelink" and issue is not None:
            return self._remote_link(issue, body)
        if endpoint == "search":
            return self._search(body)
        return 404, {"errorMessages": [f"{method} {path} is not faked"], "errors": {}}

    def _create(self, body: Any) -> tuple[int, Any]:
        fields = (body or {}).get("fields") or {}
        project = (fields.get("project") or {}).get("key")
        errors: dict[str, str] = {}
        if project not in self.projects:
            errors["project"] = "valid project is required"
        elif (fields.get("issuetype") or {}).get("name") not in {
                t["name"] for t in self.projects[project]["issueTypes"]}:
            errors["issuetype"] = "Specify a valid issue type"
        if not fields.get("summary"):
            errors["summary"] = "You must specify a summary of the issue."
        elif "\n" in fields["summary"] or len(fields["summary"]) > 255:
            errors["summary"] = "Summary must be one line, less than 255 characters."
        if self.check_contract and "description" in fields:
            problems = contract.adf_errors(fields["description"])
            self.contract_violations += [f"description ADF: {p}" for p in problems]
        if errors:
            return 400, {"errorMessages": [], "errors": errors}
        issue = self._new_issue(project, fields)
        return 201, {"id": issue.id, "key": issue.key,
                     "self": f"{self.url}{API}/issue/{issue.id}"}

    def _comment(self, issue: FakeIssue, body: Any) -> tuple[int, Any]:
        document = (body or {}).get("body")
        if self.check_contract:
            self.contract_violations += [f"comment ADF: {p}"
                                         for p in contract.adf_errors(document)]
        comment = {"id": str(30000 + sum(len(i.comments) for i in self.issues.values())),
                   "self": f"{self.url}{API}/issue/{issue.id}/comment/1",
                   "author": {"accountId": self.account_id, "displayName": "Escalation Bot",
                              "active": True},
                   "body": document, "created": _now(), "updated": _now()}
        issue.comments.append(comment)
        return 201, copy.deepcopy(comment)

    def _remote_link(self, issue: FakeIssue, body: Any) -> tuple[int, Any]:
        global_id = (body or {}).get("globalId") or uuid.uuid4().hex
        status = 200 if global_id in issue.remote_links else 201
        link_id = len(issue.remote_links) + 1 if status == 201 else \
            issue.remote_links[global_id]["id"]
        issue.remote_links[global_id] = {**copy.deepcopy(body), "id": link_id}
        return status, {"id": link_id, "self": f"{self.url}{API}/issue/{issue.id}/remotelink/"
                        f"{link_id}"}

    def _search(self, body: Any) -> tuple[int, Any]:
        jql = (body or {}).get("jql", "")
        wanted = (body or {}).get("fields")
        limit = int((body or {}).get("maxResults") or 50)
        keys = re.search(r"key in \(([^)]*)\)", jql)
        found: list[FakeIssue] = []
        if keys:
            wanted_keys = [k.strip().upper() for k in keys.group(1).split(",")]
            found = [self.issues[k] for k in wanted_keys if k in self.issues]
        else:
            project = re.search(r'project = "?([A-Z0-9_]+)"?', jql)
            label = re.search(r'labels = "?([^"\s]+)"?', jql)
            found = [i for i in self.issues.values()
                     if (not project or i.fields["project"]["key"] == project.group(1))
                     and (not label or label.group(1) in i.fields.get("labels", []))]
        return 200, {"issues": [self._issue_json(i, wanted) for i in found[:limit]],
                     "isLast": True}


def _endpoint(method: str, path: str) -> str:
    rest = path.removeprefix(API)
    if rest == "/myself":
        return "myself"
    if rest.startswith("/project/"):
        return "project"
    if rest == "/issue" and method == "POST":
        return "create"
    if rest.startswith("/search/jql"):
        return "search"
    if re.fullmatch(r"/issue/[^/]+/comment", rest):
        return "comment"
    if re.fullmatch(r"/issue/[^/]+/remotelink", rest):
        return "remotelink"
    if re.fullmatch(r"/issue/[^/]+", rest):
        return "issue"
    return "other"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime())
