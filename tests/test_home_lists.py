"""The lists a person sees (App Home, ``/escalation mine|queue``), through the commands on
SQLite and PostgreSQL: what waits for an owner, per domain, oldest first, and who owns what."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from commands.context import Context
from commands.home import SHOWN, home, queue
from core.model import Escalation
from storage.database import Database
from tests.fakes import InMemorySlack
from tests.loop_helpers import OWNER, REQUESTER, Clock, claimed, make_ctx, posted


@pytest.fixture
def clock(now: datetime) -> Clock:
    return Clock(now)


@pytest.fixture
def ctx(db: Database, clock: Clock) -> Iterator[Context]:
    yield make_ctx(db, InMemorySlack(), clock)


def _ids(items: list[Escalation]) -> list[int | None]:
    return [e.id for e in items]


def test_queue_lists_unclaimed_of_the_asked_domains_oldest_first(ctx: Context,
                                                                   clock: Clock) -> None:
    first = posted(ctx, "V1")
    clock.advance(minutes=5)
    claimed(ctx, "V2")
    clock.advance(minutes=5)
    billing = posted(ctx, "V3", domain="billing")
    clock.advance(minutes=5)
    second = posted(ctx, "V4")

    auth = queue(ctx, ["auth"])
    assert _ids(auth.items) == [first, second] and auth.total == 2
    both = queue(ctx, ["auth", "billing"])
    assert _ids(both.items) == [first, billing, second] and both.total == 3
    assert queue(ctx, ["billing"]).total == 1


def test_queue_shows_the_first_ten_and_counts_the_rest(ctx: Context, clock: Clock) -> None:
    made = []
    for n in range(SHOWN + 2):
        made.append(posted(ctx, f"V{n}"))
        clock.advance(minutes=1)
    waiting = queue(ctx, ["auth"])
    assert waiting.total == SHOWN + 2
    assert _ids(waiting.items) == made[:SHOWN]


def test_home_splits_mine_raised_and_unclaimed(ctx: Context) -> None:
    owned = claimed(ctx, "V1")
    open_one = posted(ctx, "V2")
    lists = {section.key: section for section in home(ctx, OWNER)}
    assert _ids(lists["mine"].items) == [owned]
    assert _ids(lists["unclaimed"].items) == [open_one]  # auth has no specialists group
    raised = {section.key: section for section in home(ctx, REQUESTER)}["raised"]
    assert sorted(_ids(raised.items)) == sorted([owned, open_one])
