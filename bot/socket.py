"""Socket Mode: the easy start (no public URL), also fine behind a firewall.

Like HTTP mode, every envelope is acknowledged whatever its payload holds: a failure while
Bolt reads it is logged (type and ids only) and answered with an empty ack.
"""

from __future__ import annotations

import logging
from time import time

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.app import Runtime
from bot.inbound import Malformed, request_ids
from bot.inbound.body import check_envelope

log = logging.getLogger(__name__)


class GuardedSocketModeHandler(SocketModeHandler):
    def handle(self, client: BaseSocketModeClient,
               req: SocketModeRequest) -> None:
        start = time()
        try:
            check_envelope(req.payload if isinstance(req.payload, dict) else {"type": 0})
            response: BoltResponse = run_bolt_app(self.app, req)
        except Malformed as bad:
            log.warning("malformed %s: %s", request_ids(req.payload), bad.where)
            response = BoltResponse(status=200, body="")
        except Exception as exc:
            log.error("dispatch failed for %s: %s", request_ids(req.payload),
                      type(exc).__name__, exc_info=exc)
            response = BoltResponse(status=200, body="")
        if response.status != 200:
            response = BoltResponse(status=200, body="")
        try:
            send_response(client, req, response, start)
        except Exception as exc:  # e.g. an ack body that is not JSON: ack it empty instead
            log.warning("could not send the ack for %s: %s", request_ids(req.payload),
                        type(exc).__name__)
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))


def make_handler(runtime: Runtime) -> SocketModeHandler:
    settings = runtime.settings
    assert settings.slack_app_token is not None
    return GuardedSocketModeHandler(
        runtime.app,
        app_token=settings.slack_app_token.get_secret_value(),
        web_client=WebClient(base_url=settings.slack_api_url),
        concurrency=16,
    )
