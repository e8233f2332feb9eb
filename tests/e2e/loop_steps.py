"""Steps of the feedback loop as a person takes them in Slack, for the end-to-end tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from core.model import CustomerTier
from tests.e2e.harness import form_values
from tests.e2e.test_reliability import packets, wait_until
from tests.fakeslack import FakeSlack, SlackDriver
from tests.slack_contracts import check_message, check_view

CHANNEL = "C0AUTH0001"


def escalate_and_claim(drv: SlackDriver, fake: FakeSlack, *, owner: str = "U0SPEC",
                       requester: str = "U0AGENT", **changes: Any) -> str:
    """/escalate (SEV2, business tier: routed to L3), the packet lands, ``owner`` claims it."""
    before = len(packets(fake))
    opened = len(fake.calls_to("views.open"))
    drv.slash_command(user_id=requester)
    fake.wait_for("views.open", count=opened + 1)
    at = datetime.now(UTC)
    for step in ("problem", "reproduction", "handoff"):
        response = drv.submit_view(requester, form_values(
            at, step, **{"case_owner": requester, "tier": CustomerTier.BUSINESS, **changes}))
        assert response.ok and response.json.get("response_action") == "update", response
    wait_until(lambda: len(packets(fake)) == before + 1)
    ts = str(packets(fake)[-1]["ts"])
    # The requester's "posted" DM comes after the bot stored where the packet is: a click
    # before that is told "still being posted" (a real, separate case).
    wait_until(lambda: sum("is posted" in str(m.get("text")) for m in fake.messages(requester))
               > before)
    assert drv.click("claim", user_id=owner, message=(CHANNEL, ts)).ok
    wait_packet(fake, ts, f"<@{owner}> since")
    return ts


def packet(fake: FakeSlack, ts: str) -> dict[str, Any]:
    found = fake.find_message(CHANNEL, ts)
    assert found is not None
    return found


def packet_text(fake: FakeSlack, ts: str) -> str:
    return json.dumps(packet(fake, ts)["blocks"], ensure_ascii=False)


def thread(fake: FakeSlack, ts: str) -> list[dict[str, Any]]:
    return [m for m in fake.messages(CHANNEL) if m.get("thread_ts") == ts and m["ts"] != ts]


def thread_text(fake: FakeSlack, ts: str) -> str:
    return json.dumps([m.get("blocks") or m.get("text") for m in thread(fake, ts)],
                      ensure_ascii=False)


def wait_thread(fake: FakeSlack, ts: str, needle: str, timeout: float = 15.0) -> None:
    try:
        wait_until(lambda: needle in thread_text(fake, ts), timeout)
    except AssertionError:
        raise AssertionError(f"{needle!r} not in the thread:\n{thread_text(fake, ts)}") from None


def wait_packet(fake: FakeSlack, ts: str, needle: str, timeout: float = 15.0) -> None:
    try:
        wait_until(lambda: needle in packet_text(fake, ts), timeout)
    except AssertionError:
        calls = "\n".join(c.summary() for c in fake.calls[-15:])
        raise AssertionError(f"{needle!r} not in the packet:\n{packet_text(fake, ts)}\n"
                             f"last calls:\n{calls}") from None


def ephemeral_to(fake: FakeSlack, user: str, needle: str, timeout: float = 15.0) -> str:
    """Wait for an ephemeral (chat.postEphemeral or response_url) to ``user`` with ``needle``."""
    def texts() -> list[str]:
        out = [str(c.args.get("text", "")) for c in fake.calls_to("chat.postEphemeral")
               if c.args.get("user") == user]
        out += [str(e.get("text", "")) for e in fake.ephemerals if e.get("user") == user]
        return out

    try:
        wait_until(lambda: any(needle in t for t in texts()), timeout)
    except AssertionError:
        raise AssertionError(f"no ephemeral to {user} with {needle!r}: {texts()}") from None
    return next(t for t in texts() if needle in t)


def dm_with(fake: FakeSlack, user: str, action_id: str, timeout: float = 15.0
            ) -> dict[str, Any]:
    """The latest DM to ``user`` carrying a button ``action_id``."""
    def find() -> dict[str, Any] | None:
        for message in reversed(fake.messages(user)):
            if f'"{action_id}"' in json.dumps(message.get("blocks") or []):
                return message
        return None

    wait_until(lambda: find() is not None, timeout)
    found = find()
    assert found is not None
    return found


def click_packet(drv: SlackDriver, fake: FakeSlack, ts: str, action: str, user: str) -> Any:
    """Click the packet's button for ``action``, or pick it from an overflow menu."""
    blocks = packet(fake, ts)["blocks"]
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == f"loop:{action}":
                return drv.click(f"loop:{action}", user_id=user, message=(CHANNEL, ts))
            for option in element.get("options", []) if element.get("type") == "overflow" \
                    else []:
                if option["value"].startswith(f"{action}:"):
                    return drv.click(element["action_id"], user_id=user,
                                     message=(CHANNEL, ts), value=option["value"])
    raise AssertionError(f"the packet offers no {action!r}: {json.dumps(blocks)[:2000]}")


def submit_form(drv: SlackDriver, fake: FakeSlack, user: str, callback: str,
                values: dict[str, Any]) -> dict[str, Any]:
    """Wait for ``user``'s modal ``callback``, check it, submit ``values``; the answer body."""
    wait_until(lambda: (fake.top_view(user) or {}).get("callback_id") == callback)

    response = drv.submit_view(user, values)
    assert response.ok, response
    body = response.json if isinstance(response.body, dict) else {}
    if body.get("view"):
        check_view(body["view"])
    return body


def check_all_messages(fake: FakeSlack) -> None:
    """Every message the bot sent passes the Block Kit checks."""
    for call in fake.calls:
        if call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            check_message(call.args)
        if call.method in ("views.open", "views.update", "views.publish", "views.push"):
            check_view(call.args["view"])
