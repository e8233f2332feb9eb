"""Intake end to end: redaction on form fields, the SEV1 fast lane, Add details, files.

The real bot process (HTTP and Socket Mode, SQLite and PostgreSQL) against the fake Slack; at
the end of each test nothing the fake Slack received may carry the PII typed into the form.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.e2e.harness import BotProcess, form_values, raw
from tests.fakeslack import FakeSlack, SlackDriver
from tests.slack_contracts import check_message, check_view

pytestmark = pytest.mark.e2e

EMAIL = "jane.doe+billing@mail.acme-corp.com"
CARD = "4111 1111 1111 1111"
KEY = "sk_live_51H8abcDEFghiJKLmnoPQRstu"
PII = (EMAIL, "jane.doe", CARD, "4111111111111111", KEY[8:])


def now() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


def everything_sent(fake: FakeSlack) -> str:
    """Every argument of every Web API call the bot made, as one string."""
    return json.dumps([c.args for c in fake.calls], ensure_ascii=False)


def assert_no_pii(fake: FakeSlack) -> None:
    sent = everything_sent(fake)
    for secret in PII:
        assert secret not in sent, secret


def field_block(view: dict[str, Any], key: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if str(b.get("block_id", "")).split("~")[0] == key)


class TestRedaction:
    def test_pii_typed_into_a_field_is_removed_and_the_agent_sees_why(
            self, fake: FakeSlack, bot: BotProcess, drv: SlackDriver) -> None:
        """An email and a card typed into Logs are removed before storing; the field says so;
        the packet and every call to Slack are free of them."""
        drv.slash_command(f"Export fails for {EMAIL}")
        fake.wait_for("views.open")
        first = drv.open_view("U0AGENT")
        assert EMAIL not in json.dumps(first) and "[email]" in json.dumps(first)
        at = now()
        assert drv.submit_view("U0AGENT", form_values(at, "problem")).ok
        logs = f"10:02Z ERROR export user={EMAIL} card={CARD} key {KEY}\n10:03Z retry failed"
        answer = drv.submit_view("U0AGENT", form_values(at, "reproduction", logs=raw(logs)))
        assert answer.ok and answer.json["response_action"] == "update"
        check_view(answer.json["view"])
        again = drv.open_view("U0AGENT")
        assert again["callback_id"] == "escalate.reproduction"  # shown again, not advanced
        block = field_block(again, "logs")
        assert block["hint"]["text"].startswith(
            "🔒 3 items removed: an email address, a card number, an API key")
        shown = block["element"]["initial_value"]
        assert "[email]" in shown and "[card ••••1111]" in shown and "[secret: sk_live_…]" in shown
        assert "10:03Z retry failed" in shown

        # Pressing Next again goes on with the redacted text; then the last step.
        assert drv.submit_view("U0AGENT").ok
        assert drv.open_view("U0AGENT")["callback_id"] == "escalate.handoff"
        assert drv.submit_view("U0AGENT", form_values(at, "handoff")).ok
        [post] = fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get(
            "channel") == "C0AUTH0001")
        check_message(post.args)
        assert "[card ••••1111]" in json.dumps(post.args["blocks"], ensure_ascii=False)
        fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get("channel") == "U0AGENT")
        assert_no_pii(fake)


def wait_packet_update(fake: FakeSlack, channel: str, needle: str, *, absent: str = "") -> Any:
    [update] = fake.wait_for("chat.update", predicate=lambda c: c.args.get(
        "channel") == channel and needle in json.dumps(c.args.get("blocks"), ensure_ascii=False)
        and (not absent or absent not in json.dumps(c.args.get("blocks"), ensure_ascii=False)))
    check_message(update.args)
    return update


class TestSev1FastLane:
    def test_page_now_then_finish_in_the_same_modal(
            self, fake: FakeSlack, bot: BotProcess, drv: SlackDriver) -> None:
        """SEV1 on step 1 offers Page now; the packet posts after step 1 marked incomplete,
        pages the specialists and the incident commander, and updates in place as the other
        steps are saved (files included) until it is complete."""
        from core.model import Severity
        from tests.fakeslack.payloads import file_object

        drv.slash_command()
        fake.wait_for("views.open")
        at = now()
        step1 = form_values(at, "problem", domain="billing", severity=Severity.SEV1)
        assert "page_now" not in json.dumps(drv.open_view("U0AGENT"))
        assert drv.click("severity", values=step1, value="SEV1").ok
        [update] = fake.wait_for("views.update")
        check_view(update.args["view"])
        offered = drv.open_view("U0AGENT")
        assert "Page now" in json.dumps(offered)
        assert field_block(offered, "customer")  # what was typed is still there
        answer = drv.submit_view("U0AGENT")
        assert answer.ok and answer.json["response_action"] == "update"
        step2 = drv.open_view("U0AGENT")
        assert step2["callback_id"] == "escalate.reproduction"
        assert "ESC-1 is paged" in json.dumps(step2)

        [post] = fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get(
            "channel") == "C0BILL0001")
        check_message(post.args)
        blocks = json.dumps(post.args["blocks"], ensure_ascii=False)
        assert "Incomplete: reproduction and handoff to follow" in blocks
        assert "<!subteam^S0BILLSPEC>" in blocks and "<@U0IC0001>" in blocks
        assert "Still missing:" in blocks and "Reproduction steps" in blocks

        shot = file_object(fake.identity, "U0AGENT", "login-error.png")
        values = form_values(at, "reproduction", evidence_files=raw([shot]))
        assert drv.submit_view("U0AGENT", values).ok
        assert drv.open_view("U0AGENT")["callback_id"] == "escalate.handoff"
        grown = wait_packet_update(fake, "C0BILL0001", "login-error.png")
        shown = json.dumps(grown.args["blocks"], ensure_ascii=False)
        assert shot["permalink"] in shown and "Incomplete" in shown
        assert "Reproduction steps" not in shown.split("Still missing:")[1].split('"')[0]

        done = drv.submit_view("U0AGENT", form_values(at, "handoff"))
        assert done.ok and "is complete" in json.dumps(done.json["view"])
        wait_packet_update(fake, "C0BILL0001", "Next-move hypothesis", absent="Incomplete")
        posts = [c for c in fake.calls_to("chat.postMessage") if c.succeeded
                 and c.args.get("channel") == "C0BILL0001" and "thread_ts" not in c.args]
        assert len(posts) == 1  # one packet, updated in place
        assert_no_pii(fake)


class TestAddDetails:
    def test_requester_adds_details_after_posting(
            self, fake: FakeSlack, bot: BotProcess, drv: SlackDriver) -> None:
        """Add details opens pre-filled; PII typed there is removed and shown on the field;
        saving updates the packet in place and says "details added" in its thread."""
        from tests.e2e.test_escalate_flow import fill_all_steps

        drv.slash_command()
        fake.wait_for("views.open")
        fill_all_steps(drv)
        [post] = fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get(
            "channel") == "C0AUTH0001")
        fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get("channel") == "U0AGENT")
        ts = post.response["ts"]

        drv.click("intake:add_details", user_id="U0STRANGER", message=("C0AUTH0001", ts))
        fake.wait_for("chat.postEphemeral", predicate=lambda c: c.args.get("user") ==
                      "U0STRANGER" and "Only the requester" in c.args.get("text", ""))

        assert drv.click("intake:add_details", user_id="U0AGENT",
                         message=("C0AUTH0001", ts)).ok
        opened = fake.wait_for("views.open", count=2)[-1]
        check_view(opened.args["view"])
        modal = drv.open_view("U0AGENT")
        assert modal["callback_id"] == "intake.add_details"
        logs = field_block(modal, "logs")["element"]["initial_value"]
        assert logs.startswith("2026-11-23T10:02:11Z ERROR saml.acs")

        more = logs + f"\n10:09Z ERROR saml.acs retry for {EMAIL} failed"
        shown = drv.submit_view("U0AGENT", {"logs": more})
        assert shown.ok and shown.json["response_action"] == "update"
        again = drv.open_view("U0AGENT")
        assert field_block(again, "logs")["hint"]["text"].startswith(
            "🔒 1 item removed: an email address")
        assert drv.submit_view("U0AGENT").ok  # saved with [email]
        update = wait_packet_update(fake, "C0AUTH0001", "retry for [email] failed")
        assert update.args["ts"] == ts
        [line] = fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get(
            "thread_ts") == ts and "details added" in json.dumps(c.args, ensure_ascii=False))
        assert "Logs and data" in json.dumps(line.args)
        fake.wait_for("chat.postEphemeral", predicate=lambda c: c.args.get("user") ==
                      "U0AGENT" and "Details added to ESC-1" in c.args.get("text", ""))
        assert_no_pii(fake)
