"""HTTP mode: ``POST /slack/events`` (commands, interactivity, events), ``GET /healthz`` and
``GET /metrics`` (Prometheus), ``POST /jira/webhook``.

Served by waitress, a production WSGI server with a thread pool, so clicks are handled in
parallel (Bolt's own ``App.start()`` is a single-threaded development server). Several
replicas can sit behind a load balancer: all shared state is in the database.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.server import create_server

from bot import metrics
from bot.app import Runtime
from bot.jira import webhook

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
StartResponse = Callable[..., Any]


def wsgi_app(runtime: Runtime) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    slack = SlackRequestHandler(runtime.app, path=EVENTS_PATH)

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
        if path == "/healthz" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return health(start_response)
        if path == "/metrics" and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            start_response("200 OK", [("Content-Type", metrics.CONTENT_TYPE)])
            return [metrics.exposition()]
        if path == webhook.PATH:
            return jira_webhook(environ, start_response)
        if path == EVENTS_PATH:
            return slack(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"Not Found"]

    return application


def make_server(runtime: Runtime, *, host: str, port: int, threads: int = 32) -> Any:
    """A bound waitress server; ``.run()`` serves until ``.close()``."""
    return create_server(wsgi_app(runtime), host=host, port=port, threads=threads,
                         channel_timeout=30, connection_limit=1000, ident="escalation-bot")
