"""``FakeSlack``: a real HTTP + WebSocket server that behaves like Slack towards the app.

It runs aiohttp on ``127.0.0.1`` (random free port) in a background thread with its own event
loop, so synchronous tests and a synchronous Bolt app can both talk to it.
"""

from __future__ import annotations

import asyncio
import copy
import json
import secrets
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from aiohttp import web

from ..shared_data import SHARED_SLACK
from . import views as view_ops
from .failures import Failure, FailurePlan
from .files import FakeFile, FileApi
from .http_args import JSON_ARGUMENTS, decode_json_argument, read_api_request
from .schemas import ContractChecker
from .socket_mode import SocketHub
from .state import (
    ApiCall,
    FakeChannel,
    JsonDict,
    ResponseTarget,
    SlackIdentity,
    Trigger,
    WorkspaceState,
    make_user,
)
from .webapi import APP_TOKEN_METHODS, WebApi


class FakeSlack:
    """A fake Slack workspace with the Web API, Socket Mode and response_url endpoints.

    See the package docstring (``tests/fakeslack/__init__.py``) for a usage overview.
    """

    def __init__(
        self,
        bot_token: str = "xoxb-test",
        app_token: str = "xapp-test",
        team_id: str = "T0TEST",
        bot_user_id: str = "U0BOT",
        *,
        bot_id: str = "B0BOT",
        app_id: str = "A0TEST",
        team_domain: str = "fake-team",
        bot_name: str = "escalation-bot",
        auto_users: bool = True,
        contract_data: Path | None = SHARED_SLACK,
    ) -> None:
        self.identity = SlackIdentity(
            bot_token=bot_token,
            app_token=app_token,
            team_id=team_id,
            team_domain=team_domain,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            bot_name=bot_name,
            app_id=app_id,
        )
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._state = WorkspaceState()
        self._calls: list[ApiCall] = []
        self._violations: list[str] = []
        self._failures = FailurePlan()
        self._pace: float | None = None
        self._last_post: dict[str, float] = {}
        self._checker = ContractChecker(contract_data)
        self._hub = SocketHub(app_id)
        self._web = WebApi(
            self._state, self.identity, auto_users=auto_users, socket_url=self._socket_url
        )
        self._files = FileApi(self._web, lambda: f"{self.base_url}/upload/v1")
        self._files.register()
        self._port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._startup_error: BaseException | None = None

    # ----- lifecycle --------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        if self._thread is not None:
            raise RuntimeError("FakeSlack already started")
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(ready,), name="FakeSlack", daemon=True
        )
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("FakeSlack did not start within 10s")
        if self._startup_error is not None:
            raise RuntimeError("FakeSlack failed to start") from self._startup_error
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._thread = None
        self._loop = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _serve(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._start_site())
        except BaseException as err:  # reported to start()
            self._startup_error = err
            ready.set()
            loop.close()
            return
        self._loop = loop
        self._hub.bind(loop)
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._shutdown())
            loop.close()

    async def _start_site(self) -> None:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_get("/link/", self._hub.handle)
        app.router.add_post("/response/{kind}/{team}/{key}", self._handle_response_url)
        app.router.add_post("/upload/v1/{file_id}", self._handle_upload)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        await web.SockSite(runner, sock).start()
        self._runner = runner

    async def _shutdown(self) -> None:
        await self._hub.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ----- addresses ----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeSlack is not started")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """``WebClient(base_url=...)`` value, with the trailing slash."""
        return f"{self.base_url}/api/"

    def _socket_url(self) -> str:
        ticket = self._hub.issue_ticket()
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.identity.app_id}"

    # ----- Web API endpoint -------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        arrived, arrived_at = time.time(), time.monotonic()
        headers: dict[str, str] = {}
        try:
            args, encoding, token = await read_api_request(request)
        except ValueError as err:
            body: JsonDict = {"ok": False, "error": "invalid_json"}
            self._record(ApiCall(method, {}, arrived, 200, body, "json"), [f"{method}: {err}"])
            return web.json_response(body)

        known = method in self._web.handlers
        violations = self._checker.check(method, args) if known else [f"{method}: unknown method"]
        failure = self._failures.take(method)
        if failure is None and self._paced(method, args):
            failure = Failure(status=429, error="ratelimited", retry_after=1)
        status = 200
        with self._lock:
            body = {}
            if failure is None or failure.apply:  # a plain failure never reaches the method
                self._state.call_arrived = arrived_at  # what a trigger's age is counted to
                try:
                    body = self._authorised_call(method, args, token)
                finally:
                    self._state.call_arrived = None
            if failure is not None and (failure.status or failure.error):
                status = failure.status or 200
                body = {"ok": False, "error": failure.error}
                if failure.retry_after is not None:
                    headers["Retry-After"] = str(failure.retry_after)
            self._record(ApiCall(method, args, arrived, status, body, encoding), violations)
        if failure is not None and failure.delay > 0:
            await asyncio.sleep(failure.delay)
        return web.json_response(body, status=status, headers=headers)

    def pace_messages(self, per_second: float | None = 1.0) -> None:
        """Answer ``chat.postMessage`` faster than ``per_second`` in one channel with HTTP 429
        and ``Retry-After: 1``, as Slack does ("1 message per second per channel"). None: off.
        """
        with self._lock:
            self._pace = per_second
            self._last_post.clear()

    def _paced(self, method: str, args: JsonDict) -> bool:
        if self._pace is None or method != "chat.postMessage":
            return False
        channel = str(args.get("channel") or "")
        now = time.monotonic()
        with self._lock:
            last = self._last_post.get(channel)
            if last is not None and now - last < 1.0 / self._pace:
                return True
            self._last_post[channel] = now
            return False

    def _authorised_call(self, method: str, args: JsonDict, token: str | None) -> JsonDict:
        if method not in self._web.handlers:
            return {"ok": False, "error": "unknown_method"}
        expected = (
            self.identity.app_token if method in APP_TOKEN_METHODS else self.identity.bot_token
        )
        if not token:
            return {"ok": False, "error": "not_authed"}
        if token != expected:
            return {"ok": False, "error": "invalid_auth"}
        return self._web.call(method, args)

    def _record(self, call: ApiCall, violations: list[str]) -> None:
        with self._cond:
            self._calls.append(call)
            self._violations.extend(violations)
            self._cond.notify_all()

    async def _handle_response_url(self, request: web.Request) -> web.StreamResponse:
        arrived = time.time()
        key = request.match_info["key"]
        try:
            raw = await request.read()
            body = json.loads(raw) if raw.strip() else {}
            if not isinstance(body, dict):
                raise ValueError("response_url body is not a JSON object")
        except ValueError as err:
            answer: JsonDict = {"ok": False, "error": "invalid_payload"}
            self._record(
                ApiCall("response_url", {}, arrived, 400, answer), [f"response_url: {err}"]
            )
            return web.json_response(answer, status=400)
        for name in JSON_ARGUMENTS & body.keys():
            body[name] = decode_json_argument(body[name])
        violations = self._checker.check("response_url", body)
        with self._lock:
            status, answer = self._web.respond(key, body)
            self._record(ApiCall("response_url", body, arrived, status, answer), violations)
        return web.json_response(answer, status=status)

    async def _handle_upload(self, request: web.Request) -> web.StreamResponse:
        """Step 2 of files_upload_v2: the raw bytes POSTed to the issued upload URL."""
        arrived = time.time()
        file_id = request.match_info["file_id"]
        data = await request.read()
        with self._lock:
            status, text = self._files.receive(file_id, data)
            self._record(ApiCall("upload", {"file_id": file_id, "bytes": len(data)}, arrived,
                                 status, {"ok": status == 200, "body": text}, "raw"), [])
        return web.Response(status=status, text=text)

    # ----- recorded calls -----------------------------------------------------------------------

    @property
    def calls(self) -> list[ApiCall]:
        """Every Web API (and response_url) call, in the order they were handled."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[ApiCall]:
        with self._lock:
            return [c for c in self._calls if c.method == method]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 10.0,
        predicate: Callable[[ApiCall], bool] | None = None,
    ) -> list[ApiCall]:
        """Block until ``count`` calls to ``method`` (matching ``predicate``) have arrived."""

        def matching() -> list[ApiCall]:
            return [
                c for c in self._calls if c.method == method and (predicate is None or predicate(c))
            ]

        with self._cond:
            arrived = self._cond.wait_for(lambda: len(matching()) >= count, timeout)
            found = matching()
            if not arrived:
                seen = "\n".join(f"  {c.summary()}" for c in self._calls[-40:]) or "  (none)"
                raise AssertionError(
                    f"expected {count} {method} call(s) within {timeout}s, got {len(found)}; "
                    f"calls so far:\n{seen}"
                )
            return found

    @property
    def contract_violations(self) -> list[str]:
        with self._lock:
            return list(self._violations)

    # ----- failure injection ------------------------------------------------------------------

    def fail(
        self,
        method: str,
        status: int = 500,
        times: int = 1,
        retry_after: int = 1,
        *,
        apply: bool = False,
    ) -> None:
        """The next ``times`` calls to ``method`` get HTTP ``status`` (429 adds Retry-After).

        With ``apply=True`` the call still takes effect (e.g. the message is posted) before the
        error is returned — Slack's "it may have landed anyway" case.
        """
        self._failures.add(
            method, Failure.http(status, retry_after=retry_after, apply=apply), times
        )

    def fail_with_error(
        self, method: str, error: str = "channel_not_found", times: int = 1
    ) -> None:
        """The next ``times`` calls to ``method`` answer 200 ``{"ok": false, "error": error}``."""
        self._failures.add(method, Failure(status=0, error=error), times)

    def slow(self, method: str, seconds: float, times: int = 1) -> None:
        """The next ``times`` calls take effect at once but are answered after ``seconds``."""
        self._failures.add(method, Failure(status=0, error="", apply=True, delay=seconds), times)

    # ----- workspace setup and inspection -----------------------------------------------------

    @property
    def channels(self) -> dict[str, FakeChannel]:
        """The live channel registry (channel id -> FakeChannel)."""
        return self._state.channels

    def add_channel(
        self,
        channel_id: str,
        name: str,
        bot_member: bool = True,
        *,
        is_private: bool = False,
        members: set[str] | list[str] | None = None,
        is_archived: bool = False,
    ) -> FakeChannel:
        """Register a channel. Once any channel is registered, unknown channels are not found."""
        people = set(members or ())
        if bot_member:
            people.add(self.identity.bot_user_id)
        channel = FakeChannel(
            id=channel_id,
            name=name,
            is_private=is_private,
            members=people,
            members_known=members is not None,
            is_archived=is_archived,
        )
        with self._lock:
            self._state.channels[channel_id] = channel
        return channel

    @property
    def users(self) -> dict[str, JsonDict]:
        return self._state.users

    def add_user(
        self,
        user_id: str,
        name: str | None = None,
        *,
        real_name: str | None = None,
        email: str | None = None,
        tz: str = "Europe/London",
        tz_offset: int = 0,
        is_bot: bool = False,
        deleted: bool = False,
        display_name: str | None = None,
    ) -> JsonDict:
        user = make_user(
            user_id,
            team_id=self.identity.team_id,
            name=name,
            real_name=real_name,
            email=email,
            tz=tz,
            tz_offset=tz_offset,
            is_bot=is_bot,
            deleted=deleted,
            display_name=display_name,
        )
        with self._lock:
            self._state.users[user_id] = user
        return user

    @property
    def usergroups(self) -> dict[str, list[str]]:
        """User group id -> member user ids (for ``usergroups.users.list``); settable."""
        return self._state.usergroups

    @usergroups.setter
    def usergroups(self, groups: dict[str, list[str]]) -> None:
        with self._lock:
            self._state.usergroups.clear()
            self._state.usergroups.update({k: list(v) for k, v in groups.items()})

    def messages(self, channel: str) -> list[JsonDict]:
        """Current messages in a channel (edits applied), oldest first, thread replies included.

        ``channel`` may be a user id for the bot's DM with that user.
        """
        with self._lock:
            channel_id = self._state.dm_channels.get(channel, channel)
            return copy.deepcopy(self._state.messages.get(channel_id, []))

    def find_message(self, channel: str, ts: str) -> JsonDict | None:
        with self._lock:
            channel_id = self._state.dm_channels.get(channel, channel)
            found = self._state.find_message(channel_id, ts)
            return copy.deepcopy(found) if found is not None else None

    def add_message(
        self,
        channel: str,
        text: str = "",
        *,
        user: str = "U0HUMAN",
        blocks: list[JsonDict] | None = None,
        thread_ts: str | None = None,
        metadata: JsonDict | None = None,
        ts: str | None = None,
    ) -> JsonDict:
        """Put a message from a person (or anything) into a channel's history."""
        with self._lock:
            message: JsonDict = {
                "type": "message",
                "user": user,
                "text": text,
                "ts": ts or self._state.clock.next(),
                "team": self.identity.team_id,
            }
            if blocks is not None:
                message["blocks"] = view_ops.with_block_ids(blocks)
            if thread_ts is not None:
                message["thread_ts"] = thread_ts
            if metadata is not None:
                message["metadata"] = metadata
            return copy.deepcopy(self._state.add_message(channel, message))

    @property
    def ephemerals(self) -> list[JsonDict]:
        """Ephemeral messages (chat.postEphemeral and ephemeral response_url replies)."""
        with self._lock:
            return copy.deepcopy(self._state.ephemerals)

    @property
    def files(self) -> dict[str, FakeFile]:
        """Every file announced with files.getUploadURLExternal (file id -> FakeFile)."""
        with self._lock:
            return self._files.snapshot()

    def completed_files(self) -> list[FakeFile]:
        """Files whose upload was completed (files.completeUploadExternal), in order."""
        with self._lock:
            return [f for f in self._files.snapshot().values() if f.completed]

    def dm_channel_id(self, user_id: str) -> str | None:
        with self._lock:
            return self._state.dm_channels.get(user_id)

    @property
    def views(self) -> dict[str, JsonDict]:
        """Every view the app created (view id -> current view), open or closed."""
        with self._lock:
            return copy.deepcopy(self._state.views)

    def modal_stack(self, user_id: str) -> list[JsonDict]:
        """The user's open modals, root first."""
        with self._lock:
            ids = self._state.modal_stacks.get(user_id, [])
            return [copy.deepcopy(self._state.views[v]) for v in ids]

    def top_view(self, user_id: str) -> JsonDict | None:
        stack = self.modal_stack(user_id)
        return stack[-1] if stack else None

    def home_view(self, user_id: str) -> JsonDict | None:
        with self._lock:
            view_id = self._state.home_views.get(user_id)
            return copy.deepcopy(self._state.views[view_id]) if view_id else None

    def reset(self) -> None:
        """Forget calls, failures, messages, views, triggers and acks; keep channels and users."""
        with self._lock:
            self._calls.clear()
            self._violations.clear()
            self._state.reset_activity()
            self._files.reset()
        self._failures.clear()
        self._hub.reset()

    # ----- Slack-client side, used by SlackDriver -----------------------------------------------

    def issue_trigger(self, user_id: str, age: float = 0.0) -> str:
        """A fresh trigger_id for ``user_id``; ``age`` seconds old (over 3 s means expired)."""
        trigger_id = (
            f"{int(time.time() * 1000) % 10**12}.{abs(hash(self.identity.team_id)) % 10**11}."
            f"{secrets.token_hex(16)}"
        )
        with self._lock:
            self._state.triggers[trigger_id] = Trigger(
                trigger_id=trigger_id, user_id=user_id, issued_at=time.monotonic() - age
            )
        return trigger_id

    def issue_response_url(
        self, kind: str, user_id: str, channel_id: str | None, message_ts: str | None = None
    ) -> str:
        key = secrets.token_urlsafe(18)
        with self._lock:
            self._state.response_urls[key] = ResponseTarget(
                kind=kind, user_id=user_id, channel_id=channel_id, message_ts=message_ts
            )
        return f"{self.base_url}/response/{kind}/{self.identity.team_id}/{key}"

    def show_immediate_response(self, response_url: str, body: JsonDict) -> None:
        """Show a slash command's immediate answer (its ack body) as Slack does.

        Ephemeral to the user unless ``response_type`` is ``in_channel``.
        """
        key = response_url.rstrip("/").rsplit("/", 1)[-1]
        for problem in self._checker.check("response_url", body):
            self.note_violation(f"slash command answer: {problem}")
        with self._lock:
            target = self._state.response_urls.get(key)
            if target is None:
                raise AssertionError(f"unknown response_url {response_url}")
            try:
                self._web.apply_response(target, body, via="command_answer")
            except view_ops.ApiError as err:
                self._violations.append(f"slash command answer: {err.error}")

    def type_into_view(self, view_id: str, block_id: str, action_id: str, entry: JsonDict) -> None:
        """Record what the user typed/selected in a view element (``state.values`` entry)."""
        with self._lock:
            view = self._state.views[view_id]
            values = view.setdefault("state", {}).setdefault("values", {})
            values.setdefault(block_id, {})[action_id] = copy.deepcopy(entry)

    def client_update_top_view(self, user_id: str, spec: JsonDict) -> JsonDict:
        """``response_action: update``: replace the top view's content (same id, new hash)."""
        self._check_answered_view("update", spec)
        with self._lock:
            view_id = view_ops.top_view_id(self._state, user_id)
            if view_id is None:
                raise AssertionError(f"{user_id} has no open modal to update")
            return view_ops.update_view(self._state, self.identity, view_id, spec)

    def client_push_view(self, user_id: str, spec: JsonDict) -> JsonDict:
        """``response_action: push``."""
        self._check_answered_view("push", spec)
        with self._lock:
            return view_ops.push_modal(self._state, self.identity, user_id, spec)

    def client_close_top_view(self, user_id: str) -> None:
        with self._lock:
            view_ops.close_top(self._state, user_id)

    def client_clear_views(self, user_id: str) -> None:
        with self._lock:
            view_ops.clear_stack(self._state, user_id)

    def _check_answered_view(self, action: str, spec: JsonDict) -> None:
        """A view returned in a view_submission ack gets the same checks as views.open's."""
        for problem in self._checker.check("views.open", {"trigger_id": "-", "view": spec}):
            self.note_violation(problem.replace("views.open:", f"response_action {action}:", 1))

    def note_violation(self, message: str) -> None:
        """Record a contract violation found outside the Web API (e.g. by the driver)."""
        with self._lock:
            self._violations.append(message)

    def channel_name(self, channel_id: str) -> str:
        with self._lock:
            channel = self._state.channels.get(channel_id)
            if channel is None:
                return channel_id.lower()
            return "directmessage" if channel.is_im else channel.name

    def user_name(self, user_id: str) -> str:
        with self._lock:
            user = self._state.users.get(user_id)
            return str(user["name"]) if user else user_id.lower()

    # ----- Socket Mode ------------------------------------------------------------------------

    def socket_connected(self, timeout: float = 10.0) -> bool:
        """True once a Socket Mode client is connected (waits up to ``timeout``)."""
        return self._hub.wait_connected(timeout)

    def socket_wait_connections(self, total: int, timeout: float = 10.0) -> bool:
        """True once ``total`` connections have ever been made and one is live (reconnects)."""
        return self._hub.wait_connected(timeout, total=total)

    @property
    def socket_connection_count(self) -> int:
        return self._hub.total_connections

    def socket_send(
        self,
        type_: str,
        payload: JsonDict,
        retry_attempt: int = 0,
        retry_reason: str = "",
        *,
        timeout: float = 10.0,
    ) -> str:
        """Deliver an envelope to the newest connected client; returns its envelope_id."""
        return self._hub.send(
            type_, payload, retry_attempt=retry_attempt, retry_reason=retry_reason, timeout=timeout
        )

    def socket_wait_ack(self, envelope_id: str, timeout: float = 10.0) -> JsonDict:
        return self._hub.wait_ack(envelope_id, timeout)

    def socket_disconnect_all(self, reason: str = "refresh_requested", grace: float = 2.0) -> int:
        """Send ``{"type": "disconnect"}`` to every client, then close; returns how many."""
        return self._hub.disconnect_all(reason, grace)
