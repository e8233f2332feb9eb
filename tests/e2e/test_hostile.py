"""The real bot under malformed and hostile requests: never a 5xx, never a lost ack.

One run sends every case the hostile-client review listed, and more, over HTTP (signed,
unsigned, forged) and Socket Mode, and counts the answers. Then an exception is injected
after the ack (a corrupt row makes the claim command raise) and must not cost the ack.
"""

from __future__ import annotations

import copy
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import sqlalchemy as sa

from bot.inbound import FAILED_TEXT, UNREADABLE_TEXT
from bot.inbound.guard import FORM_UNREADABLE
from bot.render.kb import APPROVE, DISCARD, EDIT
from core.checklist import Step
from core.inputs import NOT_OFFERED, UNREADABLE
from core.workflow import Action
from storage.database import Database
from tests.e2e.conftest import driver_for
from tests.e2e.harness import SIGNING_SECRET, BotProcess
from tests.e2e.test_reliability import escalate, packets, wait_until
from tests.fakeslack import FakeSlack, slack_signature
from tests.inbound import samples

pytestmark = pytest.mark.e2e


def _bend(make: Callable[[], dict[str, Any]], change: Callable[[dict[str, Any]], Any]
          ) -> dict[str, Any]:
    body = copy.deepcopy(make())
    change(body)
    return body


def _state(body: dict[str, Any]) -> dict[str, Any]:
    return body["view"]["state"]["values"]  # type: ignore[no-any-return]


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(body: dict[str, Any]) -> None:
        target = body
        keys = path.split(".")
        for key in keys[:-1]:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[keys[-1]] = value
    return change


