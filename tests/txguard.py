"""No external call inside a database write transaction — checked on every test.

A write transaction holds SQLite's one write lock (BEGIN IMMEDIATE) and PostgreSQL row locks:
a Slack, Jira or Zendesk call made inside one makes every other writer (a Claim click, another
replica's sweep) wait for that service, up to its timeout. Every way the code reaches such a
service in the tests — the in-memory Slack port, slack_sdk's ``WebClient.api_call`` and
httpx's ``Client.send`` (Jira, Zendesk, response_url) — is wrapped to note a call made while
:func:`storage.database.in_write_transaction` is true; the test then fails naming the call.
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from storage.database import in_read, in_write_transaction

Violation = tuple[str, str]


def _where() -> str:
    """The innermost frames of the project (not the libraries', not this module's)."""
    frames = [f for f in traceback.extract_stack()
              if "/site-packages/" not in f.filename and "/bin/" not in f.filename
              and not f.filename.endswith("txguard.py")]
    return " <- ".join(f"{f.filename.rsplit('/', 2)[-2]}/{f.filename.rsplit('/', 1)[-1]}:"
                       f"{f.lineno}" for f in reversed(frames[-4:]))


def _guarded(name: str, original: Callable[..., Any], seen: list[Violation]
             ) -> Callable[..., Any]:
    @functools.wraps(original)
    def call(*args: Any, **kwargs: Any) -> Any:
        if in_write_transaction():
            seen.append((name, _where()))
        elif in_read():
            seen.append(("(read) " + name, _where()))
        return original(*args, **kwargs)

    return call


@contextmanager
def guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Violation]]:
    import httpx
    from slack_sdk import WebClient

    from commands.ports import SlackPort
    from tests.fakes import InMemorySlack

    seen: list[Violation] = []
    monkeypatch.setattr(WebClient, "api_call",
                        _guarded("Slack Web API", WebClient.api_call, seen))
    monkeypatch.setattr(httpx.Client, "send", _guarded("HTTP", httpx.Client.send, seen))
    for method in vars(SlackPort):
        if not method.startswith("_") and callable(getattr(InMemorySlack, method, None)):
            monkeypatch.setattr(InMemorySlack, method,
                                _guarded(f"Slack port {method}",
                                         getattr(InMemorySlack, method), seen))
    yield seen
