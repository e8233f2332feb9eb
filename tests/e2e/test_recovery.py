"""Crash recovery in seconds, Claim clicks that prove the packet, and two installations in one
channel — the real process, default delivery settings (lease 120 s, sweep every 15 s)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from storage import repository as repo
from storage.database import Database
from tests.e2e.conftest import driver_for
from tests.e2e.test_reliability import audit, escalate, packets, wait_until
from tests.fakeslack import FakeSlack

pytestmark = pytest.mark.e2e

# The program's defaults: no shortened lease or sweep interval (see harness.BotProcess.env).
DEFAULTS = {"DELIVERY_INTERVAL_SECONDS": "", "OUTBOX_LEASE_SECONDS": ""}
RECOVERY_LIMIT_S = 15.0


def posted_ts(database_url: str, escalation_id: int = 1) -> str | None:
    db = Database.from_url(database_url)
    try:
        with db.transaction() as session:
            row = repo.get_escalation(session, escalation_id=escalation_id)
            return None if row is None else row.message_ts
    finally:
        db.dispose()


def claim_text(fake: FakeSlack, drv: Any, ts: str, user: str = "U0SPEC") -> str:
    before = len(fake.ephemerals)
    assert drv.click("claim", user_id=user, message=("C0AUTH0001", ts)).status == 200
    wait_until(lambda: len(fake.ephemerals) > before, timeout=10)
    return str(fake.ephemerals[-1]["text"])


@pytest.mark.parametrize("slack_does", ["holds the post", "fails the post"])
def test_sigkill_mid_post_then_restart_with_defaults(
        fake: FakeSlack, bot_factory: Any, database_url: str, slack_does: str) -> None:
    """SIGKILL while the packet's post is in flight; restart with default settings: the packet
    is in the channel exactly once and claimable within 15 s of the restart.

    The 15 s run from when the restarted process reports ready (its /healthz answers), not
    from the spawn: how long a Python process takes to start on a busy machine (14 s once,
    at load 10) is not recovery. Its takeover of the dead incarnation's leases happens during
    start-up, so it is inside the measured time or before it, never outside."""
    bot = bot_factory("http", **DEFAULTS)
    bot.start()
    drv = driver_for(fake, bot)
    if slack_does == "holds the post":
        fake.slow("chat.postMessage", seconds=60)  # lands at once, the answer never comes
    else:
        fake.fail("chat.postMessage", status=503, times=1000)
    escalate(drv, fake)
    fake.wait_for("chat.postMessage")
    bot.stop(kill=True)
    fake.reset()  # Slack works again (and forgets the held answer)
    spawned = time.monotonic()
    bot.start()
    ready = time.monotonic()
    wait_until(lambda: posted_ts(database_url) is not None, timeout=RECOVERY_LIMIT_S)
    recovered = time.monotonic() - ready
    print(f"SIGKILL while Slack {slack_does}: ready {ready - spawned:.2f} s after the restart "
          f"began, packet recorded {recovered:.2f} s after ready")
    ts = posted_ts(database_url)
    assert ts is not None and [p["ts"] for p in packets(fake)] == [ts]
    assert claim_text(fake, driver_for(fake, bot), ts).startswith("You own ESC-1")
    assert time.monotonic() - ready < RECOVERY_LIMIT_S
    assert len(packets(fake)) == 1 and audit(database_url).count("posted") == 1


def test_claim_click_on_a_landed_but_unmarked_packet(fake: FakeSlack, bot_factory: Any,
                                                      database_url: str) -> None:
    """The packet is in the channel but the bot has not recorded it yet (Slack holds its
    answer): a Claim click proves it exists — the claim succeeds at once, and the delivery
    that finishes later does not post or record it again."""
    bot = bot_factory("http", **DEFAULTS)
    bot.start()
    drv = driver_for(fake, bot)
    fake.slow("chat.postMessage", seconds=3)
    escalate(drv, fake)
    wait_until(lambda: len(packets(fake)) == 1)
    assert posted_ts(database_url) is None
    ts = packets(fake)[0]["ts"]
    assert claim_text(fake, drv, ts) == "You own ESC-1 now."
    assert posted_ts(database_url) == ts
    wait_until(lambda: "owner" in json.dumps(fake.find_message("C0AUTH0001", ts)) or
               "since" in json.dumps(fake.find_message("C0AUTH0001", ts)))
    time.sleep(3.5)  # the held post's answer arrives
    assert len(packets(fake)) == 1 and audit(database_url).count("posted") == 1
    assert "failed" not in " ".join(audit(database_url))


@pytest.fixture
def second_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Another installation's database on the same server."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path}/other-installation.db"
        return
    base = database_url.split("?")[0]
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield f"{base}?options={quote(f'-csearch_path={schema}')}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def test_two_installations_in_one_channel(fake: FakeSlack, bot_factory: Any, tmp_path: Path,
                                          database_url: str, second_database: str) -> None:
    """Staging and production (two databases) post ESC-1 into one channel. When the second's
    post fails with an unknown outcome, its look-before-repost must not take the first's
    ESC-1 for its own: it posts its own packet."""
    first = bot_factory("http")
    first.start()
    escalate(driver_for(fake, first), fake)
    wait_until(lambda: len(packets(fake)) == 1)
    first.stop()
    theirs = packets(fake)[0]["ts"]

    other_dir = tmp_path / "other"
    other_dir.mkdir()
    second = bot_factory("http")
    second.workdir, second.database_url = other_dir, second_database
    second.start()
    fake.fail("chat.postMessage", status=500, times=3)  # one attempt: outcome unknown
    escalate(driver_for(fake, second), fake)
    wait_until(lambda: len(packets(fake)) == 2, timeout=30)
    assert fake.calls_to("conversations.history")  # it looked, and found nothing of its own
    wait_until(lambda: posted_ts(second_database) is not None, timeout=10)
    ours = posted_ts(second_database)
    assert ours is not None and ours != theirs
    assert posted_ts(database_url) == theirs
    metas = [p["metadata"]["event_payload"] for p in packets(fake)]
    assert [m["escalation_id"] for m in metas] == [1, 1]
    assert metas[0]["installation"] != metas[1]["installation"]
    second.stop()  # before its database is dropped