def _delete(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda body: body.pop(key, None)


def _state_entry(block: str, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda body: _state(body)[block][block].__setitem__(key, value)


def _form_entry(action: Action, key: str, entry_key: str, value: Any) -> dict[str, Any]:
    """The loop's real modal for ``action``, submitted with ``value`` in one element."""
    return _bend(lambda: samples.loop_form(action), _state_entry(key, entry_key, value))


LOOP = samples.loop_click
# The listeners other than the /escalate steps (the loop's buttons, menus, forms and
# command; KB, Jira, Add details, thread intake): name → body. Each is answered harmlessly:
# the clicker by an ephemeral, the form on a field.
LISTENERS: dict[str, Any] = {
    "loop value abc": samples.loop_click("loop:accept", "abc"),
    "loop value 10^30": samples.loop_click("loop:resolve", str(10**30)),
    "loop value a dict": samples.loop_click("loop:verify", {"id": 1}),
    "loop unknown action": samples.loop_click("loop:explode", "1"),
    "loop rating not offered": samples.loop_click("loop:rate:maybe", "1", "D0DANA"),
    "loop severity suggestion SEV9": samples.loop_click("loop:severity:sev9", "1"),
    "loop DM click without message": _bend(lambda: samples.loop_click(
        "loop:accept-handoff", "1", "D0DANA"), _delete("message")),
    "loop menu unknown verb": samples.loop_menu("explode:1"),
    "loop menu without id": samples.loop_menu("level:"),
    "loop menu option a string": _bend(samples.loop_menu, _set("actions.0.selected_option",
                                                               "level:1")),
    "loop form metadata not JSON": samples.loop_submission(metadata="{not json"),
    "loop form metadata id a string": samples.loop_submission(metadata='{"id":"1"}'),
    "loop form unknown callback": samples.loop_submission(callback="loop.explode"),
    "loop form severity not offered": _bend(samples.loop_submission, _state_entry(
        "severity", "selected_option", {"value": "SEV9"})),
    "loop form state a list": _bend(samples.loop_submission,
                                    lambda b: b["view"]["state"].__setitem__("values", [])),
    "loop click without user": _bend(LOOP, _delete("user")),
    "loop click user id a number": _bend(LOOP, _set("user.id", 42)),
    "loop click without container or channel": _bend(
        LOOP, lambda b: (b.pop("container"), b.pop("channel"))),
    "loop click actions a list of numbers": _bend(LOOP, _set("actions", [1, 2])),
    "loop value empty": LOOP("loop:accept", ""),
    "loop value negative": LOOP("loop:reopen", "-3"),
    "loop form without user": _bend(samples.loop_form, _delete("user")),
    "loop form category not offered": _form_entry(
        Action.RESOLVE, "category", "selected_option", {"value": "blame_the_customer"}),
    "loop form category a list": _form_entry(
        Action.RESOLVE, "category", "selected_option", ["code_fix"]),
    "loop form flag not offered": _form_entry(
        Action.RESOLVE, "kb_warranted", "selected_options", [{"value": "false"}]),
    "loop form flags not a list": _form_entry(
        Action.RESOLVE, "kb_warranted", "selected_options", "true"),
    "loop form level not offered": _form_entry(
        Action.ESCALATE_LEVEL, "target", "selected_option", {"value": "L5"}),
    "loop form handoff target not a user": _form_entry(
        Action.REASSIGN, "to_user", "selected_user", "<!channel>"),
    "loop form handoff target a number": _form_entry(
        Action.REASSIGN, "to_user", "selected_user", 42),
    "loop form ETA out of range": _form_entry(
        Action.SET_ETA, "eta", "selected_date_time", 10**30),
    "loop form ETA not a number": _form_entry(
        Action.SET_ETA, "eta", "selected_date_time", "tomorrow"),
    "loop form reason a dict": _form_entry(
        Action.REOPEN, "reason", "value", {"text": "x"}),
    "kb approve value abc": samples.kb_click(APPROVE, "abc", channel="C0AUTH0001"),
    "kb edit value 10^30": samples.kb_click(EDIT, str(10**30), channel="C0AUTH0001"),
    "kb discard value a list": samples.kb_click(DISCARD, ["9"], channel="C0AUTH0001"),
    "kb approve without user": _bend(samples.kb_click, _delete("user")),
    "kb edit of a draft that does not exist": samples.kb_click(EDIT, "777",
                                                               channel="C0AUTH0001"),
    "kb form metadata not a number": samples.kb_edit(metadata="nine"),
    "kb form metadata huge": samples.kb_edit(metadata=str(10**30)),
    "kb form title a list": _bend(samples.kb_edit, _state_entry("title", "value", ["x"])),
    "kb form without user": _bend(samples.kb_edit, _delete("user")),
    "jira value abc": samples.jira_click("abc"),
    "jira value negative": samples.jira_click("-1"),
    "jira without container or channel": _bend(
        samples.jira_click, lambda b: (b.pop("container"), b.pop("channel"))),
    "add details value a dict": samples.add_details_click({"id": 1}),
    "add details value 10^30": samples.add_details_click(str(10**30)),
    "add details without trigger": _bend(samples.add_details_click, _delete("trigger_id")),
    "details form metadata not JSON": samples.details_submission("{nope"),
    "details form id a list": samples.details_submission('{"id":[1]}'),
    "details form environment not offered": _bend(samples.details_submission, _state_entry(
        "environment", "selected_option", {"value": "moon"})),
    "details form renewal box not offered": _bend(samples.details_submission, _state_entry(
        "renewal_at_stake", "selected_options", [{"value": "false"}])),
    "details form deadline not a date": _bend(samples.details_submission, _state_entry(
        "deadline", "selected_date", "not-a-date")),
    "details form workaround a string": _bend(samples.details_submission, _state_entry(
        "workaround", "selected_option", "none")),
    "details form files not a list": _bend(samples.details_submission, _state_entry(
        "evidence_files", "files", "x")),
    "severity pick without view": _bend(samples.severity_pick, _delete("view")),
    "severity pick state a list": _bend(samples.severity_pick, lambda b: b["view"][
        "state"].__setitem__("values", [])),
    "severity pick not offered": samples.severity_pick("SEV9"),
    "severity pick option a list": _bend(samples.severity_pick, _set(
        "actions.0.selected_option", ["SEV1"])),
    "thread shortcut ts not a timestamp": _bend(samples.thread_shortcut, _set(
        "message.ts", "yesterday")),
    "thread shortcut without channel": _bend(samples.thread_shortcut, _delete("channel")),
}

VS, CLICK = samples.view_submission, samples.claim_click
# Interactive payloads (sent as payload=<json>): name → body.
INTERACTIVE: dict[str, Any] = {
    **LISTENERS,
    "state.values is a list": _bend(VS, lambda b: b["view"]["state"].__setitem__("values", [])),
    "state is a string": _bend(VS, _set("view.state", "x")),
    "selected_option is a string": _bend(VS, _state_entry("severity", "selected_option", "SEV1")),
    "selected_option not offered": _bend(VS, _state_entry(
        "severity", "selected_option", {"value": "SEV9"})),
    "selected_options not a list": _bend(VS, _state_entry("signals", "selected_options", "x")),
    "datetime not a number": _bend(VS, _state_entry("first_reported_at",
                                                    "selected_date_time", "soon")),
    "datetime out of range": _bend(VS, _state_entry("first_reported_at",
                                                    "selected_date_time", 10**30)),
    "datetime negative": _bend(VS, _state_entry("first_reported_at",
                                                "selected_date_time", -(10**30))),
    "view without user": _bend(VS, _delete("user")),
    "view user without id": _bend(VS, lambda b: b["user"].pop("id")),
    "view is a list": _bend(VS, _set("view", [])),
    "view callback unknown": _bend(VS, _set("view.callback_id", "escalate.nope")),
    "click without user": _bend(CLICK, _delete("user")),
    "click user id a number": _bend(CLICK, _set("user.id", 42)),
    "click without container or channel": _bend(
        CLICK, lambda b: (b.pop("container"), b.pop("channel"))),
    "click without actions": _bend(CLICK, _delete("actions")),
    "click with empty actions": _bend(CLICK, _set("actions", [])),
    "click actions is a dict": _bend(CLICK, _set("actions", {"0": {}})),
    "claim value abc": CLICK("abc"),
    "claim value empty": CLICK(""),
    "claim value 10^30": CLICK(str(10**30)),
    "claim value a list": CLICK(["1"]),
    "claim value negative": CLICK("-5"),
    "back without view": _bend(samples.back_click, _delete("view")),
    "back to nowhere": _bend(samples.back_click, _set("actions.0.value", "nowhere")),
    "back from an unknown view": _bend(samples.back_click, _set("view.callback_id", "")),
    "unknown type": {"type": "nonsense", "user": {"id": "U0AGENT"}},
    "type is a list": {"type": [], "actions": "x"},
    "empty object": {},
    "message shortcut unregistered": samples.message_shortcut(),
    "thread shortcut without message": _bend(samples.message_shortcut, lambda b: (
        b.__setitem__("callback_id", "escalate_thread"), b.pop("message"))),
    "thread shortcut reply_count a string": _bend(samples.message_shortcut, lambda b: (
        b.__setitem__("callback_id", "escalate_thread"),
        b["message"].__setitem__("reply_count", "many"))),
}
# The listeners' raw bodies (commands, events): name → (bytes, content type).
LISTENER_RAW: dict[str, tuple[bytes, str]] = {
    "/escalation gibberish": (urlencode({**samples.slash_command("`<!channel>` %% ESC-"),
                                         "command": "/escalation"}).encode(),
                              "application/x-www-form-urlencoded"),
    "/escalation id too large": (urlencode({**samples.slash_command(f"ESC-{10**30} accept"),
                                            "command": "/escalation"}).encode(),
                                 "application/x-www-form-urlencoded"),
}
# Raw bodies (form data or JSON): name → (bytes, content type).
RAW: dict[str, tuple[bytes, str]] = {
    **LISTENER_RAW,
    "payload is not JSON": (b"payload=%7Bnot-json", "application/x-www-form-urlencoded"),
    "payload is a JSON list": (b"payload=%5B%5D", "application/x-www-form-urlencoded"),
    "not UTF-8": (b"payload=\xff\xfe\xfd", "application/x-www-form-urlencoded"),
    "JSON body not an object": (b"[1, 2]", "application/json"),
    "JSON body truncated": (b'{"type": "event_callback", "event": {', "application/json"),
    "empty body": (b"", "application/x-www-form-urlencoded"),
    "command without user": (urlencode({k: v for k, v in samples.slash_command().items()
                                        if k != "user_id"}).encode(),
                             "application/x-www-form-urlencoded"),
    "command text mentions payload": (urlencode(samples.slash_command(
        "the payload is broken for Acme")).encode(), "application/x-www-form-urlencoded"),
    "event without event": (json.dumps({"type": "event_callback", "event_id": "Ev1"}).encode(),
                            "application/json"),
    "home event user is a dict": (json.dumps(_bend(samples.home_opened, _set(
        "event.user", {"id": ["x"]}))).encode(), "application/json"),
    "home event is a string": (json.dumps(_bend(samples.home_opened, _set(
        "event", "app_home_opened"))).encode(), "application/json"),
}


def post(bot: BotProcess, raw: bytes, content_type: str, *, secret: str | None = SIGNING_SECRET
         ) -> tuple[int, float]:
    timestamp = str(int(time.time()))
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp}
    if secret is not None:
        headers["X-Slack-Signature"] = slack_signature(secret, timestamp, raw)
    request = urllib.request.Request(bot.url, data=raw, headers=headers, method="POST")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as err:
        status = err.code
    return status, time.monotonic() - started


def answerable(fake: FakeSlack, body: Any) -> Any:
    """``body`` with a response_url the fake Slack issued (Slack gives every click and
    shortcut one; the bot answers a malformed one there, so it must lead somewhere)."""
    if not isinstance(body, dict) or not isinstance(body.get("response_url"), str):
        return body
    channel = body.get("channel")
    channel_id = channel.get("id") if isinstance(channel, dict) else None
    return {**body, "response_url": fake.issue_response_url(
        "actions", "U0AGENT", channel_id if isinstance(channel_id, str) else None)}


def _bodies(fake: FakeSlack) -> list[tuple[str, bytes, str]]:
    out = [(name, urlencode({"payload": json.dumps(answerable(fake, body))}).encode(),
            "application/x-www-form-urlencoded") for name, body in INTERACTIVE.items()]
    # Commands answer on their response_url: give them one the fake Slack knows.
    sample_url = quote(samples.slash_command()["response_url"], safe="").encode()
    real_url = quote(fake.issue_response_url("commands", "U0AGENT", "C0SUPPORT"),
                     safe="").encode()
    return out + [(name, raw.replace(sample_url, real_url), ctype)
                  for name, (raw, ctype) in RAW.items()]


def test_malformed_requests_over_http(fake: FakeSlack, http_bot: BotProcess) -> None:
    """Every case: signed → 200 (or 400 for an unreadable body) within the ack window;
    unsigned or forged → 401. No 5xx, no traceback, no payload text in the log."""
    answers: dict[str, tuple[int, float]] = {}
    for name, raw, ctype in _bodies(fake):
        answers[name] = post(http_bot, raw, ctype)
        assert post(http_bot, raw, ctype, secret=None)[0] == 401, name
        assert post(http_bot, raw, ctype, secret="forged")[0] == 401, name
    server_errors = {n: a for n, a in answers.items() if a[0] >= 500}
    late = {n: a for n, a in answers.items() if a[1] > 3.0}
    assert server_errors == {} and late == {}
    unreadable = {n for n, a in answers.items() if a[0] == 400}
    assert unreadable == {"payload is not JSON", "payload is a JSON list", "not UTF-8",
                          "JSON body not an object", "JSON body truncated", "empty body"}
    print(f"hostile suite: {3 * len(answers)} requests, {len(server_errors)} 5xx, "
          f"slowest {max(a[1] for a in answers.values()):.3f} s")
    time.sleep(0.5)
    log = http_bot.log()
    assert "Traceback" not in log and " ERROR " not in log, log[-3000:]
    assert "Acme" not in log  # payload text never reaches the log
    # The modal's user is told on the form; the clicker in the channel by an ephemeral.
    assert any(e["text"] == UNREADABLE_TEXT for e in fake.ephemerals)


def test_malformed_requests_over_socket_mode(fake: FakeSlack, bot_factory: Any) -> None:
    bot = bot_factory("socket")
    bot.start()
    for name, body in INTERACTIVE.items():
        envelope = fake.socket_send("interactive", answerable(fake, body))
        fake.socket_wait_ack(envelope, timeout=3.0)  # AssertionError when no ack in time
        assert name
    event = json.loads(RAW["home event is a string"][0])
    fake.socket_wait_ack(fake.socket_send("events_api", event), timeout=3.0)
    time.sleep(0.5)
    assert "Traceback" not in bot.log() and " ERROR " not in bot.log()


def test_malformed_view_submission_answers_on_the_form(http_bot: BotProcess) -> None:
    """A submission that cannot be read keeps the modal open with an error on a field."""
    body = INTERACTIVE["state.values is a list"]
    raw = urlencode({"payload": json.dumps(body)}).encode()
    request = urllib.request.Request(http_bot.url, data=raw, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": (ts := str(int(time.time()))),
        "X-Slack-Signature": slack_signature(SIGNING_SECRET, ts, raw)})
    with urllib.request.urlopen(request, timeout=5) as response:
        answer = json.loads(response.read())
    assert answer["response_action"] == "errors"
    [(block, message)] = answer["errors"].items()
    assert block == "problem" and "could not be read" in message


