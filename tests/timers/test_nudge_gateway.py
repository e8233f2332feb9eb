"""Every reminder as the Slack gateway sends it, against the fake Slack with its schema checks:
valid Block Kit, the button that settles it, a thread reply found again after a lost answer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.gateway import SlackGateway, make_client
from core.model import Domain, Escalation, Level, LevelDecision, State
from core.timers import Action, Audience, Nudge
from tests.builders import good_answers
from tests.e2e.harness import BOT_TOKEN, make_fake
from tests.fakeslack import FakeSlack

NOW = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fake = make_fake()
    yield fake
    fake.stop()
    assert fake.contract_violations == [], fake.contract_violations


def escalation(fake: FakeSlack) -> Escalation:
    packet = fake.add_message("C0AUTH0001", "packet", user="U0BOT")
    return Escalation(
        id=42, answers=good_answers(NOW), requester="U0AGENT",
        domain=Domain("auth", "Auth", "C0AUTH0001", specialists="S0AUTHSPEC"),
        decision=LevelDecision(Level.L3, False, "why"), state=State.ACCEPTED, created_at=NOW,
        channel="C0AUTH0001", message_ts=packet["ts"], owner="U0OWNER", claimed_at=NOW)


def nudge(action: Action, recipient: str | None, **detail: str) -> Nudge:
    return Nudge(id=7, action=action, audience=Audience.DM if recipient else Audience.THREAD,
                 recipient=recipient, mentions=("U0OWNER", "S0AUTHSPEC"),
                 after=timedelta(minutes=45), due_at=NOW, now=NOW + timedelta(minutes=3),
                 detail=detail)


@pytest.mark.parametrize(("action", "recipient", "button", "words"), [
    (Action.CLAIM_CHANNEL, None, "claim", "still unclaimed after 45m"),
    (Action.RAISE_LEVEL, None, "claim", "already at L3"),
    (Action.ACCEPT_NUDGE, "U0OWNER", "loop:accept", "have not accepted"),
    (Action.RETURN_TO_QUEUE, None, "claim", "back in the queue: not accepted within 45m"),
    (Action.UPDATE_DUE, None, "loop:update", "is due (due 14:00 UTC, 3m ago)"),
    (Action.UPDATE_OVERDUE_OWNER, "U0OWNER", "loop:update", "is overdue"),
    (Action.UPDATE_OVERDUE_LEADS, "U0LEAD", None, "no status update for 45m"),
    (Action.ETA_PASSED, "U0OWNER", "loop:update", "has passed"),
    (Action.NEEDS_INFO_REMINDER, "U0AGENT", None, "waiting on your answer"),
    (Action.RCA_DUE, "U0OWNER", None, "rca <url>"),
])
def test_each_reminder_renders_and_sends(fake: FakeSlack, action: Action,
                                         recipient: str | None, button: str | None,
                                         words: str) -> None:
    esc = escalation(fake)
    gateway = SlackGateway(make_client(token=BOT_TOKEN, base_url=fake.api_url))
    gateway.send_nudge(esc, nudge(action, recipient), look_first=False)
    [call] = fake.calls_to("chat.postMessage")
    assert call.status == 200 and words in call.args["text"] + str(call.args["blocks"])
    if recipient is None:
        assert call.args["thread_ts"] == esc.message_ts
        assert "<@U0OWNER> <!subteam^S0AUTHSPEC>" in call.args["text"]
    else:
        assert call.args["channel"] == recipient
    buttons = [e["action_id"] for b in call.args["blocks"] if b["type"] == "actions"
               for e in b["elements"]]
    assert buttons == ([button] if button else [])


def test_customer_update_carries_the_draft(fake: FakeSlack) -> None:
    esc = escalation(fake)
    gateway = SlackGateway(make_client(token=BOT_TOKEN, base_url=fake.api_url))
    gateway.send_nudge(esc, nudge(Action.CUSTOMER_UPDATE_DUE, "U0AGENT",
                                  draft="Summary: sign-in <fails> for some users"),
                       look_first=False)
    [call] = fake.calls_to("chat.postMessage")
    assert "sign-in &lt;fails&gt; for some users" in str(call.args["blocks"])


def test_a_thread_reply_that_landed_is_not_posted_again(fake: FakeSlack) -> None:
    esc = escalation(fake)
    gateway = SlackGateway(make_client(token=BOT_TOKEN, base_url=fake.api_url))
    gateway.send_nudge(esc, nudge(Action.UPDATE_DUE, None), look_first=False)
    gateway.send_nudge(esc, nudge(Action.UPDATE_DUE, None), look_first=True)  # the retry
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert len(fake.calls_to("conversations.replies")) == 1
