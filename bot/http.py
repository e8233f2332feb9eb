"""HTTP mode: ``POST /slack/events`` (commands, interactivity, events), ``GET /healthz`` and
``GET /metrics`` (Prometheus), ``POST /jira/webhook``.

Served by waitress, a production WSGI server with a thread pool, so clicks are handled in
parallel (Bolt's own ``App.start()`` is a single-threaded development server). Several
replicas can sit behind a load balancer: all shared state is in the database.

``/slack/events`` checks the request's signature on the raw bytes before anything reads the
body (bad or missing → 401), then parses it (not UTF-8 form data or a JSON object → 400), and
hands Bolt the parsed body as JSON. Whatever fails after that is answered 200 (see
:mod:`bot.inbound`): a signed request never gets a 5xx.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from waitress.server import create_server

from bot import metrics
from bot.app import Runtime
from bot.inbound import Malformed, request_ids
from bot.inbound.body import MAX_BODY_BYTES, check_envelope, parse_body
from bot.jira import webhook

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
StartResponse = Callable[..., Any]
MAX_SIGNATURE_AGE_S = 300  # Slack's advice: refuse requests older than five minutes
_PLAIN = [("Content-Type", "text/plain; charset=utf-8")]


def _plain(start_response: StartResponse, status: str, text: str) -> Iterable[bytes]:
    body = text.encode()
    start_response(status, [*_PLAIN, ("Content-Length", str(len(body)))])
    return [body]


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {key[5:].lower().replace("_", "-"): str(value)
               for key, value in environ.items() if key.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = str(environ["CONTENT_TYPE"])
    return headers


def signed(secret: bytes, raw: bytes, headers: dict[str, str], *,
           now: float | None = None) -> bool:
    """Slack's v0 signature over the raw bytes (whatever they hold), at most 5 minutes old."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not (timestamp.isascii() and timestamp.isdecimal() and len(timestamp) <= 12):
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_SIGNATURE_AGE_S:
        return False
    if not (signature.isascii() and signature.startswith("v0=") and len(signature) < 100):
        return False
    base = b"v0:" + timestamp.encode() + b":" + raw
    expected = "v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def slack_endpoint(runtime: Runtime, secret: bytes
                   ) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    def events(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _plain(start_response, "400 Bad Request", "Bad Request")
        if length < 0 or length > MAX_BODY_BYTES:
            return _plain(start_response, "413 Payload Too Large", "Payload Too Large")
        raw: bytes = environ["wsgi.input"].read(length) if length else b""
        headers = _headers(environ)
        if not signed(secret, raw, headers):
            return _plain(start_response, "401 Unauthorized", "Unauthorized")
        try:
            body = parse_body(raw, headers.get("content-type"))
        except Malformed as bad:
            log.warning("unreadable signed request body (%d bytes): %s", len(raw), bad.where)
            return _plain(start_response, "400 Bad Request", "Bad Request")
        try:
            check_envelope(body)
        except Malformed as bad:  # readable, signed, but not a shape any listener can use
            log.warning("malformed %s: %s", request_ids(body), bad.where)
            return _plain(start_response, "200 OK", "")
        try:
            headers["content-type"] = "application/json"
            request = BoltRequest(body=json.dumps(body), query=environ.get("QUERY_STRING", ""),
                                  headers=dict(headers))
            response = runtime.app.dispatch(request)
        except Exception as exc:  # a signed request gets 200 whatever broke; logged once
            log.error("dispatch failed for %s: %s", request_ids(body), type(exc).__name__,
                      exc_info=exc)
            response = BoltResponse(status=200, body="")
        if response.status >= 500:
            log.warning("answering 200 instead of %d for %s", response.status,
                        request_ids(body))
            response = BoltResponse(status=200, body="")
        wsgi = WsgiHttpResponse(status=response.status, headers=response.headers,
                                body=response.body or "")
        start_response(wsgi.status, wsgi.get_headers())
        return wsgi.get_body()

    return events


def wsgi_app(runtime: Runtime) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    secret = runtime.settings.slack_signing_secret
    assert secret is not None, "HTTP mode needs SLACK_SIGNING_SECRET"
    slack = slack_endpoint(runtime, secret.get_secret_value().encode())

    def health(start_response: StartResponse) -> Iterable[bytes]:
        try:
            runtime.db.ping()
            status, body = "200 OK", {"ok": True, "database": "ok"}
        except Exception as exc:  # health must answer, whatever broke
            log.warning("health check: database unreachable: %s", exc)
            status, body = "503 Service Unavailable", {"ok": False, "database": "unreachable"}
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    def jira_webhook(environ: dict[str, Any], start_response: StartResponse
                     ) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            start_response("405 Method Not Allowed", [("Allow", "POST")])
            return [b""]
        try:
            length = min(int(environ.get("CONTENT_LENGTH") or 0), webhook.MAX_BODY)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {k[5:].replace("_", "-").lower(): str(v) for k, v in environ.items()
                   if k.startswith("HTTP_")}
        jira = runtime.config.jira
        secret = jira.webhook_secret() if jira is not None else None
        try:
            answer = webhook.handle(runtime.ctx, secret, body, headers,
                                    environ.get("QUERY_STRING", ""))
        except Exception:
            log.exception("Jira webhook failed")
            answer = webhook.Answer("503 Service Unavailable", {"ok": False})
        start_response(answer.status, [("Content-Type", "application/json")])
        return [json.dumps(answer.body).encode()]

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return health(start_response)
        if path == "/metrics" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            start_response("200 OK", [("Content-Type", metrics.CONTENT_TYPE)])
            return [metrics.exposition()]
        if path == webhook.PATH:
            return jira_webhook(environ, start_response)
        if path == EVENTS_PATH and method == "POST":
            return slack(environ, start_response)
        if path == EVENTS_PATH:
            return _plain(start_response, "405 Method Not Allowed", "Method Not Allowed")
        return _plain(start_response, "404 Not Found", "Not Found")

    return application


def make_server(runtime: Runtime, *, host: str, port: int, threads: int = 32) -> Any:
    """A bound waitress server; ``.run()`` serves until ``.close()``."""
    return create_server(wsgi_app(runtime), host=host, port=port, threads=threads,
                         channel_timeout=30, connection_limit=1000, ident="escalation-bot")
