"""``FakeZendesk``: a local server answering the two Zendesk Support API calls the bot makes.

``GET /api/v2/users/me.json`` and ``PUT /api/v2/tickets/{id}.json`` (a comment on a ticket),
in Zendesk's shapes, with basic auth ``{email}/token:{token}``. Notes are kept per ticket
(``fake.notes[48213]``: list of ``{"body", "public"}``); ``fail()`` and ``down()`` inject
429/5xx answers. The server thread and the outage switch are :mod:`tests.fakehttp`'s.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from aiohttp import web

from tests.fakehttp import FakeHttpServer, basic_auth, retry_after


class FakeZendesk(FakeHttpServer):
    thread_name = "FakeZendesk"

    def __init__(self, *, email: str = "agent@example.com", token: str = "zd-token",
                 tickets: tuple[int, ...] = (48213,)) -> None:
        super().__init__()
        self.email, self.token = email, token
        self.tickets = set(tickets)
        self.notes: dict[int, list[dict[str, Any]]] = {}
        self.requests: list[tuple[str, str, int]] = []
        self.problems: list[str] = []
        self._failures: deque[tuple[int, int | None]] = deque()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/api/v2/users/me.json", self._me)
        app.router.add_put("/api/v2/tickets/{id}.json", self._update)

    def fail(self, status: int, *, times: int = 1, retry_after: int | None = None) -> None:
        with self._lock:
            self._failures.extend([(status, retry_after)] * times)

    def wait_for_notes(self, ticket: int, count: int, timeout: float = 10.0
                       ) -> list[dict[str, Any]]:
        def enough() -> list[dict[str, Any]] | None:
            notes = self.notes.get(ticket, [])
            return list(notes) if len(notes) >= count else None

        return self.wait_until(enough, timeout=timeout,
                               failure=lambda: f"ticket {ticket}: {self.notes.get(ticket)}")

    def _refusal(self, request: web.Request) -> web.Response | None:
        if self._down:
            return web.json_response({"error": "ServiceUnavailable"}, status=503)
        if request.headers.get("Authorization") != basic_auth(f"{self.email}/token", self.token):
            return web.json_response({"error": "Couldn't authenticate you"}, status=401)
        with self._lock:
            if self._failures:
                status, wait = self._failures.popleft()
                return web.json_response({"error": "failure"}, status=status,
                                         headers=retry_after(wait))
        return None

    async def _me(self, request: web.Request) -> web.Response:
        refused = self._refusal(request)
        with self._lock:
            self.requests.append(("GET", request.path, refused.status if refused else 200))
        return refused or web.json_response({"user": {
            "id": 9001, "name": "Escalation Bot", "email": self.email, "role": "agent"}})

    async def _update(self, request: web.Request) -> web.Response:
        refused = self._refusal(request)
        ticket = int(request.match_info["id"])
        body = await request.json()
        with self._lock:
            self.requests.append(("PUT", request.path, refused.status if refused else 200))
            if refused:
                return refused
            if ticket not in self.tickets:
                return web.json_response({"error": "RecordNotFound",
                                          "description": "Not found"}, status=404)
            comment = (body.get("ticket") or {}).get("comment") or {}
            if set(body) != {"ticket"} or not isinstance(comment.get("body"), str):
                self.problems.append(f"not a ticket comment update: {body}")
            self.notes.setdefault(ticket, []).append(
                {"body": comment.get("body"), "public": comment.get("public", True)})
            self._cond.notify_all()
        return web.json_response({"ticket": {"id": ticket, "status": "open"},
                                  "audit": {"id": 1, "ticket_id": ticket, "events": []}})
