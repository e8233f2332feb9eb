"""Retries, double clicks, forged requests, Slack failures and restarts, end to end."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from storage import repository as repo
from storage.database import Database
from tests.e2e.conftest import driver_for
from tests.e2e.harness import BotProcess, form_values
from tests.fakeslack import FakeSlack, SlackDriver

pytestmark = pytest.mark.e2e


def escalate(drv: SlackDriver, fake: FakeSlack, user: str = "U0AGENT") -> Any:
    """Run /escalate and submit all three steps; returns the final response."""
    opened = len(fake.calls_to("views.open"))
    drv.slash_command(user_id=user)
    fake.wait_for("views.open", count=opened + 1)
    at = datetime.now(UTC)
    response = None
    for step in ("problem", "reproduction", "handoff"):
        response = drv.submit_view(user, form_values(at, step, case_owner=user))
        assert response.ok and response.json.get("response_action") == "update", response
    return response


def packets(fake: FakeSlack, channel: str = "C0AUTH0001") -> list[dict[str, Any]]:
    return [m for m in fake.messages(channel)
            if (m.get("metadata") or {}).get("event_type") == "escalation_packet"]


def wait_until(check: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def audit(database_url: str, escalation_id: int = 1) -> list[str]:
    db = Database.from_url(database_url)
    try:
        with db.transaction() as session:
            return [e.kind for e in repo.audit_trail(session, escalation_id=escalation_id)]
    finally:
        db.dispose()


class TestConcurrency:
    def test_twenty_concurrent_claims(self, fake: FakeSlack, http_bot: BotProcess,
                                      database_url: str) -> None:
        """20 specialists click Claim at the same instant: one owner, 19 told who it is —
        also when they click the packet the moment it appears, before the bot has recorded
        its post (the window this test used to flake in under load: those clicks were told
        "still being posted"; now the click proves the packet and records it)."""
        drv = driver_for(fake, http_bot)
        fake.slow("chat.postMessage", seconds=2)  # the packet lands; its answer is held
        escalate(drv, fake)
        wait_until(lambda: len(packets(fake)) == 1)
        ts = packets(fake)[0]["ts"]
        barrier = threading.Barrier(20)
        statuses: list[int] = []

        def click(n: int) -> None:
            barrier.wait()
            statuses.append(drv.click("claim", user_id=f"U0SPEC{n:02d}",
                                      message=("C0AUTH0001", ts)).status)

        threads = [threading.Thread(target=click, args=(n,)) for n in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert statuses == [200] * 20
        wait_until(lambda: len(fake.ephemerals) >= 20)
        texts = [e["text"] for e in fake.ephemerals]
        winners = [t for t in texts if t.startswith("You own ESC-1")]
        losers = [t for t in texts if "is already claimed by <@U0SPEC" in t]
        assert len(winners) == 1 and len(losers) == 19, texts
        owner = json.dumps(fake.find_message("C0AUTH0001", ts))
        assert owner.count("since") >= 1 and "'claim'" not in owner
        assert audit(database_url).count("claimed") == 1
        assert len(fake.calls_to("chat.update")) == 1
        time.sleep(2)  # the held answer arrives: the packet is neither posted nor recorded again
        assert len(packets(fake)) == 1 and audit(database_url).count("posted") == 1
        assert len(fake.calls_to("chat.update")) == 1


class TestRetriedDeliveries:
    def test_retried_slash_command_opens_one_modal(self, fake: FakeSlack, bot: BotProcess,
                                                   drv: SlackDriver) -> None:
        """Slack redelivering /escalate (same trigger) opens no second modal and no error."""
        assert drv.slash_command().ok
        fake.wait_for("views.open")
        assert drv.redeliver(retry_num=1).ok
        time.sleep(1.0)
        assert len([c for c in fake.calls_to("views.open") if c.succeeded]) == 1
        assert len(fake.modal_stack("U0AGENT")) == 1
        assert fake.calls_to("response_url") == []  # the agent sees no error message
        assert drv.redeliver(retry_num=2).ok  # a late retry, after the first was recorded
        time.sleep(0.5)
        assert len(fake.calls_to("views.open")) <= 2

    def test_retried_final_submission_creates_one_escalation(
            self, fake: FakeSlack, bot: BotProcess, drv: SlackDriver, database_url: str) -> None:
        """The final step delivered twice stores one escalation and posts one packet."""
        first = escalate(drv, fake)
        again = drv.redeliver(retry_num=1)
        assert again.ok and again.json["response_action"] == "update"
        assert "ESC-1" in json.dumps(again.json["view"])
        wait_until(lambda: len(packets(fake)) == 1)
        time.sleep(1.5)  # a sweep or two later, still one
        assert len(packets(fake)) == 1
        assert "ESC-1" in json.dumps(first.json["view"])
        assert audit(database_url).count("created") == 1

    def test_double_click_on_claim(self, fake: FakeSlack, bot: BotProcess,
                                   drv: SlackDriver) -> None:
        """A specialist double-clicking Claim owns it once and is told so."""
        escalate(drv, fake)
        wait_until(lambda: len(packets(fake)) == 1)
        ts = packets(fake)[0]["ts"]
        # Click once the bot has recorded where the packet is (the requester's DM follows).
        wait_until(lambda: any("is posted" in str(m.get("text"))
                               for m in fake.messages("U0AGENT")))
        drv.click("claim", user_id="U0SPEC", message=("C0AUTH0001", ts))
        drv.redeliver(retry_num=1)
        wait_until(lambda: len(fake.ephemerals) >= 2)
        texts = sorted(e["text"][:21] for e in fake.ephemerals)
        assert texts == ["You already own ESC-1", "You own ESC-1 now."]
        assert len(fake.calls_to("chat.update")) == 1


class TestSignatures:
    @pytest.mark.parametrize("tamper", [{"forge_signature": True}, {"timestamp_offset": -600}],
                             ids=["forged", "stale"])
    def test_bad_signature_is_401_without_effect(self, fake: FakeSlack, http_bot: BotProcess,
                                                 tamper: dict[str, Any]) -> None:
        """A forged or replayed request is refused with 401 and changes nothing."""
        drv = driver_for(fake, http_bot)
        response = drv.slash_command(**tamper)
        assert response.status == 401
        time.sleep(0.3)
        assert fake.calls_to("views.open") == []

    def test_healthz_and_unknown_paths(self, http_bot: BotProcess) -> None:
        """GET /healthz reports the database; other paths are 404."""
        import urllib.error
        import urllib.request

        base = f"http://127.0.0.1:{http_bot.port}"
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
            assert json.loads(response.read()) == {"ok": True, "database": "ok"}
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{base}/nope", timeout=5)
        assert missing.value.code == 404


class TestSlackFailures:
    def test_rate_limited_then_posted_once(self, fake: FakeSlack, http_bot: BotProcess) -> None:
        """Slack answering 429 with Retry-After is waited out; the packet lands once."""
        drv = driver_for(fake, http_bot)
        fake.fail("chat.postMessage", status=429, times=2, retry_after=1)
        escalate(drv, fake)
        wait_until(lambda: len(packets(fake)) == 1)
        assert [c.status for c in fake.calls_to("chat.postMessage")][:3] == [429, 429, 200]

    def test_server_errors_for_a_while(self, fake: FakeSlack, http_bot: BotProcess,
                                       database_url: str) -> None:
        """Slack failing with 500 for a while: stored, retried later, posted exactly once."""
        drv = driver_for(fake, http_bot)
        fake.fail("chat.postMessage", status=500, times=4)
        done = escalate(drv, fake)
        assert "ESC-1" in json.dumps(done.json["view"])  # the agent is not kept waiting
        wait_until(lambda: len(packets(fake)) == 1, timeout=40)
        time.sleep(1)
        assert len(packets(fake)) == 1
        kinds = audit(database_url)
        assert kinds[0] == "created" and "post_failed" in kinds and kinds.count("posted") == 1
        assert fake.calls_to("conversations.history")  # looked before posting again

    def test_channel_not_found_tells_requester(self, fake: FakeSlack, http_bot: BotProcess
                                               ) -> None:
        """When the channel cannot be posted to, the requester hears why at once."""
        drv = driver_for(fake, http_bot)
        fake.fail_with_error("chat.postMessage", error="channel_not_found", times=1)
        escalate(drv, fake)
        fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get("channel") ==
                      "U0AGENT" and "channel_not_found" in c.args.get("text", ""))
        wait_until(lambda: len(packets(fake)) == 1, timeout=40)


class TestRestart:
    def test_restart_between_storing_and_posting(self, fake: FakeSlack, bot_factory: Any,
                                                 database_url: str) -> None:
        """The bot dies while Slack is down; after a restart the packet is posted once."""
        bot = bot_factory("http")
        bot.start()
        drv = driver_for(fake, bot)
        fake.fail("chat.postMessage", status=503, times=1000)
        escalate(drv, fake)
        fake.wait_for("chat.postMessage")
        bot.stop(kill=True)
        fake.reset()
        bot.start()
        wait_until(lambda: len(packets(fake)) == 1, timeout=40)
        time.sleep(1)
        assert len(packets(fake)) == 1
        assert audit(database_url).count("posted") == 1

    def test_crash_after_slack_posted_is_not_reposted(self, fake: FakeSlack, bot_factory: Any,
                                                      database_url: str) -> None:
        """Slack posted but the bot died before recording it: the restart finds the packet."""
        bot = bot_factory("http")
        bot.start()
        drv = driver_for(fake, bot)
        fake.slow("chat.postMessage", seconds=30)
        escalate(drv, fake)
        wait_until(lambda: len(packets(fake)) == 1)
        bot.stop(kill=True)
        bot.start()
        fake.wait_for("conversations.history", timeout=30)
        wait_until(lambda: "posted" in audit(database_url), timeout=30)
        assert len(packets(fake)) == 1
