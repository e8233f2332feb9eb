"""Escalate from a thread, end to end: the real bot, the fake Slack, HTTP and Socket Mode,
SQLite and PostgreSQL. Shortcut → modal at once → draft arrives → agent edits → packet with a
Sources reply and no PII; a permalink in /escalate; a private channel without the bot; 500
messages."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from benchmarks.drafter_corpus import load_corpus, replies
from tests.e2e.harness import BotProcess
from tests.fakeslack import FakeSlack, SlackDriver
from tests.slack_contracts import check_message, check_view

pytestmark = pytest.mark.e2e

SUPPORT = "C0SUPPORT"
CASE = next(c for c in load_corpus() if c.key.startswith("02_"))  # the SEV1 with PII
SECRETS = ("4242 4242 4242 4242", "sk_live_51Hx9aQ2eZvKYlo2C7qRfT0b", "melting down")


def seed_thread(fake: FakeSlack, channel: str = SUPPORT, *, copies: int = 1) -> str:
    """Post the corpus thread (``copies`` times over, as one thread); returns the parent ts."""
    messages = replies(CASE)["messages"] * copies
    parent = fake.add_message(channel, messages[0]["text"], user=messages[0]["user"])
    for message in messages[1:]:
        fake.add_message(channel, message["text"], user=message.get("user", "U0HUMAN"),
                         thread_ts=parent["ts"])
    return str(parent["ts"])


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def drafted_update(fake: FakeSlack) -> Any:
    [update] = fake.wait_for("views.update", predicate=lambda c: "draft_notice" in json.dumps(
        c.args.get("view")) and "Drafted from" in json.dumps(c.args.get("view")))
    return update


def everything_posted(fake: FakeSlack) -> str:
    return json.dumps([c.args for c in fake.calls_to("chat.postMessage")]
                      + [c.args for c in fake.calls_to("chat.update")], ensure_ascii=False)


class TestShortcut:
    def test_shortcut_draft_edit_packet_with_sources(self, fake: FakeSlack, bot: BotProcess,
                                                     drv: SlackDriver) -> None:
        parent = seed_thread(fake)
        started = time.time()
        acked = drv.message_shortcut("escalate_thread", channel=SUPPORT, ts=parent)
        assert acked.ok
        [opened] = fake.wait_for("views.open")
        check_view(opened.args["view"])
        assert "Drafting from 11 messages" in json.dumps(opened.args["view"])
        assert opened.at - started < 3.0  # the trigger's window

        update = drafted_update(fake)
        check_view(update.args["view"])
        assert update.args["hash"] == opened.response["view"]["hash"]
        view = drv.open_view()
        assert "Drafted from 11 messages" in json.dumps(block(view, "draft_notice"))
        problem = block(view, "problem")["element"]["initial_value"]
        assert "Brightwave" in problem and "DOWN" in problem
        assert block(view, "customer")["element"]["initial_value"] == "Brightwave"
        assert block(view, "severity")["element"]["initial_option"]["value"] == "SEV1"
        assert not any(s in json.dumps(view) for s in SECRETS)

        # The agent reviews and edits: sharpens the problem, picks the domain.
        edited = "Checkout API returns 503 for all Brightwave merchants in eu-west-1 since 15:48"
        step2 = drv.submit_view(values={"problem": edited, "domain": "auth"})
        assert step2.ok and step2.json.get("response_action") == "update", step2.body
        view = drv.open_view()
        assert "upstream connect error" in block(view, "logs")["element"]["initial_value"]
        assert "2.14.3" in block(view, "build_version")["element"]["initial_value"]
        step3 = drv.submit_view(values={
            "repro_steps": "1. POST /v2/payments from any Brightwave merchant\n2. See 503",
            "expected": "The payment is authorised",
            "actual": "HTTP 503 upstream connect error",
            "workflow": "Card checkout through the v2 payments API, EUR, idempotency keys on"})
        assert step3.ok and step3.json.get("response_action") == "update", step3.body
        view = drv.open_view()
        assert "backup endpoint" in block(view, "tried")["element"]["initial_value"]
        assert "envoy" in block(view, "hypothesis")["element"]["initial_value"]
        done = drv.submit_view(values={"asks": "Page on-call SRE to check the envoy sidecar "
                                               "and roll back if needed"})
        assert done.ok and "ESC-1" in json.dumps(done.json), done.body

        [post] = fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get(
            "channel") == "C0AUTH0001" and "thread_ts" not in c.args)
        check_message(post.args)
        blocks = json.dumps(post.args["blocks"], ensure_ascii=False)
        assert edited in blocks  # the agent's edit, not the draft
        assert f"/archives/{SUPPORT}/p{parent.replace('.', '')}" in blocks  # links the thread
        [sources] = fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get(
            "thread_ts") == post.response["ts"] and "Sources" in json.dumps(c.args))
        check_message(sources.args)
        text = json.dumps(sources.args["blocks"])
        assert "*Linked tickets*" in text and "*Logs and data*" in text
        assert "*Problem statement (edited by the agent)*" in text
        assert "*Customer / account*:" in text  # kept as drafted
        assert f"/archives/{SUPPORT}/p" in text and f"thread_ts={parent}" in text
        posted = everything_posted(fake)
        assert not any(s in posted for s in SECRETS)

    def test_what_the_agent_typed_before_the_draft_arrived_is_kept(
            self, fake: FakeSlack, bot: BotProcess, drv: SlackDriver) -> None:
        parent = seed_thread(fake)
        fake.slow("conversations.replies", 1.5)  # the agent types while the bot reads
        assert drv.message_shortcut("escalate_thread", channel=SUPPORT, ts=parent).ok
        fake.wait_for("views.open")
        mine = "Card payments fail with HTTP 503 for Brightwave in eu-west-1 since 15:48 UTC"
        drv.type_values("U0AGENT", {"problem": mine})
        update = drafted_update(fake)
        assert "Brightwave" in block(update.args["view"], "problem")["element"]["initial_value"]
        view = drv.open_view()  # Slack keeps typed input across an update with the same ids
        assert view["state"]["values"]["problem"]["problem"]["value"] == mine
        assert block(view, "customer")["element"]["initial_value"] == "Brightwave"
        step2 = drv.submit_view(values={"domain": "auth"})
        assert step2.ok and step2.json.get("response_action") == "update", step2.body
        with_draft = drv.open_view()
        assert "upstream connect error" in block(with_draft, "logs")["element"]["initial_value"]
        assert drv.fake.calls_to("views.update")[-1].succeeded

    def test_private_channel_without_the_bot(self, fake: FakeSlack, bot: BotProcess,
                                             drv: SlackDriver) -> None:
        fake.add_channel("G0PRIVATE1", "vip-cases", bot_member=False, is_private=True)
        parent = seed_thread(fake, "G0PRIVATE1")
        assert drv.message_shortcut("escalate_thread", channel="G0PRIVATE1", ts=parent).ok
        fake.wait_for("views.open")
        [update] = fake.wait_for("views.update")
        check_view(update.args["view"])
        text = json.dumps(update.args["view"])
        assert "/invite @escalation-bot" in text and "Nothing was drafted" in text
        assert '"type": "input"' not in text  # no form pretending to be a draft
        deadline = time.monotonic() + 5
        while not fake.ephemerals and time.monotonic() < deadline:
            time.sleep(0.05)
        [ephemeral] = fake.ephemerals
        assert "/invite @escalation-bot" in ephemeral["text"]
        assert not any(c.succeeded for c in fake.calls_to("conversations.replies"))

    def test_five_hundred_messages_draft_in_under_two_seconds(
            self, fake: FakeSlack, bot: BotProcess, drv: SlackDriver) -> None:
        parent = seed_thread(fake, copies=46)  # 506 messages
        assert drv.message_shortcut("escalate_thread", channel=SUPPORT, ts=parent).ok
        [opened] = fake.wait_for("views.open")
        update = drafted_update(fake)
        assert update.at - opened.at < 2.0, update.at - opened.at
        pages = fake.calls_to("conversations.replies")
        assert len(pages) >= 3 and all(c.succeeded for c in pages)  # every page was read
        assert "Drafted from 506 messages" in json.dumps(update.args["view"])


class TestPermalink:
    def test_escalate_with_a_permalink_drafts_that_thread(
            self, fake: FakeSlack, bot: BotProcess, drv: SlackDriver) -> None:
        parent = seed_thread(fake)
        reply = fake.messages(SUPPORT)[3]["ts"]
        link = (f"https://{fake.identity.team_domain}.slack.test/archives/{SUPPORT}/"
                f"p{reply.replace('.', '')}?thread_ts={parent}&cid={SUPPORT}")
        assert drv.slash_command(link).ok
        [opened] = fake.wait_for("views.open")
        assert "Drafting from the thread" in json.dumps(opened.args["view"])
        drafted_update(fake)
        view = drv.open_view()
        assert block(view, "customer")["element"]["initial_value"] == "Brightwave"
        assert "Drafted from 11 messages" in json.dumps(view)
