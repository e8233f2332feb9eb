"""Fixtures for end-to-end tests: a fake Slack, the bot process, a driver that plays Slack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import SIGNING_SECRET, BotProcess, make_fake
from tests.fakeslack import FakeSlack, SlackDriver


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """The fake Slack; after each test, every Web API call it received must fit Slack's schemas."""
    fake = make_fake()
    yield fake
    fake.stop()
    assert fake.contract_violations == [], "\n".join(fake.contract_violations)


@pytest.fixture
def bot_factory(fake: FakeSlack, tmp_path: Path, database_url: str,
                request: pytest.FixtureRequest) -> Iterator[object]:
    bots: list[BotProcess] = []

    def make(mode: str = "http", config: str | None = None, **env: str) -> BotProcess:
        bot = BotProcess(fake=fake, workdir=tmp_path, database_url=database_url,
                         mode=mode, env_overrides=env)  # type: ignore[arg-type]
        if config is not None:
            bot.config = config
        bots.append(bot)
        return bot

    yield make
    for bot in bots:
        bot.stop()
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and bots:
        print("---- bot log ----\n" + bots[0].log()[-8000:])


@pytest.fixture(params=["http", "socket"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def bot(bot_factory: object, transport: str) -> Iterator[BotProcess]:
    process = bot_factory(transport)  # type: ignore[operator]
    process.start()
    yield process


@pytest.fixture
def http_bot(bot_factory: object) -> Iterator[BotProcess]:
    process = bot_factory("http")  # type: ignore[operator]
    process.start()
    yield process


def driver_for(fake: FakeSlack, bot: BotProcess) -> SlackDriver:
    if bot.mode == "http":
        return SlackDriver(fake, "http", url=bot.url, signing_secret=SIGNING_SECRET)
    return SlackDriver(fake, "socket")


@pytest.fixture
def drv(fake: FakeSlack, bot: BotProcess) -> SlackDriver:
    return driver_for(fake, bot)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
