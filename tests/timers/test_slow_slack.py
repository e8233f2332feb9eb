"""A slow Slack never holds the database's write lock: while a reminder sweep waits for Slack to
list a leads user group, a Claim click (a write) goes through at once — on SQLite, where one
write transaction locks out every other, and on PostgreSQL, where the sweep's row locks would.

The real Slack gateway against the fake Slack, with ``usergroups.users.list`` held back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.gateway import SlackGateway, make_client
from commands.claim import claim
from commands.context import Context
from commands.timers import SweepResult, sweep
from core.model import Domain
from storage.database import Database
from tests.e2e.harness import BOT_TOKEN, make_fake
from tests.fakeslack import FakeSlack
from tests.loop_helpers import Clock, posted

NOW = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
SLACK_DELAY_S = 2.0  # how long Slack takes to list the group
PROMPT_S = SLACK_DELAY_S / 2  # waiting for the sweep's Slack call would take SLACK_DELAY_S


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    fake = make_fake()
    fake.usergroups = {"S0LEADS001": ["U0LEAD1"]}
    yield fake
    fake.stop()
    assert fake.contract_violations == [], fake.contract_violations


def test_a_claim_goes_through_while_the_sweep_waits_for_slack(db: Database,
                                                               fake: FakeSlack) -> None:
    clock = Clock(NOW)
    ctx = Context(db=db, slack=SlackGateway(make_client(token=BOT_TOKEN, base_url=fake.api_url)),
                  domains={"auth": Domain("auth", "Authentication & SSO", "C0AUTH0001")},
                  clock=clock, worker="sweeper", leads=("S0LEADS001",))
    esc_id = posted(ctx)  # SEV2 by default: the channel at 30 min, the leads at 60 min
    clock.advance(minutes=61)
    fake.slow("usergroups.users.list", seconds=SLACK_DELAY_S)
    swept: list[SweepResult] = []
    sweeper = threading.Thread(target=lambda: swept.append(sweep(ctx)))
    sweeper.start()
    try:
        fake.wait_for("usergroups.users.list", timeout=10)  # the sweep is waiting on Slack
        started = time.monotonic()
        result = claim(ctx, escalation_id=esc_id, user="U0SPEC")
        took = time.monotonic() - started
        sweeping = sweeper.is_alive()
    finally:
        sweeper.join(timeout=30)
    print(f"claim while the sweep waits {SLACK_DELAY_S} s on usergroups.users.list "
          f"({db.engine.dialect.name}): {took * 1000:.0f} ms")
    assert result.won, result.text
    assert sweeping, "the claim finished only after the sweep's Slack call"
    assert took < PROMPT_S
    # The sweep then finds the escalation claimed: no leads DM about an unclaimed escalation.
    [done] = swept
    assert done.fired == 0 and done.cancelled + done.stale == 1, done
    assert not [m for m in fake.messages("U0LEAD1") if "unclaimed" in str(m.get("text"))]


def test_the_leads_rung_still_dms_the_group(db: Database, fake: FakeSlack) -> None:
    """The group asked for before the transaction is the one the reminder goes to."""
    clock = Clock(NOW)
    ctx = Context(db=db, slack=SlackGateway(make_client(token=BOT_TOKEN, base_url=fake.api_url)),
                  domains={"auth": Domain("auth", "Authentication & SSO", "C0AUTH0001")},
                  clock=clock, worker="sweeper", leads=("S0LEADS001", "U0LEAD2"))
    posted(ctx)
    clock.advance(minutes=61)
    result = sweep(ctx)
    assert result.fired == 1 and result.delivered == 2, result
    for lead in ("U0LEAD1", "U0LEAD2"):
        assert len([m for m in fake.messages(lead) if "unclaimed" in str(m.get("text"))]) == 1
    assert len(fake.calls_to("usergroups.users.list")) == 1
