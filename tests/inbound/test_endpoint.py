"""The HTTP endpoint under hostile input, in process (no sockets), on SQLite and PostgreSQL.

Property: whatever arrives — signed or not, arbitrary bytes, arbitrary JSON shaped like
Slack's payloads — the answer is never a 5xx, always within the ack window, and the log
holds no unhandled exception (nothing at ERROR, no traceback).
"""

from __future__ import annotations

import io
import json
import logging
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_bolt import Ack, App
from slack_sdk.http_retry import jitter

from bot.app import Runtime, build_runtime
from bot.config import load_config
from bot.http import wsgi_app
from bot.inbound import FAILED_TEXT, UNREADABLE_TEXT, guarded, install
from bot.settings import Settings
from tests.e2e.harness import BOT_TOKEN, CONFIG, SIGNING_SECRET, make_fake
from tests.fakeslack import FakeSlack, slack_signature
from tests.inbound import samples

HOSTILE = settings(max_examples=120, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow,
                                          HealthCheck.function_scoped_fixture])


@dataclass
class Answer:
    status: int
    body: bytes
    elapsed: float


def call(app: Any, raw: bytes, *, content_type: str = "application/x-www-form-urlencoded",
         sign: bool = True, secret: str = SIGNING_SECRET) -> Answer:
    timestamp = str(int(time.time()))
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "QUERY_STRING": "",
        "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(raw)),
        "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.input": io.BytesIO(raw),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": timestamp,
    }
    if sign:
        environ["HTTP_X_SLACK_SIGNATURE"] = slack_signature(secret, timestamp, raw)
    status: list[str] = []
    started = time.monotonic()
    chunks = app(environ, lambda s, headers: status.append(s))
    body = b"".join(chunks)
    return Answer(int(status[0].split()[0]), body, time.monotonic() - started)


class ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Ours and Bolt's errors, and any traceback. (slack_sdk logs ERROR itself when a
        # response_url cannot be reached; the bot handles that and says so at WARNING.)
        if record.exc_info or record.name.startswith(("bot", "commands", "storage",
                                                      "slack_bolt")):
            self.records.append(record)


@pytest.fixture
def errors() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fake = make_fake(contract_data=None)
    yield fake
    fake.stop()


@pytest.fixture
def runtime(fake: FakeSlack, database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    (tmp_path / "escalation.yml").write_text(CONFIG)
    config_settings = Settings(slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                               slack_api_url=fake.api_url, database_url=database_url,
                               escalation_config=tmp_path / "escalation.yml")
    rt = build_runtime(config_settings, load_config(config_settings.escalation_config),
                       http=True)
    yield rt
    rt.app.listener_runner.listener_executor.shutdown(wait=True)  # type: ignore[attr-defined]
    rt.shutdown()


def form(payload: Any) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


NAMES = sorted(samples.SAMPLES)


def encode(name: str, payload: Any) -> tuple[bytes, str]:
    if name == "slash_command" and isinstance(payload, dict) and all(
            isinstance(v, str) for v in payload.values()):
        return urlencode(payload).encode(), "application/x-www-form-urlencoded"
    if name == "home_opened":
        return json.dumps(payload).encode(), "application/json"
    return form(payload), "application/x-www-form-urlencoded"


class OwnJitter:
    """slack_sdk's retry jitter calls the global ``random.random()`` — in a listener thread
    still retrying an earlier example's response_url while Hypothesis draws the next example
    (which Hypothesis rightly warns about). Each example gives it a Random of its own."""

    def __init__(self) -> None:
        self.source = random.Random(0)

    def random(self) -> float:
        return self.source.random()


def test_hostile_requests_never_5xx(runtime: Runtime, errors: ErrorLog,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    app = wsgi_app(runtime)
    statuses: list[int] = []
    own = OwnJitter()
    monkeypatch.setattr(jitter, "random", own)

    @HOSTILE
    @given(st.one_of([st.tuples(st.just(n), samples.payload_strategy(n)) for n in NAMES]),
        st.sampled_from(["signed", "signed", "signed", "unsigned", "forged"]),
        st.randoms(use_true_random=True))
    def check(case: tuple[str, Any], signing: str, source: random.Random) -> None:
        own.source = source
        name, payload = case
        raw, content_type = encode(name, payload)
        answer = call(app, raw, content_type=content_type, sign=signing != "unsigned",
                      secret=SIGNING_SECRET if signing != "forged" else "forged")
        statuses.append(answer.status)
        assert answer.status < 500, answer
        assert answer.elapsed < 3.0, answer
        if signing != "signed":
            assert answer.status == 401
        else:
            assert answer.status in (200, 400)

    check()
    assert not errors.records, [r.getMessage() for r in errors.records]
    assert 401 in statuses and 200 in statuses


def test_arbitrary_bytes(runtime: Runtime, errors: ErrorLog) -> None:
    app = wsgi_app(runtime)

    @HOSTILE
    @given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode),
           st.sampled_from(["application/json", "application/x-www-form-urlencoded", ""]),
           st.booleans())
    def check(raw: bytes, content_type: str, sign: bool) -> None:
        answer = call(app, raw, content_type=content_type, sign=sign)
        assert answer.status in ((200, 400) if sign else (401,)), answer
        assert answer.elapsed < 3.0

    check()
    assert not errors.records, [r.getMessage() for r in errors.records]


