"""Two replicas behind a load balancer share one database: still one packet, one owner."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from tests.e2e.conftest import driver_for
from tests.e2e.test_reliability import audit, escalate, packets, wait_until
from tests.fakeslack import FakeSlack

pytestmark = pytest.mark.e2e


def test_two_replicas(fake: FakeSlack, bot_factory: Any, database_url: str) -> None:
    """Requests spread over two replicas: one packet per escalation, one owner per claim."""
    replicas = [bot_factory("http"), bot_factory("http")]
    for replica in replicas:
        replica.start()
    drivers = [driver_for(fake, r) for r in replicas]
    # Slack is down when the escalation is stored: both replicas' sweepers race to post it.
    fake.fail("chat.postMessage", status=503, times=3)
    escalate(drivers[0], fake)
    wait_until(lambda: len(packets(fake)) == 1, timeout=40)
    time.sleep(1.5)
    assert len(packets(fake)) == 1
    ts = packets(fake)[0]["ts"]
    barrier = threading.Barrier(20)

    def click(n: int) -> None:
        barrier.wait()
        drivers[n % 2].click("claim", user_id=f"U0SPEC{n:02d}", message=("C0AUTH0001", ts))

    threads = [threading.Thread(target=click, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait_until(lambda: len(fake.ephemerals) >= 20)
    winners = [e for e in fake.ephemerals if e["text"].startswith("You own ESC-1")]
    assert len(winners) == 1
    assert audit(database_url).count("claimed") == 1
    assert audit(database_url).count("posted") == 1
