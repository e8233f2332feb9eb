"""Socket Mode: the ``wss://…/link/?ticket=…`` endpoint, envelope delivery and acks.

The WebSocket side runs on the server's event loop; the public methods are called from test
threads and hop onto the loop with ``run_coroutine_threadsafe``.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

JsonDict = dict[str, Any]

INTERACTIVE_TYPES = frozenset({"slash_commands", "interactive"})
# Slack pings Socket Mode clients. Pinging often also lets slack_sdk's built-in client close
# quickly: its receive loop holds a lock in a blocking recv (3 s timeout) that close() needs.
SERVER_PING_INTERVAL = 0.2


@dataclass
class _Connection:
    ws: web.WebSocketResponse
    number: int
    opened_at: float = field(default_factory=time.monotonic)


class SocketHub:
    """Tracks Socket Mode connections, hands out tickets, delivers envelopes, collects acks."""

    def __init__(self, app_id: str) -> None:
        self._app_id = app_id
        self._cond = threading.Condition()
        self._tickets: set[str] = set()
        self._connections: list[_Connection] = []
        self._total_connections = 0
        self._acks: dict[str, JsonDict] = {}
        self._sent: dict[str, JsonDict] = {}
        self.received: list[JsonDict] = []  # every JSON message the clients sent
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    # ----- tickets and the WebSocket endpoint -------------------------------------------------

    def issue_ticket(self) -> str:
        ticket = str(uuid.uuid4())
        with self._cond:
            self._tickets.add(ticket)
        return ticket

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        with self._cond:
            valid = ticket in self._tickets
            self._tickets.discard(ticket)
        if not valid:
            return web.Response(status=401, text="invalid or used ticket")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        with self._cond:
            self._total_connections += 1
            connection = _Connection(ws=ws, number=self._total_connections)
            live = len(self._connections) + 1
        await ws.send_str(json.dumps(self._hello(live)))
        with self._cond:
            self._connections.append(connection)
            self._cond.notify_all()
        pinger = asyncio.create_task(self._ping(ws))
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._on_text(msg.data)
        finally:
            pinger.cancel()
            with self._cond:
                if connection in self._connections:
                    self._connections.remove(connection)
                self._cond.notify_all()
        return ws

    @staticmethod
    async def _ping(ws: web.WebSocketResponse) -> None:
        while not ws.closed:
            await asyncio.sleep(SERVER_PING_INTERVAL)
            try:
                await ws.ping(b"fake-slack")
            except (ConnectionError, RuntimeError):
                return

    def _hello(self, live: int) -> JsonDict:
        return {
            "type": "hello",
            "num_connections": live,
            "debug_info": {
                "host": "applink-fake-" + secrets.token_hex(4),
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self._app_id},
        }

    def _on_text(self, data: str) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            message = {"unparsable": data}
        if not isinstance(message, dict):
            message = {"unexpected": message}
        with self._cond:
            self.received.append(message)
            envelope_id = message.get("envelope_id")
            if isinstance(envelope_id, str) and envelope_id not in self._acks:
                self._acks[envelope_id] = message
            self._cond.notify_all()

    # ----- test-facing API (any thread) -----------------------------------------------------

    @property
    def total_connections(self) -> int:
        with self._cond:
            return self._total_connections

    def live_connections(self) -> int:
        with self._cond:
            return len(self._connections)

    def wait_connected(self, timeout: float, *, total: int = 1) -> bool:
        """True once a client is connected and at least ``total`` connections were ever made."""
        with self._cond:
            return self._cond.wait_for(
                lambda: bool(self._connections) and self._total_connections >= total, timeout
            )

    def send(
        self,
        type_: str,
        payload: JsonDict,
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
        timeout: float = 10.0,
    ) -> str:
        envelope_id = str(uuid.uuid4())
        envelope: JsonDict = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": type_,
            "accepts_response_payload": type_ in INTERACTIVE_TYPES,
            "retry_attempt": retry_attempt,
            "retry_reason": retry_reason,
        }
        if type_ == "events_api":
            envelope["accepts_response_payload"] = False
        with self._cond:
            if not self._cond.wait_for(lambda: bool(self._connections), timeout):
                raise AssertionError(f"no Socket Mode client connected within {timeout}s")
            connection = self._connections[-1]
            self._sent[envelope_id] = envelope
        self._run(connection.ws.send_str(json.dumps(envelope)), timeout)
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> JsonDict:
        with self._cond:
            if not self._cond.wait_for(lambda: envelope_id in self._acks, timeout):
                sent = self._sent.get(envelope_id, {})
                raise AssertionError(
                    f"no ack for envelope {envelope_id} ({sent.get('type')}) within {timeout}s; "
                    f"acks so far: {len(self._acks)}"
                )
            return self._acks[envelope_id]

    def disconnect_all(self, reason: str = "refresh_requested", grace: float = 2.0) -> int:
        """Send Slack's ``disconnect`` message, let clients leave on their own, then close."""
        with self._cond:
            targets = list(self._connections)
        message = json.dumps(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}}
        )
        for connection in targets:
            self._run(connection.ws.send_str(message), 5.0)
        with self._cond:
            self._cond.wait_for(lambda: not any(c in self._connections for c in targets), grace)
        for connection in targets:
            self._run(connection.ws.close(code=1001, message=reason.encode()), 5.0)
        return len(targets)

    def reset(self) -> None:
        with self._cond:
            self._acks.clear()
            self._sent.clear()
            self.received.clear()

    async def close_all(self) -> None:
        with self._cond:
            targets = list(self._connections)
        for connection in targets:
            await connection.ws.close(code=1001, message=b"server shutdown")

    def _run(self, coro: Any, timeout: float) -> None:
        if self._loop is None:
            raise RuntimeError("FakeSlack is not running")
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)
