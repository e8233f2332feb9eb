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
