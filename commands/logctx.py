"""What the current log lines are about: the escalation and the Slack request (no user text).

Context variables, set by the listeners' middleware (request type and ids) and by the outbox
(escalation id); the JSON log formatter in :mod:`bot.observe` adds them to every line.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_fields: ContextVar[dict[str, Any] | None] = ContextVar("log_fields", default=None)


def current() -> dict[str, Any]:
    return dict(_fields.get() or {})


@contextmanager
def bound(**fields: Any) -> Iterator[None]:
    """Add ``fields`` (None values are dropped) to log lines written inside the block."""
    merged = {**(_fields.get() or {}), **{k: v for k, v in fields.items() if v is not None}}
    token = _fields.set(merged)
    try:
        yield
    finally:
        _fields.reset(token)
