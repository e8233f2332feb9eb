"""The gateway's feedback-loop calls against the fake Slack: schema-valid, in the right place."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from bot.gateway import SlackGateway, make_client
from core.customer_safe import build_draft
from core.model import Severity
from core.progress import StatusUpdate, wrap_up
from core.timeline import Event, Notice, SeveritySuggestion, entry
from core.workflow import Action
from tests.e2e.harness import BOT_TOKEN, make_fake
from tests.fakeslack import FakeSlack
from tests.render.test_renderers import escalation


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fake = make_fake()
    fake.add_channel("C0LEAD0001", "leadership")
    for user in ("U0AGENT", "U0OWNER", "U0LEAD"):
        fake.add_user(user, user.lower())
    yield fake
    fake.stop()


def test_loop_messages_land_where_they_belong(fake: FakeSlack, now: datetime) -> None:
    gw = SlackGateway(make_client(token=BOT_TOKEN, base_url=fake.api_url))
    packet = fake.add_message("C0AUTH0001", text="packet")
    esc = escalation(now, message_ts=packet["ts"], owner="U0OWNER")
    line = entry(Event(id=1, at=now, actor="U0OWNER", kind="accepted",
                       details={"note": "Looking at <!here> the logs"}))
    gw.post_timeline(esc, line)
    text = "Sign-in fails for all users since Monday."
    gw.post_status_update(esc, StatusUpdate(
        id=1, at=now, author="U0OWNER", known=text, unknown=text, next_steps=text,
        next_update_at=None, customer_action=text, internal_note=None,
        draft=build_draft(known=text, unknown=text, next_steps=text, customer_action=text,
                          next_update=None)))
    gw.post_wrap_up(esc, wrap_up(escalated_at=now, posted_at=now, claimed_at=now,
                                 accepted_at=now, resolved_at=now + timedelta(hours=1),
                                 updates=1, root_cause="cause of it", fix_version=None,
                                 l1_takeaway="check it", kb_warranted=False))
    gw.suggest_severity(esc, SeveritySuggestion(Severity.SEV1, "many users", "U0OWNER"))
    gw.send_dm(esc, Notice(to="U0AGENT", entry=line, actions=(Action.VERIFY, Action.REOPEN)))
    gw.notify_leads(esc, line, frozenset({"U0LEAD"}), "C0LEAD0001")
    gw.ask_handoff_rating(esc, "U0OWNER")
    assert fake.contract_violations == []
    replies = [m for m in fake.messages("C0AUTH0001") if m.get("thread_ts") == packet["ts"]
               and m["ts"] != packet["ts"]]
    assert len(replies) == 4
    assert "&lt;!here&gt;" in str(replies[0]["blocks"])
    assert len(fake.messages("C0LEAD0001")) == 1
    dm = fake.dm_channel_id("U0AGENT")
    assert dm is not None and len(fake.messages(dm)) == 1
    # The handoff rating is a private DM to the owner (it survives a reload), with 3 buttons.
    [rating] = fake.messages("U0OWNER")
    assert str(rating["blocks"]).count("loop:rate:") == 3