class TestBodies:
    """The body cases from the issue: not form data, not JSON, not UTF-8 — signed or not."""

    @pytest.mark.parametrize("raw", [b"payload=%7Bnot json", b"\xff\xfe\x00payload",
                                     b"payload=%5B1%2C2%5D", b"{\"a\": ", b"[]"])
    def test_unreadable_body_is_400_signed_and_401_unsigned(
            self, runtime: Runtime, errors: ErrorLog, raw: bytes) -> None:
        app = wsgi_app(runtime)
        assert call(app, raw).status == 400
        assert call(app, raw, sign=False).status == 401
        assert not errors.records

    def test_bad_timestamp_header_is_401(self, runtime: Runtime) -> None:
        app = wsgi_app(runtime)
        environ_raw = b"command=%2Fescalate"
        answer = call(app, environ_raw, sign=False)
        assert answer.status == 401


class TestAckDiscipline:
    """A listener that raises after ``ack()`` still answers 200 at once (Bolt alone loses the
    ack: its thread runner resets it, and the request waits out 3 s)."""

    def test_exception_after_ack_keeps_the_ack(self, runtime: Runtime) -> None:
        told: list[tuple[str, str, str]] = []
        app = App(token=BOT_TOKEN, client=runtime.app.client, signing_secret=None,
                  request_verification_enabled=False, token_verification_enabled=False,
                  raise_error_for_unhandled_request=True)
        install(app, notify=lambda channel, user, text: told.append((channel, user, text)))
        runtime.app = app

        @app.action("boom")
        @guarded
        def boom(ack: Ack) -> None:
            ack()
            raise RuntimeError("database went away")

        wsgi = wsgi_app(runtime)
        body = samples.claim_click()
        body["actions"][0]["action_id"] = "boom"
        answers = [call(wsgi, form(body)) for _ in range(25)]
        assert [a.status for a in answers] == [200] * 25
        assert max(a.elapsed for a in answers) < 2.0  # Bolt alone: 3 s (its ack timeout)
        deadline = time.monotonic() + 5
        while len(told) < 25 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert told[0] == ("C0AUTH0001", "U0AGENT", FAILED_TEXT) and len(told) == 25

    def test_unacked_listener_is_acked(self, runtime: Runtime) -> None:
        app = App(token=BOT_TOKEN, client=runtime.app.client, signing_secret=None,
                  request_verification_enabled=False, token_verification_enabled=False)
        install(app)
        runtime.app = app
        ran = threading.Event()

        @app.action("quiet")
        @guarded
        def quiet() -> None:
            ran.set()

        body = samples.claim_click()
        body["actions"][0]["action_id"] = "quiet"
        answer = call(wsgi_app(runtime), form(body))
        assert answer.status == 200 and answer.elapsed < 2.0 and ran.is_set()


def test_an_unreachable_response_url_is_not_an_error(runtime: Runtime, errors: ErrorLog) -> None:
    """/escalation answers on the command's response_url; when that URL cannot be reached
    (expired, or a sender's own), the request still gets 200 and the log says so at WARNING."""
    app = wsgi_app(runtime)
    for text in ("help", "ESC-1 accept", "mine"):
        body = samples.escalation_command(text)  # response_url: 127.0.0.1:9 (nothing listens)
        answer = call(app, urlencode(body).encode())
        assert answer.status == 200 and answer.elapsed < 3.0
    runtime.app.listener_runner.listener_executor.shutdown(wait=True)  # type: ignore[attr-defined]
    assert not errors.records, [r.getMessage() for r in errors.records]


