"""``FakeZendesk``: a local server answering the two Zendesk Support API calls the bot makes.

``GET /api/v2/users/me.json`` and ``PUT /api/v2/tickets/{id}.json`` (a comment on a ticket),
in Zendesk's shapes, with basic auth ``{email}/token:{token}``. Notes are kept per ticket
(``fake.notes[48213]``: list of ``{"body", "public"}``); ``fail()`` and ``down()`` inject
429/5xx answers.
"""

from __future__ import annotations

import asyncio
import base64
import threading
import time
from collections import deque
from typing import Any

from aiohttp import web


class FakeZendesk:
    def __init__(self, *, email: str = "agent@example.com", token: str = "zd-token",
                 tickets: tuple[int, ...] = (48213,)) -> None:
        self.email, self.token = email, token
        self.tickets = set(tickets)
        self.notes: dict[int, list[dict[str, Any]]] = {}
        self.requests: list[tuple[str, str, int]] = []
        self.problems: list[str] = []
        self._failures: deque[tuple[int, int | None]] = deque()
        self._down = False
        self._lock = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeZendesk:
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            app = web.Application()
            app.router.add_get("/api/v2/users/me.json", self._me)
            app.router.add_put("/api/v2/tickets/{id}.json", self._update)
            runner = web.AppRunner(app, access_log=None)
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=serve, name="FakeZendesk", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def fail(self, status: int, *, times: int = 1, retry_after: int | None = None) -> None:
        with self._lock:
            self._failures.extend([(status, retry_after)] * times)

    def down(self) -> None:
        self._down = True

    def up(self) -> None:
        self._down = False

    def wait_for_notes(self, ticket: int, count: int, timeout: float = 10.0
                       ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.notes.get(ticket, [])) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"ticket {ticket}: {self.notes.get(ticket)}")
                self._lock.wait(left)
            return list(self.notes[ticket])

    def _refusal(self, request: web.Request) -> web.Response | None:
        if self._down:
            return web.json_response({"error": "ServiceUnavailable"}, status=503)
        expected = base64.b64encode(f"{self.email}/token:{self.token}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return web.json_response({"error": "Couldn't authenticate you"}, status=401)
        with self._lock:
            if self._failures:
                status, wait = self._failures.popleft()
                headers = {"Retry-After": str(wait)} if wait else {}
                return web.json_response({"error": "failure"}, status=status, headers=headers)
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
            self._lock.notify_all()
        return web.json_response({"ticket": {"id": ticket, "status": "open"},
                                  "audit": {"id": 1, "ticket_id": ticket, "events": []}})
