"""Tests of the fake Slack itself, driven by real slack_sdk / slack_bolt clients."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_bolt import Ack, App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from tests.fakeslack import FakeSlack, SlackDriver, slack_signature
from tests.shared_data import SHARED_SLACK, requires_shared, shared_path

BOT_TOKEN = "xoxb-test"
APP_TOKEN = "xapp-test"
SECRET = "test-signing-secret"

SECTION: dict[str, Any] = {
    "type": "section",
    "text": {"type": "mrkdwn", "text": "*SEV2* checkout fails"},
}
CLAIM_BUTTON: dict[str, Any] = {
    "type": "actions",
    "block_id": "packet_actions",
    "elements": [
        {
            "type": "button",
            "action_id": "claim",
            "text": {"type": "plain_text", "text": "Claim"},
            "value": "ESC-1",
        }
    ],
}
MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "escalate",
    "title": {"type": "plain_text", "text": "Escalate"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "summary",
            "label": {"type": "plain_text", "text": "Summary"},
            "element": {"type": "plain_text_input", "action_id": "summary_in"},
        },
        {
            "type": "input",
            "block_id": "sev",
            "label": {"type": "plain_text", "text": "Severity"},
            "element": {
                "type": "static_select",
                "action_id": "sev_in",
                "options": [
                    {"text": {"type": "plain_text", "text": "SEV1"}, "value": "sev1"},
                    {"text": {"type": "plain_text", "text": "SEV2"}, "value": "sev2"},
                ],
                "initial_option": {"text": {"type": "plain_text", "text": "SEV2"}, "value": "sev2"},
            },
        },
        {
            "type": "input",
            "block_id": "when",
            "optional": True,
            "label": {"type": "plain_text", "text": "Started"},
            "element": {"type": "datepicker", "action_id": "when_in"},
        },
    ],
}


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(bot_token=BOT_TOKEN, app_token=APP_TOKEN) as server:
        server.add_channel("C0SUPPORT", "support")
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(base_url=fake.api_url, token=BOT_TOKEN)


# ----- Web API --------------------------------------------------------------------------------


def test_post_then_update_changes_messages(fake: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(
        channel="C0SUPPORT", text="SEV2: checkout fails", blocks=[SECTION, CLAIM_BUTTON]
    )
    assert posted["channel"] == "C0SUPPORT"
    assert posted["message"]["bot_id"] == "B0BOT"
    assert posted["message"]["blocks"][0]["block_id"]  # Slack fills in missing block_ids

    client.chat_update(channel="C0SUPPORT", ts=posted["ts"], text="Claimed", blocks=[SECTION])

    [message] = fake.messages("C0SUPPORT")
    assert message["ts"] == posted["ts"]
    assert message["text"] == "Claimed"
    assert [b["type"] for b in message["blocks"]] == ["section"]
    assert "edited" in message
    assert [c.method for c in fake.calls] == ["chat.postMessage", "chat.update"]
    assert all(c.succeeded for c in fake.calls)
    assert fake.contract_violations == []


def test_timestamps_are_unique_and_increasing(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="C0SUPPORT", text=str(i))["ts"] for i in range(5)]
    assert stamps == sorted(stamps, key=float)
    assert len(set(stamps)) == 5
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)


def test_update_unknown_message_is_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        client.chat_update(channel="C0SUPPORT", ts="1700000000.000100", text="x")
    assert err.value.response["error"] == "message_not_found"


def test_channel_rules(fake: FakeSlack, client: WebClient) -> None:
    fake.add_channel("C0ESC", "escalations", bot_member=False)
    with pytest.raises(SlackApiError) as unknown:
        client.chat_postMessage(channel="C0NOPE", text="x")
    assert unknown.value.response["error"] == "channel_not_found"
    with pytest.raises(SlackApiError) as outside:
        client.chat_postMessage(channel="C0ESC", text="x")
    assert outside.value.response["error"] == "not_in_channel"

    client.conversations_join(channel="C0ESC")
    assert client.chat_postMessage(channel="C0ESC", text="x")["ok"]
    assert "U0BOT" in fake.channels["C0ESC"].members


def test_unregistered_channels_are_accepted_when_none_are_registered() -> None:
    with FakeSlack() as bare:
        web = WebClient(base_url=bare.api_url, token="xoxb-test")
        assert web.chat_postMessage(channel="C0ANY", text="hello")["ok"]
        assert bare.messages("C0ANY")[0]["text"] == "hello"


def test_user_id_as_channel_posts_to_a_dm(fake: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="U0AGENT", text="your escalation was posted")
    assert posted["channel"].startswith("D")
    assert fake.dm_channel_id("U0AGENT") == posted["channel"]
    assert fake.messages("U0AGENT")[0]["text"] == "your escalation was posted"


def test_threads_history_and_metadata(fake: FakeSlack, client: WebClient) -> None:
    metadata = {"event_type": "escalation_posted", "event_payload": {"escalation_id": "ESC-1"}}
    root = client.chat_postMessage(channel="C0SUPPORT", text="root", metadata=metadata)
    client.chat_postMessage(channel="C0SUPPORT", text="reply 1", thread_ts=root["ts"])
    client.chat_postMessage(channel="C0SUPPORT", text="reply 2", thread_ts=root["ts"])
    later = client.chat_postMessage(channel="C0SUPPORT", text="later")

    history = client.conversations_history(channel="C0SUPPORT")
    assert [m["text"] for m in history["messages"]] == ["later", "root"]
    assert "metadata" not in history["messages"][1]
    assert history["messages"][1]["reply_count"] == 2

    with_metadata = client.conversations_history(
        channel="C0SUPPORT", oldest=root["ts"], inclusive=True, include_all_metadata=True
    )
    assert with_metadata["messages"][-1]["metadata"] == metadata

    newer = client.conversations_history(channel="C0SUPPORT", oldest=root["ts"])
    assert [m["ts"] for m in newer["messages"]] == [later["ts"]]

    first_page = client.conversations_history(channel="C0SUPPORT", limit=1)
    assert first_page["has_more"] is True
    cursor = first_page["response_metadata"]["next_cursor"]
    second_page = client.conversations_history(channel="C0SUPPORT", limit=1, cursor=cursor)
    assert [m["text"] for m in second_page["messages"]] == ["root"]

    replies = client.conversations_replies(channel="C0SUPPORT", ts=root["ts"])
    assert [m["text"] for m in replies["messages"]] == ["root", "reply 1", "reply 2"]
    assert fake.contract_violations == []


def test_permalink_ephemeral_users_and_groups(fake: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C0SUPPORT", text="x")
    link = client.chat_getPermalink(channel="C0SUPPORT", message_ts=posted["ts"])["permalink"]
    assert link.endswith(f"/archives/C0SUPPORT/p{posted['ts'].replace('.', '')}")

    eph = client.chat_postEphemeral(channel="C0SUPPORT", user="U0AGENT", text="only you")
    assert fake.ephemerals[0]["user"] == "U0AGENT"
    assert eph["message_ts"]

    fake.add_user("U0ENG", "erin", real_name="Erin Engineer", email="erin@example.test")
    assert client.users_info(user="U0ENG")["user"]["profile"]["email"] == "erin@example.test"

    fake.usergroups = {"S0BILLING": ["U0ENG", "U0ENG2"]}
    assert client.usergroups_users_list(usergroup="S0BILLING")["users"] == ["U0ENG", "U0ENG2"]
    with pytest.raises(SlackApiError) as err:
        client.usergroups_users_list(usergroup="S0NOPE")
    assert err.value.response["error"] == "no_such_subteam"


def test_tokens_are_checked(fake: FakeSlack) -> None:
    wrong = WebClient(base_url=fake.api_url, token="xoxb-wrong")
    with pytest.raises(SlackApiError) as err:
        wrong.auth_test()
    assert err.value.response["error"] == "invalid_auth"

    bot = WebClient(base_url=fake.api_url, token=BOT_TOKEN)
    with pytest.raises(SlackApiError) as app_only:
        bot.apps_connections_open(app_token=BOT_TOKEN)
    assert app_only.value.response["error"] == "invalid_auth"
    assert bot.apps_connections_open(app_token=APP_TOKEN)["url"].startswith("ws://127.0.0.1:")
    assert bot.auth_test()["user_id"] == "U0BOT"


def test_form_encoded_arguments_are_normalised(fake: FakeSlack, client: WebClient) -> None:
    client.api_call(
        "chat.postMessage",
        params={"channel": "C0SUPPORT", "text": "form", "blocks": json.dumps([SECTION])},
    )
    [call] = fake.calls_to("chat.postMessage")
    assert call.encoding == "form"
    assert call.args["blocks"][0]["type"] == "section"
    assert "token" not in call.args
    assert fake.contract_violations == []


def test_unknown_method(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        client.api_call("chat.postMessageTypo", json={"channel": "C0SUPPORT"})
    assert err.value.response["error"] == "unknown_method"
    assert fake.contract_violations == ["chat.postMessageTypo: unknown method"]


# ----- failure injection ------------------------------------------------------------------------


def test_rate_limit_is_seen_by_web_client(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.postMessage", status=429, times=1, retry_after=7)
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C0SUPPORT", text="x")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["retry-after"] == "7"
    assert err.value.response["error"] == "ratelimited"
    assert fake.messages("C0SUPPORT") == []
    assert client.chat_postMessage(channel="C0SUPPORT", text="x")["ok"]  # only one failure


def test_rate_limit_retry_handler_retries(fake: FakeSlack) -> None:
    retrying = WebClient(
        base_url=fake.api_url,
        token=BOT_TOKEN,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    fake.fail("chat.postMessage", status=429, times=1, retry_after=0)
    assert retrying.chat_postMessage(channel="C0SUPPORT", text="x")["ok"]
    calls = fake.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    assert [c.succeeded for c in calls] == [False, True]
    assert len(fake.messages("C0SUPPORT")) == 1


def test_server_error_fails_and_can_still_apply(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.postMessage", status=500, times=1)
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C0SUPPORT", text="x")
    assert err.value.response.status_code == 500
    assert fake.messages("C0SUPPORT") == []

    fake.fail("chat.postMessage", status=503, times=1, apply=True)
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C0SUPPORT", text="landed anyway")
    assert [m["text"] for m in fake.messages("C0SUPPORT")] == ["landed anyway"]


def test_fail_with_error(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_with_error("chat.postMessage", error="channel_not_found", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as err:
            client.chat_postMessage(channel="C0SUPPORT", text="x")
        assert err.value.response.status_code == 200
        assert err.value.response["error"] == "channel_not_found"
    assert client.chat_postMessage(channel="C0SUPPORT", text="x")["ok"]


def test_wait_for_reports_what_arrived(fake: FakeSlack, client: WebClient) -> None:
    client.auth_test()
    with pytest.raises(AssertionError, match=r"auth.test\(\) -> ok"):
        fake.wait_for("chat.postMessage", timeout=0.05)


def test_reset_keeps_channels(fake: FakeSlack, client: WebClient) -> None:
    client.chat_postMessage(channel="C0SUPPORT", text="x")
    fake.fail("chat.postMessage", status=500)
    fake.reset()
    assert fake.calls == [] and fake.messages("C0SUPPORT") == []
    assert client.chat_postMessage(channel="C0SUPPORT", text="x")["ok"]


# ----- contract checks --------------------------------------------------------------------------


@requires_shared
def test_schema_violation_is_recorded(fake: FakeSlack, client: WebClient) -> None:
    bad_block = {"type": "section", "txt": {"type": "mrkdwn", "text": "typo"}}
    assert client.chat_postMessage(channel="C0SUPPORT", text="x", blocks=[bad_block])["ok"]
    [violation] = fake.contract_violations
    assert violation.startswith("chat.postMessage: $.blocks[0]")
    assert "'txt' was unexpected" in violation


@requires_shared
def test_schema_accepts_good_calls_in_both_encodings(fake: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(
        channel="C0SUPPORT",
        text="x",
        blocks=[SECTION, CLAIM_BUTTON],
        metadata={"event_type": "escalation_posted", "event_payload": {"id": "ESC-1"}},
        unfurl_links=False,
    )
    client.conversations_history(channel="C0SUPPORT", limit=10, include_all_metadata=True)
    client.api_call(
        "conversations.history",
        params={"channel": "C0SUPPORT", "limit": 5, "inclusive": True, "oldest": posted["ts"]},
    )
    client.users_info(user="U0AGENT")
    assert fake.contract_violations == []


def test_structural_checks_without_shared_data() -> None:
    with FakeSlack(contract_data=None) as bare:
        web = WebClient(base_url=bare.api_url, token="xoxb-test")
        web.chat_postMessage(channel="C1", text="x", not_a_real_argument=1)
        assert bare.contract_violations == []
        with pytest.raises(SlackApiError) as err:
            web.chat_postMessage(channel="C1", text="x", blocks=[SECTION] * 51)
        assert err.value.response["error"] == "invalid_blocks"
        assert bare.contract_violations == ["chat.postMessage: message has 51 blocks (max 50)"]


# ----- views --------------------------------------------------------------------------------


def test_views_open_needs_a_fresh_trigger(fake: FakeSlack, client: WebClient) -> None:
    trigger = fake.issue_trigger("U0AGENT")
    view = client.views_open(trigger_id=trigger, view=MODAL)["view"]
    assert view["id"].startswith("V") and view["hash"]
    assert view["root_view_id"] == view["id"] and view["previous_view_id"] is None
    assert view["state"] == {"values": {}}
    assert fake.top_view("U0AGENT") == view

    errors = []
    for trigger_id in (trigger, "123.456.nope", fake.issue_trigger("U0AGENT", age=5.0)):
        with pytest.raises(SlackApiError) as err:
            client.views_open(trigger_id=trigger_id, view=MODAL)
        errors.append(err.value.response["error"])
    assert errors == ["exchanged_trigger_id", "invalid_trigger_id", "expired_trigger_id"]


def test_a_trigger_counts_to_when_views_open_arrives(fake: FakeSlack,
                                                     client: WebClient) -> None:
    """Slack's 3 s run from the trigger's issue to the call's arrival: a views.open that
    arrives in time is honoured however long the fake takes to get round to it (here it is
    busy for 0.6 s), and one that arrives late is refused."""
    trigger = fake.issue_trigger("U0AGENT", age=2.6)
    opened: list[Any] = []
    caller = threading.Thread(target=lambda: opened.append(
        client.views_open(trigger_id=trigger, view=MODAL)))
    with fake._lock:  # the fake is busy: the call waits to be handled
        caller.start()
        time.sleep(0.6)
    caller.join(timeout=10)
    assert opened and opened[0]["ok"]
    with pytest.raises(SlackApiError) as err:
        client.views_open(trigger_id=fake.issue_trigger("U0AGENT", age=3.05), view=MODAL)
    assert err.value.response["error"] == "expired_trigger_id"


def test_views_update_push_and_hash(fake: FakeSlack, client: WebClient) -> None:
    opened = client.views_open(trigger_id=fake.issue_trigger("U0AGENT"), view=MODAL)["view"]
    stale_hash = opened["hash"]
    updated = client.views_update(view_id=opened["id"], hash=stale_hash, view=MODAL)["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != stale_hash
    with pytest.raises(SlackApiError) as conflict:
        client.views_update(view_id=opened["id"], hash=stale_hash, view=MODAL)
    assert conflict.value.response["error"] == "hash_conflict"

    pushed = client.views_push(trigger_id=fake.issue_trigger("U0AGENT"), view=MODAL)["view"]
    assert pushed["previous_view_id"] == opened["id"] and pushed["root_view_id"] == opened["id"]
    client.views_push(trigger_id=fake.issue_trigger("U0AGENT"), view=MODAL)
    with pytest.raises(SlackApiError) as limit:
        client.views_push(trigger_id=fake.issue_trigger("U0AGENT"), view=MODAL)
    assert limit.value.response["error"] == "push_limit_reached"
    assert len(fake.modal_stack("U0AGENT")) == 3

    by_external = dict(MODAL, external_id="esc-draft-1")
    client.views_update(view_id=pushed["id"], view=by_external)
    retitled = dict(by_external, title={"type": "plain_text", "text": "Renamed"})
    client.views_update(external_id="esc-draft-1", view=retitled)
    assert fake.views[pushed["id"]]["title"]["text"] == "Renamed"

    home = {"type": "home", "blocks": [SECTION]}
    assert client.views_publish(user_id="U0AGENT", view=home)["view"]["type"] == "home"
    assert fake.home_view("U0AGENT") is not None
    assert fake.contract_violations == []


def test_views_update_keeps_what_the_user_typed(fake: FakeSlack, client: WebClient) -> None:
    opened = client.views_open(trigger_id=fake.issue_trigger("U0AGENT"), view=MODAL)["view"]
    SlackDriver(fake).type_values("U0AGENT", {"summary_in": "draft", "sev": "sev1"})

    kept = client.views_update(view_id=opened["id"], view=MODAL)["view"]["state"]["values"]
    assert kept["summary"]["summary_in"] == {"type": "plain_text_input", "value": "draft"}
    assert kept["sev"]["sev_in"]["selected_option"]["value"] == "sev1"

    renamed = dict(MODAL, blocks=[dict(MODAL["blocks"][0], block_id="summary_v2")])
    dropped = client.views_update(view_id=opened["id"], view=renamed)["view"]["state"]
    assert dropped == {"values": {}}


# ----- Socket Mode ------------------------------------------------------------------------------


def test_socket_envelope_delivered_and_acked(fake: FakeSlack) -> None:
    seen: list[dict[str, Any]] = []

    def on_request(client: SocketModeClient, req: SocketModeRequest) -> None:
        seen.append({"type": req.type, "payload": req.payload, "retry": req.retry_attempt})
        response = SocketModeResponse(envelope_id=req.envelope_id, payload={"text": "got it"})
        client.send_socket_mode_response(response)

    socket_client = SocketModeClient(
        app_token=APP_TOKEN, web_client=WebClient(base_url=fake.api_url)
    )
    socket_client.socket_mode_request_listeners.append(on_request)  # type: ignore[arg-type]
    try:
        socket_client.connect()
        assert fake.socket_connected(timeout=10)
        payload = {"command": "/escalate", "text": "hi", "user_id": "U0AGENT"}
        envelope_id = fake.socket_send("slash_commands", payload, retry_attempt=1)
        ack = fake.socket_wait_ack(envelope_id, timeout=10)
        assert ack == {"envelope_id": envelope_id, "payload": {"text": "got it"}}
        assert seen == [{"type": "slash_commands", "payload": payload, "retry": 1}]
    finally:
        socket_client.close()


def test_socket_disconnect_makes_the_client_reconnect(fake: FakeSlack) -> None:
    socket_client = SocketModeClient(
        app_token=APP_TOKEN, web_client=WebClient(base_url=fake.api_url)
    )
    try:
        socket_client.connect()
        assert fake.socket_connected(timeout=10)
        first_session = socket_client.session_id()
        assert fake.socket_disconnect_all() == 1
        assert fake.socket_wait_connections(2, timeout=10)
        assert len(fake.calls_to("apps.connections.open")) == 2
        # slack_sdk swaps sessions after the new one is up; closing mid-swap races inside
        # its Connection.disconnect(), so let the swap finish first.
        deadline = time.monotonic() + 10
        while socket_client.session_id() == first_session and time.monotonic() < deadline:
            time.sleep(0.01)
        assert socket_client.session_id() != first_session
    finally:
        socket_client.close()


# ----- driver over HTTP ---------------------------------------------------------------------------


class _Recorder(BaseHTTPRequestHandler):
    """A stand-in app: records each request and answers 200 with ``reply``."""

    requests: list[tuple[dict[str, str], bytes]]
    reply: bytes = b""
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.lock:
            self.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json" if self.reply else "text/plain")
        self.end_headers()
        self.wfile.write(self.reply)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    request_queue_size = 64  # 20 concurrent clicks; the default backlog of 5 stalls connects
    daemon_threads = True


@pytest.fixture
def recorder() -> Iterator[tuple[str, type[_Recorder]]]:
    handler = type("Recorder", (_Recorder,), {"requests": []})
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/slack/events", handler
    finally:
        server.shutdown()
        server.server_close()


def test_http_requests_are_signed(fake: FakeSlack, recorder: tuple[str, type[_Recorder]]) -> None:
    url, app = recorder
    drv = SlackDriver(fake, transport="http", url=url, signing_secret=SECRET)
    verifier = SignatureVerifier(SECRET)

    assert drv.slash_command("checkout down", retry_num=2).status == 200
    drv.slash_command("forged", forge_signature=True)
    drv.slash_command("stale", timestamp_offset=-600)
    drv.event({"type": "app_mention", "user": "U0AGENT", "text": "hi", "channel": "C0SUPPORT"})

    (command_headers, command_body), forged, stale, (event_headers, event_body) = app.requests
    assert verifier.is_valid_request(command_body, command_headers)
    assert command_headers["content-type"] == "application/x-www-form-urlencoded"
    assert command_headers["x-slack-retry-num"] == "2"
    assert command_headers["x-slack-retry-reason"] == "http_timeout"
    fields = dict(urllib.parse.parse_qsl(command_body.decode()))
    assert fields["command"] == "/escalate" and fields["text"] == "checkout down"
    assert fields["trigger_id"].count(".") == 2
    assert fields["channel_name"] == "support"
    assert not verifier.is_valid_request(forged[1], forged[0])
    assert not verifier.is_valid_request(stale[1], stale[0])
    assert verifier.is_valid_request(event_body, event_headers)
    event = json.loads(event_body)
    assert event["type"] == "event_callback" and event["event"]["type"] == "app_mention"
    assert "x-slack-retry-num" not in event_headers


def test_twenty_concurrent_clicks(
    fake: FakeSlack, client: WebClient, recorder: tuple[str, type[_Recorder]]
) -> None:
    url, app = recorder
    posted = client.chat_postMessage(channel="C0SUPPORT", text="x", blocks=[CLAIM_BUTTON])
    drv = SlackDriver(fake, transport="http", url=url, signing_secret=SECRET)

    def click(n: int) -> int:
        target = ("C0SUPPORT", posted["ts"])
        return drv.click("claim", user_id=f"U0ENG{n}", message=target).status

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(click, range(20)))
    assert statuses == [200] * 20
    users = set()
    for _, body in app.requests:
        payload = json.loads(dict(urllib.parse.parse_qsl(body.decode()))["payload"])
        assert payload["type"] == "block_actions"
        assert payload["container"]["message_ts"] == posted["ts"]
        assert payload["actions"][0]["value"] == "ESC-1"
        users.add(payload["user"]["id"])
    assert len(users) == 20


def test_submit_applies_response_actions(
    fake: FakeSlack, client: WebClient, recorder: tuple[str, type[_Recorder]]
) -> None:
    url, app = recorder
    drv = SlackDriver(fake, transport="http", url=url, signing_secret=SECRET)
    client.views_open(trigger_id=fake.issue_trigger("U0AGENT"), view=MODAL)
    root_id = drv.open_view("U0AGENT")["id"]
    second = dict(MODAL, callback_id="details", notify_on_close=True)

    app.reply = json.dumps({"response_action": "push", "view": second}).encode()
    drv.submit_view("U0AGENT", {"summary_in": "x"})
    assert [v["callback_id"] for v in fake.modal_stack("U0AGENT")] == ["escalate", "details"]
    submitted = json.loads(dict(urllib.parse.parse_qsl(app.requests[-1][1].decode()))["payload"])
    assert submitted["type"] == "view_submission" and submitted["view"]["id"] == root_id
    assert submitted["view"]["state"]["values"]["sev"]["sev_in"]["selected_option"]["value"] == (
        "sev2"
    )
    assert submitted["view"]["state"]["values"]["when"]["when_in"]["selected_date"] is None

    app.reply = json.dumps({"response_action": "update", "view": MODAL}).encode()
    pushed = drv.open_view("U0AGENT")
    drv.submit_view("U0AGENT", {"summary_in": "y"})
    replaced = drv.open_view("U0AGENT")
    assert replaced["id"] == pushed["id"] and replaced["hash"] != pushed["hash"]
    assert replaced["callback_id"] == "escalate"

    app.reply = json.dumps({"response_action": "errors", "errors": {"summary": "No"}}).encode()
    assert drv.submit_view("U0AGENT", {"summary_in": "z"}).json["errors"] == {"summary": "No"}
    assert drv.open_view("U0AGENT")["id"] == pushed["id"]

    app.reply = b""
    drv.submit_view("U0AGENT", {"summary_in": "z"})
    assert drv.open_view("U0AGENT")["id"] == root_id  # empty answer closes only the top view

    client.views_push(trigger_id=fake.issue_trigger("U0AGENT"), view=second)
    closed = drv.close_view("U0AGENT")
    assert closed is not None and closed.status == 200
    assert (
        json.loads(dict(urllib.parse.parse_qsl(app.requests[-1][1].decode()))["payload"])["type"]
        == "view_closed"
    )

    app.reply = json.dumps({"response_action": "clear"}).encode()
    drv.submit_view("U0AGENT", {"summary_in": "done"})
    assert fake.modal_stack("U0AGENT") == []
    assert fake.contract_violations == []


@requires_shared
def test_signing_matches_slack_test_vector() -> None:
    vector = json.loads(shared_path("signing_test_vector.json").read_text())
    signature = slack_signature(vector["signing_secret"], vector["timestamp"], vector["body"])
    assert signature == vector["expected_signature"]


def test_signing_agrees_with_slack_sdk() -> None:
    timestamp = str(int(time.time()))
    body = "token=x&text=hello%20world"
    headers = {
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": slack_signature(SECRET, timestamp, body),
    }
    assert SignatureVerifier(SECRET).is_valid_request(body, headers)


# ----- driver with a Bolt app over Socket Mode ----------------------------------------------------


@pytest.fixture
def bolt_app(fake: FakeSlack) -> Iterator[App]:
    app = App(client=WebClient(base_url=fake.api_url, token=BOT_TOKEN), signing_secret=SECRET)

    @app.command("/escalate")
    def open_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    @app.view("escalate")
    def submitted(ack: Ack, view: dict[str, Any], client: WebClient) -> None:
        values = view["state"]["values"]
        summary = values["summary"]["summary_in"]["value"]
        if summary == "too short":
            ack(response_action="errors", errors={"summary": "Say more"})
            return
        ack()
        sev = values["sev"]["sev_in"]["selected_option"]["value"]
        started = values["when"]["when_in"]["selected_date"]
        client.chat_postMessage(
            channel="C0SUPPORT", text=f"{sev}: {summary} ({started})", blocks=[CLAIM_BUTTON]
        )

    @app.shortcut("thread_cb")
    def on_shortcut(ack: Ack, body: dict[str, Any], respond: Any) -> None:
        ack()
        app.shortcut_bodies.append(body)  # type: ignore[attr-defined]
        respond(text="only you see this", response_type="ephemeral")

    app.shortcut_bodies = []  # type: ignore[attr-defined]

    @app.action("claim")
    def claim(ack: Ack, body: dict[str, Any], respond: Any) -> None:
        ack()
        respond(replace_original=True, text=f"Claimed by <@{body['user']['id']}>")

    handler = SocketModeHandler(app, app_token=APP_TOKEN)
    handler.client.connect()  # what handler.connect() does, via the annotated client API
    try:
        assert fake.socket_connected(timeout=10)
        yield app
    finally:
        handler.client.close()


def test_modal_flow_through_bolt(fake: FakeSlack, bolt_app: App) -> None:
    drv = SlackDriver(fake, transport="socket")
    assert drv.slash_command("checkout", user_id="U0AGENT").status == 200
    fake.wait_for("views.open")
    assert drv.open_view("U0AGENT")["callback_id"] == "escalate"

    refused = drv.submit_view("U0AGENT", {"summary_in": ""})
    assert refused.client_errors == {"summary": "Please fill out this field."}

    rejected = drv.submit_view("U0AGENT", {"summary_in": "too short"})
    assert rejected.json == {"response_action": "errors", "errors": {"summary": "Say more"}}
    assert drv.open_view("U0AGENT")["state"]["values"]["summary"]["summary_in"]["value"] == (
        "too short"
    )

    accepted = drv.submit_view("U0AGENT", {"summary_in": "Checkout fails", "when_in": "2026-11-23"})
    assert accepted.status == 200 and accepted.body is None
    assert fake.top_view("U0AGENT") is None  # the empty ack closed the modal

    [post] = fake.wait_for("chat.postMessage")
    assert post.args["text"] == "sev2: Checkout fails (2026-11-23)"  # initial_option submitted

    drv.click("claim", user_id="U0ENG", message=("C0SUPPORT", post.response["ts"]))
    fake.wait_for("response_url")
    [message] = fake.messages("C0SUPPORT")
    assert message["text"] == "Claimed by <@U0ENG>"
    assert fake.contract_violations == []


def test_message_shortcut_reaches_bolt_in_slacks_shape(fake: FakeSlack, bolt_app: App) -> None:
    """A message shortcut on a reply: Slack's MessageShortcutPayload keys, the message with its
    thread_ts, a response_url that answers ephemerally."""
    root = fake.add_message("C0SUPPORT", "SSO fails", user="U0CUST")
    reply = fake.add_message("C0SUPPORT", "same for me", user="U0CUST", thread_ts=root["ts"])
    drv = SlackDriver(fake, transport="socket")
    assert drv.message_shortcut("thread_cb", channel="C0SUPPORT", ts=reply["ts"]).status == 200
    deadline = time.monotonic() + 5
    while not fake.ephemerals and time.monotonic() < deadline:
        time.sleep(0.02)
    [body] = bolt_app.shortcut_bodies  # type: ignore[attr-defined]
    assert body["type"] == "message_action" and body["callback_id"] == "thread_cb"
    assert body["message"]["thread_ts"] == root["ts"] and body["message_ts"] == reply["ts"]
    assert body["channel"]["id"] == "C0SUPPORT"
    assert fake.ephemerals[0]["text"] == "only you see this"
    if SHARED_SLACK is not None:
        sample = json.loads(shared_path(
            "java-slack-sdk-json-logs/app-backend/interactive-components/"
            "MessageShortcutPayload.json").read_text())
        assert set(body) - {"api_app_id"} <= set(sample)
        assert set(body["message"]) <= set(sample["message"])
