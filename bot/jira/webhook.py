"""``POST /jira/webhook``: Jira tells the bot that an issue changed.

Authenticated with a shared secret (``JIRA_WEBHOOK_SECRET``, named by ``jira.webhook_secret_env``):
either Jira's own HMAC signature (``X-Hub-Signature: sha256=…``, when the webhook is
registered with that secret) or the secret in the URL (``/jira/webhook?secret=…``) or in an
``X-Escalation-Webhook-Secret`` header, for automation rules that cannot sign. Anything else is
refused with 401 and changes nothing. Each delivery is handled once: Jira's
``X-Atlassian-Webhook-Identifier`` (or a digest of the body) is remembered like Slack's
retries are.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from bot import metrics
from bot.jira.client import Issue
from commands import jira_sync
from commands.context import Context
from storage import repository as repo
from storage.jira import forget_delivery

log = logging.getLogger(__name__)

PATH = "/jira/webhook"
MAX_BODY = 1024 * 1024
ISSUE_EVENTS = {"jira:issue_updated", "jira:issue_created"}


@dataclass(frozen=True)
class Answer:
    status: str
    body: dict[str, Any]


def authentic(secret: str | None, body: bytes, headers: dict[str, str], query: str) -> bool:
    if not secret:
        return False  # no secret configured: the webhook is closed
    signature = headers.get("x-hub-signature", "")
    if signature.startswith("sha256="):
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(signature.removeprefix("sha256="), expected)
    given = headers.get("x-escalation-webhook-secret") or \
        (parse_qs(query).get("secret") or [""])[0]
    return bool(given) and hmac.compare_digest(given.encode(), secret.encode())


def handle(ctx: Context, secret: str | None, body: bytes, headers: dict[str, str],
           query: str) -> Answer:
    if not authentic(secret, body, headers, query):
        metrics.JIRA_SYNC_FAILURES.labels(source="webhook", reason="unauthenticated").inc()
        return Answer("401 Unauthorized", {"ok": False, "error": "unauthenticated"})
    try:
        payload = json.loads(body)
        assert isinstance(payload, dict)
    except (ValueError, AssertionError):
        metrics.JIRA_SYNC_FAILURES.labels(source="webhook", reason="bad_payload").inc()
        return Answer("400 Bad Request", {"ok": False, "error": "not a JSON object"})
    event = str(payload.get("webhookEvent") or "")
    issue_data = payload.get("issue")
    if event not in ISSUE_EVENTS or not isinstance(issue_data, dict):
        return Answer("200 OK", {"ok": True, "ignored": event or "unknown event"})
    delivery = headers.get("x-atlassian-webhook-identifier") or \
        hashlib.sha256(body).hexdigest()
    with ctx.db.transaction() as session:
        first = repo.first_delivery(session, key=f"jira-webhook:{delivery}", now=ctx.now())
    if not first:
        return Answer("200 OK", {"ok": True, "duplicate": True})
    try:
        snapshot = Issue.model_validate(issue_data).snapshot()
    except ValueError:
        metrics.JIRA_SYNC_FAILURES.labels(source="webhook", reason="bad_payload").inc()
        return Answer("400 Bad Request", {"ok": False, "error": "not a Jira issue"})
    user = payload.get("user") if isinstance(payload.get("user"), dict) else {}
    by = user.get("accountId") if isinstance(user, dict) else None
    try:
        applied = jira_sync.apply_snapshot(ctx, snapshot, source="webhook", by_account=by)
    except Exception:
        with ctx.db.transaction() as session:  # let Jira's retry (or the poll) try again
            forget_delivery(session, key=f"jira-webhook:{delivery}")
        raise
    result = "ignored" if applied is None else ("applied" if applied.applied else "noted")
    metrics.JIRA_SYNCS.labels(source="webhook", result=result).inc()
    return Answer("200 OK", {"ok": True, "result": result})
