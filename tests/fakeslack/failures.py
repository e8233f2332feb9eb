"""Failure injection: per-method queues of HTTP errors, ``ok: false`` answers and slow answers."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

STATUS_ERRORS = {429: "ratelimited", 500: "internal_error", 503: "service_unavailable"}


@dataclass(frozen=True)
class Failure:
    """How the next call to a method goes wrong.

    ``status`` 0 means HTTP 200; then a non-empty ``error`` answers ``{"ok": false, ...}``.
    ``apply`` runs the method (side effects happen) before answering with the failure;
    ``delay`` holds the answer back that many seconds.
    """

    status: int
    error: str
    retry_after: int | None = None
    apply: bool = False
    delay: float = 0.0

    @classmethod
    def http(cls, status: int, *, retry_after: int, apply: bool) -> Failure:
        return cls(
            status=status,
            error=STATUS_ERRORS.get(status, "fatal_error"),
            retry_after=retry_after if status == 429 else None,
            apply=apply,
        )


class FailurePlan:
    """Thread-safe queues of :class:`Failure` per Web API method."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, deque[Failure]] = {}

    def add(self, method: str, failure: Failure, times: int) -> None:
        with self._lock:
            self._queues.setdefault(method, deque()).extend([failure] * times)

    def take(self, method: str) -> Failure | None:
        with self._lock:
            queue = self._queues.get(method)
            if not queue:
                return None
            failure = queue.popleft()
            if not queue:
                del self._queues[method]
            return failure

    def clear(self) -> None:
        with self._lock:
            self._queues.clear()
