"""The feedback-loop tests' usual fixtures (registered in tests/conftest.py): a controlled
clock at ``now``, an in-memory Slack, and a context on the parametrized database. A module
that needs other domains, a different Slack or clock defines its own, which wins."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from commands.context import Context
from storage.database import Database
from tests.fakes import InMemorySlack
from tests.loop_helpers import Clock, make_ctx


@pytest.fixture
def clock(now: datetime) -> Clock:
    return Clock(now)


@pytest.fixture
def slack() -> InMemorySlack:
    return InMemorySlack()


@pytest.fixture
def ctx(db: Database, slack: InMemorySlack, clock: Clock) -> Iterator[Context]:
    yield make_ctx(db, slack, clock)
