"""What the fake HTTP services (``FakeJira``, ``FakeZendesk``) share.

An aiohttp application on 127.0.0.1 (random port) in its own thread, an outage switch
(``down()`` / ``up()``), the Basic credentials they expect, and waiting, under the same lock
the handlers record under, until the bot has sent what a test expects.
"""

from __future__ import annotations

import asyncio
import base64
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self, TypeVar

from aiohttp import web

T = TypeVar("T")


def basic_auth(user: str, secret: str) -> str:
    """The ``Authorization`` header value of HTTP Basic auth."""
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


def retry_after(seconds: int | None) -> dict[str, str]:
    """The ``Retry-After`` header of an injected 429/5xx (none when not given)."""
    return {"Retry-After": str(seconds)} if seconds else {}


class FakeHttpServer:
    """Subclasses add their routes in :meth:`add_routes` and record under ``self._cond``."""

    thread_name = "FakeHttp"
    client_max_size = 1024 ** 2

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._down = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    def add_routes(self, app: web.Application) -> None:
        raise NotImplementedError

    # ----- lifecycle

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,),
                                        name=self.thread_name, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError(f"{self.thread_name} did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def _serve(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        app = web.Application(client_max_size=self.client_max_size)
        self.add_routes(app)
        runner = web.AppRunner(app, access_log=None)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(runner.cleanup())
            loop.close()

    # ----- test controls

    def down(self) -> None:
        """Answer 503 to everything until :meth:`up`."""
        with self._lock:
            self._down = True

    def up(self) -> None:
        with self._lock:
            self._down = False

    def wait_until(self, found: Callable[[], T | None], *, timeout: float,
                   failure: Callable[[], str]) -> T:
        """``found()``'s first answer that is not None, checked each time a request is
        recorded; AssertionError with ``failure()`` after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = found()
                if result is not None:
                    return result
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(failure())
                self._cond.wait(left)
