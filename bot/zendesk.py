"""Zendesk: internal notes on the requester's linked tickets (handoff, wrap-up).

httpx rather than ``zenpy``: the bot makes one call (``PUT /api/v2/tickets/{id}.json`` with a
private comment) plus ``GET /api/v2/users/me.json`` for ``check``. zenpy would bring its own
object model, caching and ``requests`` session for that, and hides the status codes the
outbox needs to tell a retryable failure (429 with ``Retry-After``, 5xx, timeout) from a
permanent one (404: no such ticket; 401/403: wrong credentials).
"""

from __future__ import annotations

import httpx

from bot import metrics
from bot.tripwire import outside_transaction
from commands.ports import DeliveryError, NotFoundError


class ZendeskError(DeliveryError):
    pass


class TicketNotFound(ZendeskError, NotFoundError):
    pass


class ZendeskClient:
    def __init__(self, base_url: str, email: str, token: str, *, timeout: float = 10.0) -> None:
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout,
                                  auth=(f"{email}/token", token),
                                  headers={"Accept": "application/json"})

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, json: object = None) -> dict[str, object]:
        outside_transaction("Zendesk", method)
        try:
            response = self._http.request(method, path, json=json)
        except httpx.HTTPError as exc:
            raise ZendeskError(f"cannot reach Zendesk: {type(exc).__name__}",
                               outcome_unknown=True) from exc
        status = response.status_code
        if status < 300:
            body = response.json()
            return body if isinstance(body, dict) else {}
        what = f"Zendesk {method} {path}: HTTP {status}"
        if status == 429:
            wait = response.headers.get("Retry-After")
            raise ZendeskError(what, retry_after=float(wait) if wait and wait.isdigit()
                               else None)
        if status >= 500:
            raise ZendeskError(what, outcome_unknown=True)
        if status == 404:
            raise TicketNotFound(what, retryable=False)
        raise ZendeskError(what, retryable=False)

    def me(self) -> dict[str, object]:
        user = self._call("GET", "/api/v2/users/me.json").get("user")
        return user if isinstance(user, dict) else {}

    def internal_note(self, ticket_id: int, body: str) -> None:
        """A private comment (never public: ``public: false``) on the ticket."""
        try:
            self._call("PUT", f"/api/v2/tickets/{ticket_id}.json",
                       json={"ticket": {"comment": {"body": body, "public": False}}})
        except ZendeskError:
            metrics.ZENDESK_NOTES.labels(outcome="failed").inc()
            raise
        metrics.ZENDESK_NOTES.labels(outcome="added").inc()
