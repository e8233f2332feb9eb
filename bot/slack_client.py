"""The Web API client every Slack call goes through: retries, error translation, scrubbing.

All Web API calls go through one ``WebClient`` built with slack_sdk's retry handlers
(rate limits honour ``Retry-After``; connection errors and 5xx are retried a few times). What
still fails becomes a :class:`DeliveryError` the outbox retries later. :class:`SlackSender` is
the base of the gateway's parts (:mod:`bot.gateway`, :mod:`bot.loop_gateway`,
:mod:`bot.digest_gateway`): one call path, the post that joins the channel first, and the
look-before-repost scan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot import metrics
from bot.render.packet import METADATA_EVENT
from bot.tripwire import outside_transaction
from commands.ports import DeliveryError
from core.redaction import NO_ALLOW, AllowList, redact

# Errors that retrying the same call cannot fix (the outbox still retries later, with backoff,
# in case an admin fixes the cause, and the requester is told at once).
_PERMANENT = {"channel_not_found", "is_archived", "invalid_blocks", "msg_too_long",
              "invalid_auth", "not_authed", "account_inactive", "token_revoked",
              "missing_scope", "restricted_action", "invalid_arguments", "no_text"}


# A rate limit longer than this is not slept through in the call: the outbox reschedules the
# item instead. Together with the timeout and retry counts this bounds one delivery attempt
# (3 calls × 10 s + 2 × 6 s ≈ 45 s), which must stay under the outbox lease (default 120 s):
# an attempt that outlived its lease could be retried by another worker while still running.
MAX_RATE_LIMIT_WAIT_S = 5


class BoundedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Slack's rate-limit retry, but only for a short ``Retry-After``."""

    def __init__(self, *, max_wait_s: int = MAX_RATE_LIMIT_WAIT_S, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_wait_s = max_wait_s

    def _can_retry(self, *, state: Any, request: Any, response: Any = None,
                   error: Exception | None = None) -> bool:
        if response is None or response.status_code != 429:
            return False
        waits = [v for k, v in response.headers.items() if k.lower() == "retry-after"]
        try:
            wait = int(waits[0][0]) if waits else 1
        except (TypeError, ValueError, IndexError):
            wait = 1
        return wait <= self.max_wait_s


class _Client(WebClient):
    def api_call(self, api_method: str, *args: Any, **kwargs: Any) -> Any:
        outside_transaction("Slack", api_method)
        return super().api_call(api_method, *args, **kwargs)


def make_client(*, token: str, base_url: str, timeout: int = 10) -> WebClient:
    return _Client(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            BoundedRateLimitRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )


def translate(exc: Exception) -> DeliveryError:
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"HTTP {status}")
        if status == 429:
            return DeliveryError(f"rate limited ({error})")
        if status >= 500:
            return DeliveryError(f"Slack answered HTTP {status}", outcome_unknown=True)
        return DeliveryError(error, retryable=error not in _PERMANENT)
    return DeliveryError(f"cannot reach Slack: {exc}", outcome_unknown=True)


# Arguments whose strings are shown to people: redacted on the way out, whatever built them.
_SHOWN = frozenset({"text", "blocks", "alt_text", "title", "initial_comment"})


def scrub(value: Any, allow: AllowList = NO_ALLOW, *, shown: bool = False) -> Any:
    """``value`` with PII and secrets redacted in every string a person would read.

    Everything the bot posts passes through here (seed 003); answers are redacted before they
    are stored already, so this is the last line, not the first. Ids, URLs, action values and
    metadata are left alone.
    """
    if isinstance(value, str):
        return redact(value, allow=allow).text if shown else value
    if isinstance(value, list):
        return [scrub(v, allow, shown=shown) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v, allow, shown=shown or k in _SHOWN)
                if k not in ("url", "value", "action_id", "block_id", "image_url") else v
                for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Installation:
    """Who posts our packets: the bot and app ids (``auth.test``) and the installation's own
    key, which goes into every packet's metadata. The look-before-repost matches all three,
    so another app, another installation of this one (staging beside production), or another
    database's bot posting into the same channel is never taken for us."""

    key: str
    bot_id: str | None = None
    app_id: str | None = None

    def owns(self, message: dict[str, Any]) -> bool:
        if self.bot_id is not None and message.get("bot_id") != self.bot_id:
            return False
        if self.app_id is not None and message.get("app_id") not in (None, self.app_id):
            return False
        meta = message.get("metadata") or {}
        payload = meta.get("event_payload") if isinstance(meta, dict) else None
        return isinstance(payload, dict) and meta.get("event_type") == METADATA_EVENT \
            and payload.get("installation") == self.key


def identify(client: WebClient, installation_key: str) -> Installation:
    """Ask Slack who this bot is (``auth.test``) once at start."""
    response = client.auth_test()
    bot_id, app_id = response.get("bot_id"), response.get("app_id")
    return Installation(key=installation_key,
                        bot_id=bot_id if isinstance(bot_id, str) and bot_id else None,
                        app_id=app_id if isinstance(app_id, str) and app_id else None)



class SlackSender:
    """One path for every Web API call: arguments scrubbed, the call counted, errors
    translated. The gateway's parts all inherit it."""

    def __init__(self, client: WebClient, *, allow: AllowList = NO_ALLOW,
                 installation: Installation | None = None) -> None:
        self.client = client
        self.allow = allow
        self.installation = installation or Installation(key="")

    def _call(self, method: str, **args: Any) -> Any:
        """Call ``method`` through slack_sdk's typed wrapper (which picks JSON or form body)."""
        args = {k: scrub(v, self.allow, shown=k in _SHOWN) for k, v in args.items()}
        try:
            response = getattr(self.client, method.replace(".", "_"))(**args)
        except (SlackApiError, SlackRequestError, URLError, OSError) as exc:
            failure = translate(exc)
            error = str(exc.response.get("error") or exc.response.status_code) \
                if isinstance(exc, SlackApiError) else type(exc).__name__
            metrics.SLACK_CALLS.labels(method=method, outcome=error).inc()
            metrics.SLACK_FAILURES.labels(method=method, error=error).inc()
            raise failure from exc
        metrics.SLACK_CALLS.labels(method=method, outcome="ok").inc()
        return response

    def _post_joining(self, channel: str, args: dict[str, Any]) -> Any:
        """``chat.postMessage``; when the bot is not in ``channel``, join it and post again."""
        try:
            return self._call("chat.postMessage", **args)
        except DeliveryError as failure:
            if str(failure) != "not_in_channel":
                raise
            self._call("conversations.join", channel=channel)
            return self._call("chat.postMessage", **args)

    def _first_match(self, method: str, args: dict[str, Any],
                     match: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
        """The first message ``match`` accepts in up to 20 pages of ``method``'s answers (a
        history or a thread): the look-before-repost of every unknown-outcome post."""
        cursor: str | None = None
        for _ in range(20):
            page = {**args, "cursor": cursor} if cursor else args
            response = self._call(method, **page)
            for message in response.get("messages", []):
                if match(message):
                    return dict(message)
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None

    def _find_in_history(self, channel: str, *, since: datetime,
                         match: Callable[[dict[str, Any]], bool]) -> str | None:
        """The ts of our first message in ``channel`` since ``since`` (less 5 min of clock
        skew) that ``match`` accepts."""
        oldest = f"{(since - timedelta(minutes=5)).timestamp():.6f}"
        found = self._first_match("conversations.history",
                                  {"channel": channel, "oldest": oldest, "limit": 200,
                                   "include_all_metadata": True}, match)
        return None if found is None else str(found["ts"])