def test_exception_after_ack_keeps_the_ack(fake: FakeSlack, http_bot: BotProcess,
                                           database_url: str) -> None:
    """The claim command raises after the click was acked (a corrupt row): the click still
    gets 200 at once, the clicker an explanation, and the log one traceback."""
    drv = driver_for(fake, http_bot)
    escalate(drv, fake)
    wait_until(lambda: len(packets(fake)) == 1)
    db = Database.from_url(database_url)
    try:
        with db.transaction() as session:
            session.execute(sa.text("UPDATE escalation SET state = 'corrupt'"))
    finally:
        db.dispose()
    ts = packets(fake)[0]["ts"]
    for n in range(5):
        response = drv.click("claim", user_id=f"U0SPEC{n}", message=("C0AUTH0001", ts))
        assert response.status == 200 and response.elapsed < 2.5, response  # not 3 s
    wait_until(lambda: len([e for e in fake.ephemerals if e["text"] == FAILED_TEXT]) == 5)
    assert "didn't call ack()" not in http_bot.log()
    assert http_bot.log().count("listener register.<locals>.claim_clicked failed") == 5


def _submit_raw(bot: BotProcess, body: dict[str, Any]) -> dict[str, Any]:
    raw = urlencode({"payload": json.dumps(body)}).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(bot.url, data=raw, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": slack_signature(SIGNING_SECRET, timestamp, raw)})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def test_the_form_refuses_what_it_did_not_offer(fake: FakeSlack, http_bot: BotProcess) -> None:
    """Values the modal never offered — a forged severity, an unknown checkbox, a date that
    is not a date — come back as errors on their fields, and the step does not advance."""
    body = samples.view_submission(Step.PROBLEM)
    state = _state(body)
    state["severity"]["severity"]["selected_option"] = {"value": "SEV9"}
    state["signals"]["signals"]["selected_options"] = [{"value": "free_pizza"}]
    state["domain"]["domain"]["selected_option"] = {"value": "payroll"}
    answer = _submit_raw(http_bot, body)
    assert answer["response_action"] == "errors"
    for field in ("severity", "signals", "domain"):
        assert answer["errors"][field] == "Pick one of the offered choices.", answer
    body = samples.view_submission(Step.HANDOFF)
    _state(body)["deadline"]["deadline"]["selected_date"] = "not-a-date"
    answer = _submit_raw(http_bot, body)
    assert answer["response_action"] == "errors"
    assert "YYYY-MM-DD" in answer["errors"]["deadline"]
    assert fake.calls_to("chat.postMessage") == []


# Clicks whose user and channel can be read: the clicker gets "could not be read".
# "loop rating not offered" is clicked in a DM (D0DANA) the fake Slack does not know: its
# chat.postEphemeral would fail channel_not_found; the answer goes on the response_url.
TOLD_BY_EPHEMERAL = ("loop value abc", "loop value 10^30", "loop value a dict",
                     "loop rating not offered",
                     "loop unknown action", "loop severity suggestion SEV9",
                     "loop menu unknown verb", "loop menu without id",
                     "loop menu option a string",
                     "loop value empty", "loop value negative", "kb approve value abc",
                     "kb edit value 10^30", "kb discard value a list", "jira value abc",
                     "jira value negative", "add details value a dict",
                     "add details value 10^30", "thread shortcut ts not a timestamp")


def _send(bot: BotProcess, body: dict[str, Any]) -> tuple[int, float, dict[str, Any] | None]:
    raw = urlencode({"payload": json.dumps(body)}).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(bot.url, data=raw, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": slack_signature(SIGNING_SECRET, timestamp, raw)})
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read()
        status = response.status
    return status, time.monotonic() - started, json.loads(text) if text.strip() else None


def test_listener_payloads_over_http(fake: FakeSlack, http_bot: BotProcess) -> None:
    """The loop's buttons, menus, forms and command under hostile payloads, over signed HTTP:
    200 within the ack window, the user told (on the field or by an ephemeral), no ERROR and
    no traceback in the log."""
    answers: dict[str, tuple[int, float, dict[str, Any] | None]] = {}
    for name, body in LISTENERS.items():
        before = len(fake.ephemerals)
        answers[name] = _send(http_bot, answerable(fake, body))
        if name in TOLD_BY_EPHEMERAL:
            wait_until(lambda before=before: len(fake.ephemerals) > before, timeout=5)  # type: ignore[misc]
            assert fake.ephemerals[-1]["text"] == UNREADABLE_TEXT, (name, fake.ephemerals[-1])
            assert fake.ephemerals[-1]["user"] == "U0AGENT", name
    for name, (raw, ctype) in _listener_raw(fake):
        status, elapsed = post(http_bot, raw, ctype)
        answers[name] = (status, elapsed, None)
    assert {n: a[:2] for n, a in answers.items() if a[0] != 200 or a[1] > 3.0} == {}
    for name, body in LISTENERS.items():
        if body.get("type") == "view_submission":
            answer = answers[name][2]
            assert answer is not None and answer["response_action"] == "errors", name
    time.sleep(0.5)
    log = http_bot.log()
    assert "Traceback" not in log and " ERROR " not in log, log[-3000:]
    assert "Two more tenants" not in log  # payload text never reaches the log


def _listener_raw(fake: FakeSlack) -> list[tuple[str, tuple[bytes, str]]]:
    sample_url = quote(samples.slash_command()["response_url"], safe="").encode()
    real_url = quote(fake.issue_response_url("commands", "U0AGENT", "C0SUPPORT"),
                     safe="").encode()
    return [(name, (raw.replace(sample_url, real_url), ctype))
            for name, (raw, ctype) in LISTENER_RAW.items()]


def test_listener_payloads_over_socket_mode(fake: FakeSlack, bot_factory: Any) -> None:
    bot = bot_factory("socket")
    bot.start()
    for name, body in LISTENERS.items():
        envelope = fake.socket_send("interactive", answerable(fake, body))
        assert fake.socket_wait_ack(envelope, timeout=3.0) is not None, name
    time.sleep(0.5)
    assert "Traceback" not in bot.log() and " ERROR " not in bot.log()


def test_loop_forms_refuse_what_they_did_not_offer(fake: FakeSlack,
                                                   http_bot: BotProcess) -> None:
    """The loop's modals keep the form open with an error on the very field whose value the
    form never offered, or whose value has the wrong type or lies out of range; nothing is
    stored or sent."""
    expected = {
        "loop form category not offered": ("category", NOT_OFFERED),
        "loop form category a list": ("category", UNREADABLE),
        "loop form flag not offered": ("kb_warranted", NOT_OFFERED),
        "loop form flags not a list": ("kb_warranted", UNREADABLE),
        "loop form level not offered": ("target", NOT_OFFERED),
        "loop form severity not offered": ("severity", NOT_OFFERED),
        "loop form handoff target not a user": ("to_user", "Pick a person."),
        "loop form handoff target a number": ("to_user", "Pick a person."),
        "loop form ETA out of range": ("eta", "Pick a date and time within two years from "
                                              "now (UTC)."),
        "loop form ETA not a number": ("eta", UNREADABLE),
        "loop form reason a dict": ("reason", UNREADABLE),
    }
    for name, (field, message) in expected.items():
        answer = _submit_raw(http_bot, LISTENERS[name])
        assert answer == {"response_action": "errors", "errors": {field: message}}, name
    assert fake.calls_to("chat.postMessage") == [] and fake.calls_to("chat.update") == []


def test_other_forms_refuse_what_they_did_not_offer(fake: FakeSlack,
                                                    http_bot: BotProcess) -> None:
    """The KB draft's Edit modal and Add details answer on the field: a value of the wrong
    type, an option never offered, a date that is not a date; a form whose metadata cannot
    be read keeps the modal open with an error on its first field."""
    expected = {
        "kb form title a list": {"title": UNREADABLE},
        "kb form metadata not a number": {"title": FORM_UNREADABLE},
        "kb form metadata huge": {"title": FORM_UNREADABLE},
        "details form metadata not JSON": {"problem": FORM_UNREADABLE},
        "details form id a list": {"problem": FORM_UNREADABLE},
        "details form environment not offered": {"environment": NOT_OFFERED},
        "details form renewal box not offered": {"renewal_at_stake": NOT_OFFERED},
        "details form deadline not a date": {"deadline": "Pick a date (YYYY-MM-DD)."},
        "details form workaround a string": {"workaround": UNREADABLE},
        "details form files not a list": {"evidence_files": UNREADABLE},
    }
    for name, errors in expected.items():
        answer = _submit_raw(http_bot, LISTENERS[name])
        assert answer == {"response_action": "errors", "errors": errors}, name
    assert fake.calls_to("chat.postMessage") == [] and fake.calls_to("chat.update") == []
