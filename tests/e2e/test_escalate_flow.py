"""/escalate end to end: the real bot process, real sockets, the fake Slack."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.e2e.harness import BotProcess, form_values
from tests.fakeslack import FakeSlack, SlackDriver
from tests.slack_contracts import check_message, check_view

pytestmark = pytest.mark.e2e


def now() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


def fill_all_steps(drv: SlackDriver, user: str = "U0AGENT", **changes: Any) -> Any:
    """Submit the three steps with good answers; returns the final submission's response."""
    at = now()
    for step in ("problem", "reproduction", "handoff"):
        response = drv.submit_view(user, form_values(at, step, **changes))
        assert response.ok and not response.client_errors, response
        body = response.json if isinstance(response.body, dict) else {}
        assert body.get("response_action") == "update", body
        check_view(body["view"])  # what the app answered, before Slack adds its own keys
    return response


def packet_calls(fake: FakeSlack, channel: str) -> list[Any]:
    return [c for c in fake.calls_to("chat.postMessage")
            if c.succeeded and c.args.get("channel") == channel and "thread_ts" not in c.args]


class TestHappyPath:
    def test_escalate_post_claim(self, fake: FakeSlack, bot: BotProcess,
                                 drv: SlackDriver) -> None:
        """An agent escalates through every step; the packet lands; one click claims it."""
        opened = drv.slash_command("SSO login fails with HTTP 500 for all Acme users")
        assert opened.ok
        [opened_call] = fake.wait_for("views.open")
        check_view(opened_call.args["view"])
        first = drv.open_view("U0AGENT")
        assert first["title"]["text"] == "Escalate · 1/3"
        problem = next(b for b in first["blocks"] if b.get("block_id") == "problem")
        assert problem["element"]["initial_value"].startswith("SSO login fails")

        done = fill_all_steps(drv)
        done_view = done.json["view"]
        check_view(done_view)
        assert "is stored and is being posted to <#C0AUTH0001>" in json.dumps(done_view)

        [post] = fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get(
            "channel") == "C0AUTH0001")
        check_message(post.args)
        blocks = json.dumps(post.args["blocks"], ensure_ascii=False)
        assert "ESC-1 · SEV2 · SSO login fails" in blocks
        assert "L4 Engineering" in blocks and "Claim" in blocks
        assert post.args["metadata"]["event_payload"]["escalation_id"] == 1

        # The requester gets a DM with the link.
        [dm] = fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get(
            "channel") == "U0AGENT")
        assert "ESC-1" in dm.args["text"] and "/archives/C0AUTH0001/p" in \
            dm.args["text"]

        claim = drv.click("claim", user_id="U0SPEC", message=("C0AUTH0001", post.response["ts"]))
        assert claim.ok
        [update] = fake.wait_for("chat.update")
        check_message(update.args)
        assert "<@U0SPEC> since" in json.dumps(update.args["blocks"])
        packet = fake.find_message("C0AUTH0001", post.response["ts"])
        assert packet is not None and '"claim"' not in json.dumps(packet["blocks"])
        fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get(
            "channel") == "U0AGENT" and "claimed" in c.args.get("text", ""))
        assert fake.contract_violations == []

    def test_back_keeps_what_was_typed(self, fake: FakeSlack, bot: BotProcess,
                                       drv: SlackDriver) -> None:
        """Going back from step 2 shows step 1 with every answer, and step 2's typing is kept."""
        drv.slash_command()
        fake.wait_for("views.open")
        at = now()
        drv.submit_view("U0AGENT", form_values(at, "problem"))
        drv.click("escalate_back", user_id="U0AGENT",
                  values={"expected": "The dashboard loads after login."})
        fake.wait_for("views.update")
        view = drv.open_view("U0AGENT")
        assert view["callback_id"] == "escalate.problem"
        text = json.dumps(view)
        assert "Acme Corp (acct 48213)" in text and '"value": "SEV2"' in text
        drv.submit_view("U0AGENT")  # unchanged: initial values submit as typed
        step2 = drv.open_view("U0AGENT")
        assert step2["callback_id"] == "escalate.reproduction"
        assert "The dashboard loads after login." in json.dumps(step2)
        assert fake.contract_violations == []

    def test_two_domains_two_channels(self, fake: FakeSlack, bot: BotProcess,
                                      drv: SlackDriver) -> None:
        """Escalations for two domains land in their own channels, nowhere else."""
        for user, domain in (("U0AGENT", "auth"), ("U0AGENT2", "api")):
            drv.slash_command(user_id=user)
            fake.wait_for("views.open", count=1 if domain == "auth" else 2)
            fill_all_steps(drv, user, domain=domain, case_owner=user)
        fake.wait_for("chat.postMessage", predicate=lambda c: c.succeeded and c.args.get(
            "channel") == "C0API00001")
        fake.wait_for("chat.postMessage", predicate=lambda c: c.succeeded and c.args.get(
            "channel") == "C0AUTH0001")
        assert len(packet_calls(fake, "C0AUTH0001")) == 1
        assert len(packet_calls(fake, "C0API00001")) == 1
        assert fake.calls_to("conversations.join")  # the bot joined the public API channel
        assert fake.messages("C0BILL0001") == []


class TestLongContent:
    def test_long_logs_continue_in_the_thread(self, fake: FakeSlack, http_bot: BotProcess
                                              ) -> None:
        """Logs too long for the packet are cut there and posted in full in its thread."""
        from tests.e2e.conftest import driver_for
        from tests.e2e.harness import raw

        drv = driver_for(fake, http_bot)
        logs = "\n".join(f"10:{i % 60:02d}:00Z ERROR saml.acs audience mismatch #{i}"
                         for i in range(60))
        drv.slash_command()
        fake.wait_for("views.open")
        at = now()
        drv.submit_view("U0AGENT", form_values(at, "problem"))
        drv.submit_view("U0AGENT", form_values(at, "reproduction", logs=raw(logs)))
        drv.submit_view("U0AGENT", form_values(at, "handoff"))
        [reply] = fake.wait_for("chat.postMessage", predicate=lambda c: "thread_ts" in c.args)
        [packet] = packet_calls(fake, "C0AUTH0001")
        check_message(reply.args)
        assert reply.args["thread_ts"] == packet.response["ts"]
        assert "full text in the thread" in json.dumps(packet.args["blocks"])
        shown = json.dumps(reply.args["blocks"])
        assert "#0" in shown and "#59" in shown


class TestSlowTrigger:
    def test_expired_trigger_tells_the_agent(self, fake: FakeSlack, http_bot: BotProcess
                                             ) -> None:
        """When Slack refuses to open the form, the agent is told to run /escalate again."""
        from tests.e2e.conftest import driver_for

        drv = driver_for(fake, http_bot)
        assert drv.slash_command(trigger_age=5.0).ok
        [said] = fake.wait_for("response_url")
        assert "expired_trigger_id" in said.args["text"]
        assert "run `/escalate` again" in said.args["text"]
