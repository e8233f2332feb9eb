"""The Slack gateway against the fake Slack: retries stay within one delivery attempt's bounds."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

from bot.gateway import Installation, SlackGateway, identify, make_client
from commands.ports import DeliveryError
from core.model import Domain, Escalation, Level, LevelDecision, State
from storage.database import Database
from tests.builders import good_answers
from tests.e2e.harness import BOT_TOKEN, make_fake
from tests.fakeslack import FakeSlack


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fake = make_fake()
    yield fake
    fake.stop()


def gateway(fake: FakeSlack) -> SlackGateway:
    return SlackGateway(make_client(token=BOT_TOKEN, base_url=fake.api_url))


def test_short_rate_limit_is_waited_out(fake: FakeSlack) -> None:
    """A 429 with a short Retry-After is retried inside the call and succeeds."""
    fake.fail("chat.postEphemeral", status=429, times=1, retry_after=1)
    gateway(fake).ephemeral("C0AUTH0001", "U0SPEC", "hello")
    assert [c.status for c in fake.calls_to("chat.postEphemeral")] == [429, 200]


def test_long_rate_limit_is_left_to_the_outbox(fake: FakeSlack) -> None:
    """A 429 asking for a long wait fails at once, so the outbox reschedules it (lease safe)."""
    fake.fail("usergroups.users.list", status=429, times=1, retry_after=60)
    started = time.monotonic()
    with pytest.raises(DeliveryError, match="rate limited"):
        gateway(fake)._call("usergroups.users.list", usergroup="S0BILLSPEC")
    assert time.monotonic() - started < 5
    assert len(fake.calls_to("usergroups.users.list")) == 1


def test_everything_posted_is_scrubbed() -> None:
    """Text and blocks are redacted on the way out; ids, values and URLs are left alone."""
    from bot.gateway import scrub
    from core.redaction import AllowList

    blocks = [{"type": "section", "block_id": "logs",
               "text": {"type": "mrkdwn", "text": "mail jane@acme.com or ops@ourco.com"}},
              {"type": "actions", "elements": [{"type": "button", "action_id": "claim",
                                                "value": "jane@acme.com",
                                                "text": {"type": "plain_text",
                                                         "text": "Call +1 415 555 0132"}}]}]
    out = scrub(blocks, AllowList(domains=frozenset({"ourco.com"})), shown=True)
    assert out[0]["text"]["text"] == "mail [email] or ops@ourco.com"
    assert out[1]["elements"][0]["text"]["text"] == "Call [phone]"
    assert out[1]["elements"][0]["value"] == "jane@acme.com"  # a value, not shown to anyone
    assert out[0]["block_id"] == "logs"


def _escalation(escalation_id: int = 1) -> Escalation:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    return Escalation(id=escalation_id, answers=good_answers(now), requester="U0AGENT",
                      domain=Domain("auth", "Authentication & SSO", "C0AUTH0001"),
                      decision=LevelDecision(Level.L3, False, "SEV2"), state=State.OPEN,
                      created_at=now)


def test_look_before_repost_finds_only_our_own_packets(fake: FakeSlack) -> None:
    """Two installations post ESC-1 into one channel: each finds only its own packet, and a
    message another app posted with our metadata is ignored."""
    client = make_client(token=BOT_TOKEN, base_url=fake.api_url)
    production = SlackGateway(client, installation=identify(client, "prod-key"))
    staging = SlackGateway(client, installation=identify(client, "staging-key"))
    assert production.installation.bot_id == "B0BOT"
    esc = _escalation()
    theirs = staging.post_packet(esc)
    assert production.find_packet(esc, since=esc.created_at) is None
    assert staging.find_packet(esc, since=esc.created_at) == theirs
    ours = production.post_packet(esc)
    assert production.find_packet(esc, since=esc.created_at) == ours
    impostor = Installation(key="prod-key", bot_id="B0OTHER")
    assert not impostor.owns(fake.find_message("C0AUTH0001", ours.ts) or {})
    assert production.installation.owns(fake.find_message("C0AUTH0001", ours.ts) or {})
    assert production.find_packet(_escalation(2), since=esc.created_at) is None


@pytest.mark.external_call_in_transaction
def test_a_call_inside_a_write_transaction_is_logged(fake: FakeSlack, db: Database,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    """The production tripwire: a Slack call made while a write transaction holds the lock is
    a WARNING naming it (the tests' guard, tests/txguard.py, is off for this one)."""
    client = make_client(token=BOT_TOKEN, base_url=fake.api_url)
    with caplog.at_level(logging.WARNING, logger="bot.tripwire"):
        client.auth_test()
        assert caplog.records == []
        with db.transaction():
            client.auth_test()
    [record] = caplog.records
    assert record.getMessage().startswith("Slack auth.test called inside a database write "
                                          "transaction")
