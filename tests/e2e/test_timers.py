"""Timers end to end: the real bot process(es), the fake Slack, second-scale durations and a
1 s sweep. The unclaimed ladder re-pings once, raises the level once — with two replicas
sweeping — and after a restart past every rung it acts once, not in a burst."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from core.model import CustomerTier
from tests.e2e.conftest import driver_for
from tests.e2e.harness import form_values
from tests.e2e.test_reliability import audit, packets, wait_until
from tests.fakeslack import FakeSlack, SlackDriver

pytestmark = pytest.mark.e2e

CONFIG = """\
domains:
  - {key: auth, name: Authentication & SSO, channel: C0AUTH0001, specialists: S0AUTHSPEC}
digest_channel: C0DIGEST01
policy:
  SEV2: {claim: %s}
"""
FAST = {"SWEEP_INTERVAL_SECONDS": "1"}


def escalate_l3(drv: SlackDriver, fake: FakeSlack) -> None:
    """A SEV2 for a business-tier customer without signals: routed to L3 Tier 3."""
    opened = len(fake.calls_to("views.open"))
    drv.slash_command(user_id="U0AGENT")
    fake.wait_for("views.open", count=opened + 1)
    at = datetime.now(UTC)
    for step in ("problem", "reproduction", "handoff"):
        values = form_values(at, step, case_owner="U0AGENT", tier=CustomerTier.BUSINESS,
                             signals=())
        response = drv.submit_view("U0AGENT", values)
        assert response.ok, response


def thread(fake: FakeSlack) -> list[dict[str, Any]]:
    ts = packets(fake)[0]["ts"]
    return [m for m in fake.messages("C0AUTH0001")
            if m.get("thread_ts") == ts and m["ts"] != ts]


def texts(fake: FakeSlack, needle: str) -> list[str]:
    return [m["text"] for m in thread(fake) if needle in m["text"]]


def test_unclaimed_ladder_with_two_replicas(fake: FakeSlack, bot_factory: Any,
                                            database_url: str) -> None:
    fake.usergroups = {"S0AUTHSPEC": ["U0SPEC1"]}
    replicas = [bot_factory("http", config=CONFIG % "1s", **FAST) for _ in range(2)]
    for replica in replicas:
        replica.start()
    escalate_l3(driver_for(fake, replicas[0]), fake)
    wait_until(lambda: len(packets(fake)) == 1, timeout=20)
    wait_until(lambda: bool(texts(fake, "raised to")), timeout=20)
    time.sleep(1.5)  # a few more sweeps on both replicas: nothing is repeated
    reping = texts(fake, "still unclaimed")
    assert len(reping) == 1 and "<!subteam^S0AUTHSPEC>" in reping[0]
    raised = texts(fake, "raised to")
    assert len(raised) == 1 and "L4 Engineering" in raised[0] and "unclaimed for" in raised[0]
    assert audit(database_url).count("level_changed") == 1
    wait_until(lambda: "L4 Engineering" in str(packets(fake)[0]["blocks"]), timeout=10)
    # The re-ping carries a working Claim button.
    drv = driver_for(fake, replicas[1])
    drv.click("claim", user_id="U0SPEC1", message=("C0AUTH0001", packets(fake)[0]["ts"]))
    wait_until(lambda: audit(database_url).count("claimed") == 1)


def test_restart_past_every_rung_acts_once(fake: FakeSlack, bot_factory: Any,
                                           database_url: str) -> None:
    bot = bot_factory("http", config=CONFIG % "2s", **FAST)
    bot.start()
    escalate_l3(driver_for(fake, bot), fake)
    wait_until(lambda: len(packets(fake)) == 1, timeout=20)
    bot.stop()
    posted = float(packets(fake)[0]["ts"])
    assert thread(fake) == [] or not texts(fake, "still unclaimed"), "stopped too late"
    time.sleep(max(0.0, posted + 6.5 - time.time()))  # every rung (2 s, 4 s, 6 s) fell due
    bot.start()
    wait_until(lambda: bool(texts(fake, "raised to")), timeout=20)
    time.sleep(1.5)
    assert texts(fake, "still unclaimed") == []  # superseded: no burst of stale re-pings
    assert len(texts(fake, "raised to")) == 1


LOOP_CONFIG = """\
domains:
  - {key: auth, name: Authentication & SSO, channel: C0AUTH0001}
digest_channel: C0DIGEST01
leads: [U0LEAD001]
policy:
  SEV2: {claim: 1h, accept: 2s, return_to_queue: 1h, update: 3s, overdue: 1h,
         customer_update: 1h}
"""


def test_accept_nudge_update_due_snooze_and_ledger(fake: FakeSlack, bot_factory: Any,
                                                   database_url: str) -> None:
    """Claimed → the owner's DM with Accept (clicked) → update due in the thread with Post
    update → snoozed from /escalation, shown on the packet → the ledger lists both."""
    from tests.e2e.loop_steps import (
        dm_with,
        ephemeral_to,
        escalate_and_claim,
        submit_form,
        wait_packet,
        wait_thread,
    )

    bot = bot_factory("http", config=LOOP_CONFIG, **FAST)
    bot.start()
    drv = driver_for(fake, bot)
    ts = escalate_and_claim(drv, fake)
    dm = dm_with(fake, "U0SPEC", "loop:accept")
    assert "have not accepted" in dm["text"]
    drv.click("loop:accept", user_id="U0SPEC", message=("U0SPEC", dm["ts"]))
    submit_form(drv, fake, "U0SPEC", "loop.accept", {"note": "On it: reading the acs logs."})
    wait_packet(fake, ts, "Accepted")
    wait_thread(fake, ts, "is due")
    assert '"loop:update"' in json.dumps(thread(fake)[-1].get("blocks"))
    drv.slash_command("ESC-1 snooze 30 waiting on the vendor", user_id="U0SPEC",
                      command="/escalation")
    ephemeral_to(fake, "U0SPEC", "snoozed until")
    wait_packet(fake, ts, "waiting on the vendor")
    drv.slash_command("ESC-1 reminders", user_id="U0AGENT", command="/escalation")
    ledger = ephemeral_to(fake, "U0AGENT", "Reminders for ESC-1")
    assert "not accepted: owner nudged" in ledger and "acted on by <@U0SPEC>" in ledger
    assert "update due → the packet's thread" in ledger
    time.sleep(1.5)  # more sweeps: nothing repeats
    accept_dms = [m for m in fake.messages("U0SPEC") if '"loop:accept"' in
                  json.dumps(m.get("blocks") or [])]
    assert len(accept_dms) == 1
    assert len(texts(fake, "is due")) == 1
