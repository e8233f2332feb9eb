"""Observability adapters: JSON log lines and the listeners' ack-latency middleware.

``LOG_FORMAT=json`` writes one JSON object per line: time (UTC), level, logger, message, and
what the line is about — the escalation id, the Slack request type, listener and ids (team,
user, channel, trigger). Never the text users typed: it can carry customer PII, so the
request's payload is not logged, only these ids.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from slack_bolt.context.ack import Ack
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot import metrics
from bot.logsetup import JsonFormatter, configure_logging
from commands import logctx

__all__ = ["JsonFormatter", "configure_logging"]


def request_facts(body: dict[str, Any]) -> dict[str, Any]:
    """The Slack request's type, listener and ids — never its text. Total: it runs before
    any listener (and before the guard), so it reads every field defensively."""
    kind = _text(body.get("type")) or ("slash_command" if "command" in body else "request")
    listener: object = None
    if "command" in body:
        listener = body.get("command")
    elif kind == "block_actions":
        actions = body.get("actions")
        first = actions[0] if isinstance(actions, list) and actions else None
        listener = first.get("action_id") if isinstance(first, dict) else None
    elif kind in ("view_submission", "view_closed"):
        view = body.get("view")
        listener = view.get("callback_id") if isinstance(view, dict) else None
    elif kind in ("shortcut", "message_action"):
        listener = body.get("callback_id")
    elif kind == "event_callback":
        event = body.get("event")
        listener = event.get("type") if isinstance(event, dict) else None
    user = _id(body, "user_id", "user")
    channel = _id(body, "channel_id", "channel")
    team = _id(body, "team_id", "team")
    return {"request_type": kind, "listener": _text(listener) or kind, "team_id": team,
            "user_id": user, "channel_id": channel, "trigger_id": _text(body.get("trigger_id")),
            "event_id": _text(body.get("event_id"))}


def _text(value: object) -> str | None:
    return value[:255] if isinstance(value, str) and value else None


def _id(body: dict[str, Any], flat: str, nested: str) -> str | None:
    if _text(body.get(flat)):
        return _text(body.get(flat))
    value = body.get(nested)
    if isinstance(value, dict):
        return _text(value.get("id"))
    return _text(value)


class TimedAck(Ack):
    """Bolt's ``ack`` that records how long after arrival the request was acknowledged."""

    def __init__(self, started: float, listener: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._started = started
        self._listener = listener

    def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        response = super().__call__(*args, **kwargs)
        metrics.ACK_LATENCY.labels(listener=self._listener).observe(
            time.monotonic() - self._started)
        return response


def observe_middleware(req: BoltRequest, resp: BoltResponse,
                       next: Callable[[], BoltResponse]) -> BoltResponse:
    started = time.monotonic()
    facts = request_facts(req.body if isinstance(req.body, dict) else {})
    req.context["ack"] = TimedAck(started, str(facts["listener"])[:64])
    with logctx.bound(**facts):
        return next()
