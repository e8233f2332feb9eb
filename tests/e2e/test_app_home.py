"""App Home lists the escalations a user raised or owns."""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.harness import BotProcess
from tests.e2e.test_reliability import escalate, packets, wait_until
from tests.fakeslack import FakeSlack, SlackDriver
from tests.slack_contracts import check_view

pytestmark = pytest.mark.e2e


def test_home_lists_my_escalations(fake: FakeSlack, bot: BotProcess, drv: SlackDriver) -> None:
    """Opening the bot's Home tab shows the requester's escalation and its state."""
    escalate(drv, fake)
    wait_until(lambda: len(packets(fake)) == 1)
    response = drv.event({"type": "app_home_opened", "user": "U0AGENT", "tab": "home",
                          "channel": "D0AGENT", "event_ts": f"{time.time():.6f}"})
    assert response.ok
    [publish] = fake.wait_for("views.publish")
    assert publish.args["user_id"] == "U0AGENT"
    check_view(publish.args["view"])
    text = json.dumps(publish.args["view"], ensure_ascii=False)
    assert "ESC-1" in text and "waiting for an owner" in text
