"""Ack discipline: a listener never lets an exception reach Bolt, so an ack is never lost.

Bolt's thread runner drops an acknowledgement when the listener raises after ``ack()`` (the
request then waits out Slack's 3 s and the user sees a generic failure). :func:`guarded` wraps
a listener so that nothing escapes it:

- :class:`~bot.inbound.read.Malformed` → one WARNING line naming the request type and ids
  (never payload text), and a harmless answer: ``response_action: errors`` on a modal
  submission, an ephemeral "could not be read" where there is a channel, nothing otherwise;
  the ephemeral goes on the payload's ``response_url`` when it has one (that works in every
  conversation, a DM included, where ``chat.postEphemeral`` needs the bot to be a member:
  it answers ``channel_not_found`` in a DM between people), else by ``chat.postEphemeral``;
- any other exception → the traceback is logged (ERROR), the request is acknowledged if it was
  not yet, and the user gets an explanatory ephemeral where there is a channel;
- a listener that returns without acking is acked (empty) so Slack never times out.

:func:`install` adds the app-wide parts: Bolt's global error handler answers 200 for failures
before any listener runs (a matcher choking on an odd payload) and for requests no listener
handles, instead of 500/404.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.kwargs_injection.args import Args
from slack_bolt.response import BoltResponse

from bot.inbound.payloads import request_ids
from bot.inbound.read import Malformed

log = logging.getLogger("bot.inbound")

UNREADABLE_TEXT = ":warning: That request could not be read. Please try again."
FAILED_TEXT = (":warning: Something went wrong on our side while handling that. "
               "Nothing was lost; please try again in a moment.")
FORM_UNREADABLE = "This form could not be read. Please try again."
# Called with (channel, user, text) to show an ephemeral; set by :func:`install`.
Notifier = Callable[[str, str, str], None]
# Bolt's ``respond`` (answers on the payload's response_url).
Responder = Callable[..., Any]

Listener = Callable[..., Any]


def _acked(ack: Ack) -> bool:
    return getattr(ack, "response", None) is not None


def _channel_and_user(body: object) -> tuple[str | None, str | None]:
    if not isinstance(body, dict):
        return None, None
    user = body.get("user")
    user_id = user.get("id") if isinstance(user, dict) else body.get("user_id")
    channel = body.get("channel")
    channel_id = channel.get("id") if isinstance(channel, dict) else body.get("channel_id")
    container = body.get("container")
    if channel_id is None and isinstance(container, dict):
        channel_id = container.get("channel_id")
    ok = (isinstance(user_id, str) and user_id[:1] in ("U", "W") and user_id.isalnum()
          and isinstance(channel_id, str) and channel_id.isalnum() and len(channel_id) < 40)
    return (channel_id, user_id) if ok else (None, None)


def _first_input_block(body: object) -> str | None:
    view = body.get("view") if isinstance(body, dict) else None
    blocks = view.get("blocks") if isinstance(view, dict) else None
    if not isinstance(blocks, list):
        return None
    for block in blocks:
        if isinstance(block, dict) and block.get("type") == "input" \
                and isinstance(block.get("block_id"), str) and block["block_id"]:
            return str(block["block_id"])
    return None


_SHAPE_ERRORS = (AttributeError, TypeError, KeyError, IndexError, ValueError)


def _raised_in_bolt(error: BaseException) -> bool:
    frame = error.__traceback__
    last = None
    while frame is not None:
        last = frame
        frame = frame.tb_next
    return last is not None and "slack_bolt" in last.tb_frame.f_code.co_filename


class Guard:
    """Answers for what a listener could not handle; one per app (see :func:`install`)."""

    def __init__(self, notify: Notifier | None = None) -> None:
        self.notify = notify

    def answer(self, ack: Ack, body: object, text: str, respond: Responder | None = None
               ) -> None:
        """Acknowledge if not yet, harmlessly; tell the user ``text`` where that is possible:
        on the response_url if the payload has one, else by an ephemeral in its channel."""
        kind = body.get("type") if isinstance(body, dict) else None
        if not _acked(ack):
            if kind == "view_submission":
                block = _first_input_block(body)
                if block is not None:
                    ack(response_action="errors", errors={block: FORM_UNREADABLE})
                    return
                ack()
                return
            if isinstance(body, dict) and "command" in body:
                ack(text=text, response_type="ephemeral")
                return
            ack()
        if kind == "view_submission":
            return
        if respond is not None and isinstance(body, dict) \
                and isinstance(body.get("response_url"), str):
            try:
                sent = respond(text=text, response_type="ephemeral", replace_original=False)
                status = getattr(sent, "status_code", 200)
                if isinstance(status, int) and status < 300:
                    return
                log.warning("could not answer on the response_url: HTTP %s", status)
            except Exception as exc:  # expired or unreachable: try the channel instead
                log.warning("could not answer on the response_url: %s", type(exc).__name__)
        channel, user = _channel_and_user(body)
        if channel and user and self.notify is not None:
            try:
                self.notify(channel, user, text)
            except Exception as exc:  # the answer is best effort: never raise from here
                log.warning("could not tell %s why the request failed: %s", user,
                            type(exc).__name__)

    def wrap(self, listener: Listener) -> Listener:
        wanted = inspect.getfullargspec(inspect.unwrap(listener)).args
        name = getattr(listener, "__qualname__", repr(listener))

        def guarded_listener(args: Args) -> None:
            ack: Ack = args.ack
            body = args.body
            respond = getattr(args, "respond", None)
            kwargs = {k: getattr(args, k) if hasattr(args, k) else args.context.get(k)
                      for k in wanted}
            try:
                listener(**kwargs)
            except Malformed as bad:
                log.warning("malformed %s in %s: %s", request_ids(body), name, bad.where)
                self.answer(ack, body, UNREADABLE_TEXT, respond)
                return
            except Exception:
                log.exception("listener %s failed for %s", name, request_ids(body))
                self.answer(ack, body, FAILED_TEXT, respond)
                return
            if not _acked(ack):
                ack()

        guarded_listener.__qualname__ = guarded_listener.__name__ = f"guarded({name})"
        return guarded_listener


_guard = Guard()


def guarded(listener: Listener) -> Listener:
    """Decorator for every Bolt listener: put it right under ``@app.action(...)`` & co."""
    return _guard.wrap(listener)


def install(app: App, notify: Notifier | None = None) -> None:
    """Make the app answer 200 whatever fails outside the listeners; set the notifier."""
    _guard.notify = notify

    @app.error
    def _app_error(error: Exception, body: dict[str, Any],
                   response: BoltResponse | None) -> BoltResponse | None:
        if isinstance(error, BoltUnhandledRequestError):
            log.info("no listener for %s", request_ids(body))
        elif isinstance(error, Malformed):
            log.warning("malformed %s: %s", request_ids(body), error.where)
        elif isinstance(error, _SHAPE_ERRORS) and _raised_in_bolt(error):
            # Bolt's own matchers met a shape they did not expect: input, not a bug of ours.
            log.warning("Bolt could not read %s: %s", request_ids(body), type(error).__name__)
        else:
            log.error("request failed outside a guarded listener (%s): %s", request_ids(body),
                      type(error).__name__, exc_info=error)
        # None: the request was acknowledged already (an unguarded listener raised after ack).
        return None if response is None else BoltResponse(status=200, body="")
