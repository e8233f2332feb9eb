"""``SlackDriver``: plays Slack's side towards the app (a user typing, clicking, submitting).

Payloads are delivered either as signed HTTP requests to the app's request URL or as Socket
Mode envelopes through the :class:`~tests.fakeslack.server.FakeSlack` the app is connected to.
The driver also plays the Slack *client*: it keeps the user's modal stack in the fake up to date
with the app's ``response_action`` answers, and refuses to submit what the client would refuse.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Literal

from . import payloads
from .server import FakeSlack
from .signing import slack_signature
from .state import JsonDict
from .views import ApiError

Transport = Literal["http", "socket"]

ACK_DEADLINE_SECONDS = 3.0
SOCKET_RETRY_REASON = "timeout"
HTTP_RETRY_REASON = "http_timeout"


@dataclass(frozen=True)
class DriverResponse:
    """What the app answered.

    ``status`` is the HTTP status (HTTP transport), or 200 when a Socket Mode envelope was
    acked and 0 when no ack arrived in time. ``body`` is the parsed JSON answer (the ack's
    ``payload`` in Socket Mode), the raw text if it is not JSON, or ``None`` when empty.
    ``client_errors`` is set (and nothing was sent) when the Slack client itself would have
    refused a view submission, e.g. a required input left empty.
    """

    status: int
    body: JsonDict | str | None
    elapsed: float = 0.0
    client_errors: dict[str, str] | None = None
    envelope_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def late(self) -> bool:
        """Slack gives up on an ack after 3 s (the user sees an error)."""
        return self.elapsed > ACK_DEADLINE_SECONDS

    @property
    def as_message(self) -> JsonDict | None:
        """The answer as a message: a text/plain body is Slack's shorthand for ``{"text": ...}``.

        (Bolt answers ``ack("text")`` with text/plain over HTTP but ``{"text": ...}`` in
        Socket Mode; this gives both the same shape.)
        """
        if isinstance(self.body, dict):
            return self.body
        if isinstance(self.body, str):
            return {"text": self.body}
        return None

    @property
    def json(self) -> JsonDict:
        if not isinstance(self.body, dict):
            raise AssertionError(f"expected a JSON object body, got {self.body!r}")
        return self.body


@dataclass(frozen=True)
class _Delivery:
    retry_num: int | None = None
    forge_signature: bool = False
    timestamp_offset: int = 0


class SlackDriver:
    """Sends Slack payloads to the app and plays the Slack client's modal behaviour."""

    def __init__(
        self,
        fake: FakeSlack,
        transport: Transport = "socket",
        url: str | None = None,
        signing_secret: str | None = None,
        *,
        timeout: float = 10.0,
    ) -> None:
        if transport == "http" and (not url or not signing_secret):
            raise ValueError("the http transport needs url= and signing_secret=")
        self.fake = fake
        self.transport = transport
        self.url = url
        self.signing_secret = signing_secret or ""
        self.timeout = timeout
        self._lock = threading.Lock()
        self.last_trigger_id: str | None = None
        # The last delivery as sent (transport-specific), for :meth:`redeliver`.
        self._last: tuple[str, Any, str] | None = None

    # ----- slash commands ---------------------------------------------------------------------

    def slash_command(
        self,
        text: str = "",
        *,
        user_id: str = "U0AGENT",
        channel_id: str = "C0SUPPORT",
        command: str = "/escalate",
        retry_num: int | None = None,
        forge_signature: bool = False,
        timestamp_offset: int = 0,
        trigger_age: float = 0.0,
    ) -> DriverResponse:
        """Run ``command text`` as ``user_id`` in ``channel_id``.

        A fresh trigger_id is registered with the fake (``trigger_age`` seconds old; over 3 s
        makes ``views.open`` answer ``expired_trigger_id``).
        """
        trigger_id = self._trigger(user_id, trigger_age)
        ident = self.fake.identity
        fields = payloads.slash_command(
            ident,
            command=command,
            text=text,
            user_id=user_id,
            user_name=self.fake.user_name(user_id),
            channel_id=channel_id,
            channel_name=self.fake.channel_name(channel_id),
            response_url=self.fake.issue_response_url("commands", user_id, channel_id),
            trigger_id=trigger_id,
        )
        delivery = _Delivery(retry_num, forge_signature, timestamp_offset)
        if self.transport == "socket":
            response = self._via_socket("slash_commands", dict(fields), delivery)
        else:
            body = urllib.parse.urlencode(fields)
            response = self._via_http(body, "application/x-www-form-urlencoded", delivery)
        answer = response.as_message
        if response.ok and answer:
            self.fake.show_immediate_response(fields["response_url"], answer)
        return response

    # ----- modals -------------------------------------------------------------------------------

    def open_view(self, user_id: str = "U0AGENT") -> JsonDict:
        """The top view of ``user_id``'s modal stack (AssertionError if none is open)."""
        view = self.fake.top_view(user_id)
        if view is None:
            raise AssertionError(f"{user_id} has no open modal")
        return view

    def type_values(self, user_id: str, values: dict[str, Any]) -> JsonDict:
        """Type/select into the user's open modal without sending anything; returns the view.

        Keys are action_ids (or input block_ids); values are Python values converted to
        Slack's state shape for the element found (see :func:`payloads.state_entry`).
        """
        view = self.open_view(user_id)
        for key, value in values.items():
            found = payloads.find_element(view.get("blocks", []), key)
            if found is None:
                raise AssertionError(f"no element {key!r} in {user_id}'s modal {view['id']}")
            block_id, element = found
            entry = payloads.state_entry(element, value)
            self.fake.type_into_view(view["id"], block_id, str(element.get("action_id")), entry)
        return self.open_view(user_id)

    def submit_view(
        self,
        user_id: str = "U0AGENT",
        values: dict[str, Any] | None = None,
        *,
        retry_num: int | None = None,
        forge_signature: bool = False,
        timestamp_offset: int = 0,
        client_validation: bool = True,
    ) -> DriverResponse:
        """Submit the user's top modal, then apply the app's answer as the Slack client does.

        ``response_action`` ``update`` replaces the top view (same id, new hash), ``push``
        pushes, ``clear`` closes all, ``errors`` keeps the view; an empty answer closes the top
        view. A non-200 answer leaves the modal open.
        """
        view = self.type_values(user_id, values or {})
        if client_validation:
            problems = payloads.client_side_errors(view, payloads.full_state(view))
            if problems:
                return DriverResponse(status=0, body=None, client_errors=problems)
        trigger_id = self._trigger(user_id, 0.0)
        payload = payloads.view_submission(
            self.fake.identity, user=self._user(user_id), trigger_id=trigger_id, view=view
        )
        response = self._interactive(
            payload, _Delivery(retry_num, forge_signature, timestamp_offset)
        )
        if response.ok:
            self._apply_view_answer(user_id, view, response.body)
        return response

    def close_view(self, user_id: str = "U0AGENT") -> DriverResponse | None:
        """The user closes the top modal; sends ``view_closed`` if it has notify_on_close."""
        view = self.open_view(user_id)
        clear = bool(view.get("clear_on_close"))
        if clear:
            self.fake.client_clear_views(user_id)
        else:
            self.fake.client_close_top_view(user_id)
        if not view.get("notify_on_close"):
            return None
        payload = payloads.view_closed(
            self.fake.identity, user=self._user(user_id), view=view, cleared=clear
        )
        return self._interactive(payload, _Delivery())

    def _apply_view_answer(self, user_id: str, view: JsonDict, body: JsonDict | str | None) -> None:
        if isinstance(body, str) and body.strip():
            self.fake.note_violation(
                f"view_submission answer must be empty or JSON, got {body[:80]!r}"
            )
            return
        action = body.get("response_action") if isinstance(body, dict) else None
        try:
            self._apply_response_action(user_id, view, action, body)
        except ApiError as err:
            detail = f" {err.messages}" if err.messages else ""
            self.fake.note_violation(f"response_action {action}: {err.error}{detail}")

    def _apply_response_action(
        self, user_id: str, view: JsonDict, action: object, body: JsonDict | str | None
    ) -> None:
        if action is None:
            self.fake.client_close_top_view(user_id)
        elif action == "update" and isinstance(body, dict):
            self.fake.client_update_top_view(user_id, body.get("view") or {})
        elif action == "push" and isinstance(body, dict):
            self.fake.client_push_view(user_id, body.get("view") or {})
        elif action == "clear":
            self.fake.client_clear_views(user_id)
        elif action == "errors" and isinstance(body, dict):
            self._check_errors(view, body.get("errors"))
        else:
            self.fake.note_violation(f"view_submission: unknown response_action {action!r}")

    def _check_errors(self, view: JsonDict, errors: object) -> None:
        inputs = {b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"}
        if not isinstance(errors, dict) or not errors:
            self.fake.note_violation("response_action errors needs a non-empty errors object")
            return
        for block_id in errors:
            if block_id not in inputs:
                self.fake.note_violation(
                    f"response_action errors names {block_id!r}, not an input block of the view"
                )

    # ----- block_actions ------------------------------------------------------------------------

    def click(
        self,
        action_id: str,
        *,
        user_id: str = "U0AGENT",
        value: Any = None,
        message: tuple[str, str] | None = None,
        view_user: str | None = None,
        values: dict[str, Any] | None = None,
        block_id: str | None = None,
        retry_num: int | None = None,
        forge_signature: bool = False,
        timestamp_offset: int = 0,
    ) -> DriverResponse:
        """Click/select ``action_id`` in a message (``message=(channel, ts)``) or a modal.

        Without ``message`` the element is looked up in ``view_user``'s (default: ``user_id``'s)
        top modal; ``values`` are typed into that modal first. ``value`` overrides a button's
        value or is the choice for selects, pickers and inputs.
        """
        ident = self.fake.identity
        user = self._user(user_id)
        delivery = _Delivery(retry_num, forge_signature, timestamp_offset)
        if message is not None:
            channel, ts = message
            found_message = self.fake.find_message(channel, ts)
            if found_message is None:
                raise AssertionError(f"no message {ts} in {channel}")
            found = payloads.find_element(
                found_message.get("blocks", []), action_id, block_id=block_id
            )
            if found is None:
                raise AssertionError(f"no element {action_id!r} in message {ts} of {channel}")
            trigger_id = self._trigger(user_id, 0.0)
            channel_id = self.fake.dm_channel_id(channel) or channel
            payload = payloads.block_actions_from_message(
                ident,
                user=user,
                trigger_id=trigger_id,
                channel_id=channel_id,
                channel_name=self.fake.channel_name(channel_id),
                message=found_message,
                action=payloads.action_object(found[1], found[0], value),
                response_url=self.fake.issue_response_url("actions", user_id, channel_id, ts),
            )
            return self._interactive(payload, delivery)

        owner = view_user or user_id
        view = self.type_values(owner, values or {})
        found = payloads.find_element(view.get("blocks", []), action_id, block_id=block_id)
        if found is None:
            raise AssertionError(f"no element {action_id!r} in {owner}'s modal {view['id']}")
        found_block, element = found
        if value is not None and element.get("type") in payloads.STATEFUL:
            view = self.type_values(owner, {action_id: value})
        trigger_id = self._trigger(user_id, 0.0)
        payload = payloads.block_actions_from_view(
            ident,
            user=user,
            trigger_id=trigger_id,
            view=view,
            action=payloads.action_object(element, found_block, value),
        )
        return self._interactive(payload, delivery)

    # ----- shortcuts ----------------------------------------------------------------------------

    def message_shortcut(
        self,
        callback_id: str,
        *,
        channel: str,
        ts: str,
        user_id: str = "U0AGENT",
        retry_num: int | None = None,
    ) -> DriverResponse:
        """Run the message shortcut ``callback_id`` on message ``ts`` of ``channel``.

        Slack delivers message shortcuts from any conversation the user can see, including
        private channels the app is not in (it then cannot read them itself).
        """
        message = self.fake.find_message(channel, ts)
        if message is None:
            raise AssertionError(f"no message {ts} in {channel}")
        payload = payloads.message_shortcut(
            self.fake.identity,
            user=self._user(user_id),
            trigger_id=self._trigger(user_id, 0.0),
            callback_id=callback_id,
            channel_id=channel,
            channel_name=self.fake.channel_name(channel),
            message=message,
            response_url=self.fake.issue_response_url("shortcuts", user_id, channel, ts),
        )
        return self._interactive(payload, _Delivery(retry_num, False, 0))

    # ----- events -------------------------------------------------------------------------------

    def event(
        self,
        event: JsonDict,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        forge_signature: bool = False,
        timestamp_offset: int = 0,
    ) -> DriverResponse:
        """Deliver an Events API ``event_callback`` wrapping ``event``."""
        envelope = payloads.event_callback(self.fake.identity, event, event_id=event_id)
        delivery = _Delivery(retry_num, forge_signature, timestamp_offset)
        if self.transport == "socket":
            return self._via_socket("events_api", envelope, delivery)
        return self._via_http(json.dumps(envelope), "application/json", delivery)

    # ----- delivery -----------------------------------------------------------------------------

    def _trigger(self, user_id: str, age: float) -> str:
        trigger_id = self.fake.issue_trigger(user_id, age)
        with self._lock:
            self.last_trigger_id = trigger_id
        return trigger_id

    def _user(self, user_id: str) -> JsonDict:
        return payloads.user_object(self.fake.identity, user_id, self.fake.user_name(user_id))

    def _interactive(self, payload: JsonDict, delivery: _Delivery) -> DriverResponse:
        if self.transport == "socket":
            return self._via_socket("interactive", payload, delivery)
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self._via_http(body, "application/x-www-form-urlencoded", delivery)

    def redeliver(self, retry_num: int = 1) -> DriverResponse:
        """Send the last delivery again, unchanged, the way Slack retries it.

        Same payload (so the same trigger_id, view id and action), plus ``X-Slack-Retry-Num``
        over HTTP or ``retry_attempt`` in Socket Mode. The app's answer is not applied to the
        modal stack: the Slack client already acted on the first answer.
        """
        with self._lock:
            last = self._last
        if last is None:
            raise AssertionError("nothing was delivered yet")
        delivery = _Delivery(retry_num, False, 0)
        kind, data, content_type = last
        if kind == "socket":
            type_, payload = data
            return self._via_socket(type_, payload, delivery)
        return self._via_http(data, content_type, delivery)

    def _via_socket(self, type_: str, payload: JsonDict, delivery: _Delivery) -> DriverResponse:
        with self._lock:
            self._last = ("socket", (type_, payload), "")
        if delivery.forge_signature or delivery.timestamp_offset:
            raise ValueError("forge_signature/timestamp_offset only apply to the http transport")
        started = time.monotonic()
        envelope_id = self.fake.socket_send(
            type_,
            payload,
            retry_attempt=delivery.retry_num or 0,
            retry_reason=SOCKET_RETRY_REASON if delivery.retry_num else "",
            timeout=self.timeout,
        )
        try:
            ack = self.fake.socket_wait_ack(envelope_id, self.timeout)
        except AssertionError:
            return DriverResponse(
                status=0, body=None, elapsed=time.monotonic() - started, envelope_id=envelope_id
            )
        body = ack.get("payload")
        return DriverResponse(
            status=200,
            body=body if isinstance(body, dict | str) else None,
            elapsed=time.monotonic() - started,
            envelope_id=envelope_id,
        )

    def _via_http(self, body: str, content_type: str, delivery: _Delivery) -> DriverResponse:
        assert self.url is not None
        with self._lock:
            self._last = ("http", body, content_type)
        raw = body.encode("utf-8")
        timestamp = str(int(time.time()) + delivery.timestamp_offset)
        secret = self.signing_secret
        if delivery.forge_signature:
            secret = "forged-" + secret
        headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": slack_signature(secret, timestamp, raw),
        }
        if delivery.retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(delivery.retry_num)
            headers["X-Slack-Retry-Reason"] = HTTP_RETRY_REASON
        request = urllib.request.Request(self.url, data=raw, headers=headers, method="POST")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = response.status
                answer = response.read()
                answer_type = response.headers.get_content_type()
        except urllib.error.HTTPError as err:
            status = err.code
            answer = err.read()
            answer_type = err.headers.get_content_type()
        elapsed = time.monotonic() - started
        return DriverResponse(status=status, body=_parse_body(answer, answer_type), elapsed=elapsed)


def _parse_body(raw: bytes, content_type: str) -> JsonDict | str | None:
    text = raw.decode("utf-8", errors="replace")
    if not text.strip():
        return None
    if content_type == "application/json" or text.lstrip().startswith("{"):
        try:
            parsed = json.loads(text)
        except ValueError:
            return text
        return parsed if isinstance(parsed, dict) else text
    return text