class TestAnswerReachesTheUser:
    """A malformed click is answered where the user sees it. In a DM between people the bot
    is not in, ``chat.postEphemeral`` fails (``channel_not_found``: the fake Slack answers so
    for a conversation the bot is not a member of): the answer goes on the click's
    response_url, which works in every conversation."""

    def test_malformed_click_in_a_dm_is_answered_on_the_response_url(
            self, runtime: Runtime, fake: FakeSlack) -> None:
        body = samples.loop_click("loop:rate:maybe", "1", channel="D0DANA")  # not offered
        body["response_url"] = fake.issue_response_url("actions", "U0AGENT", "D0DANA",
                                                       "1700000000.000100")
        assert call(wsgi_app(runtime), form(body)).status == 200
        [reply] = fake.wait_for("response_url", timeout=5)
        assert reply.status == 200 and reply.args["text"] == UNREADABLE_TEXT
        assert reply.args["response_type"] == "ephemeral" and not reply.args["replace_original"]
        assert [(e["user"], e["channel"], e["text"]) for e in fake.ephemerals] == \
            [("U0AGENT", "D0DANA", UNREADABLE_TEXT)]
        assert fake.calls_to("chat.postEphemeral") == []

    def test_without_a_working_response_url_the_channel_gets_the_ephemeral(
            self, runtime: Runtime, fake: FakeSlack) -> None:
        body = samples.loop_click("loop:accept", "abc")  # on the packet, in C0AUTH0001
        body["response_url"] = f"{fake.base_url}/response/actions/T0/expired"
        assert call(wsgi_app(runtime), form(body)).status == 200
        [sent] = fake.wait_for("chat.postEphemeral", timeout=5)
        assert sent.status == 200
        assert [(e["user"], e["channel"], e["text"]) for e in fake.ephemerals] == \
            [("U0AGENT", "C0AUTH0001", UNREADABLE_TEXT)]

    def test_add_details_on_an_escalation_that_does_not_exist(
            self, runtime: Runtime, fake: FakeSlack) -> None:
        """The click names ESC-999, which was never stored: the clicker is told so, and no
        form opens."""
        assert call(wsgi_app(runtime), form(samples.add_details_click("999"))).status == 200
        fake.wait_for("chat.postEphemeral", timeout=5)
        assert [(e["user"], e["channel"], e["text"]) for e in fake.ephemerals] == \
            [("U0AGENT", "C0AUTH0001", "ESC-999 does not exist.")]
        assert fake.calls_to("views.open") == []


@pytest.mark.parametrize("payload", [
    {"type": "event_callback", "event": None, "team_id": "T0TEAM0001", "api_app_id": "A0APP"},
    {"type": "view_submission", "view": None, "user": {"id": "U0AGENT"}},
    {"type": "view_closed", "view": None, "user": {"id": "U0AGENT"}},
    {"type": "view_submission", "user": {"id": "U0AGENT"}, "response_urls": None,
     "view": {"id": "V0LOOP1", "type": "modal", "callback_id": "loop.severity"}},
    {"type": "view_submission", "user": {"id": "U0AGENT"},
     "view": {"id": "V0LOOP1", "callback_id": "loop.severity", "state": {"values": {}}}},
    {"type": "view_submission", "user": {"id": "U0AGENT"},
     "view": {"id": "V0LOOP1", "type": "workflow_step", "callback_id": "loop.severity"}},
    {"type": "workflow_step_edit", "callback_id": "x", "user": {"id": "U0AGENT"}},
])
def test_shapes_that_break_bolt_are_refused_before_it(runtime: Runtime, errors: ErrorLog,
                                                      payload: dict[str, Any]) -> None:
    """Bolt reads these without checking: ``"type" in body["event"]`` once ``"event" in body``,
    ``len(body["response_urls"])``, ``body["view"]["type"]`` of any view submission,
    ``body["workflow_step"]`` of a workflow step's. Each raised inside Bolt (an ERROR and no
    answer from the listener) — found by the property test above, one run in several."""
    app = wsgi_app(runtime)
    raw = (json.dumps(payload).encode() if payload["type"] == "event_callback"
           else form(payload))
    content_type = ("application/json" if payload["type"] == "event_callback"
                    else "application/x-www-form-urlencoded")
    answer = call(app, raw, content_type=content_type)
    assert answer.status in (200, 400), answer
    assert not errors.records, [r.getMessage() for r in errors.records]
