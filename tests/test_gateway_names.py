"""Display names from the fake Slack's Web API (users.info), through the real gateway: the
cache the reports read is filled by the bot's background job, not by a request handler."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.gateway import SlackGateway, make_client
from commands import names
from commands.context import Context
from commands.ports import DeliveryError
from core.model import Domain
from storage import names as store
from storage.database import Database
from tests.e2e.harness import APP_TOKEN, BOT_TOKEN
from tests.fakeslack import FakeSlack
from tests.reports.seed import escalation
from tests.shared_data import SHARED_SLACK, requires_shared, shared_path

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    # Unknown users are not made up: users.info answers user_not_found, as Slack does.
    fake = FakeSlack(bot_token=BOT_TOKEN, app_token=APP_TOKEN, auto_users=False,
                     contract_data=SHARED_SLACK)
    fake.start()
    fake.add_user("U0SPEC031", "dana", real_name="Dana Scully")
    fake.add_user("U0SPEC032", "fox", real_name="Fox Mulder", display_name="")
    yield fake
    fake.stop()


def gateway(fake: FakeSlack) -> SlackGateway:
    return SlackGateway(make_client(token=BOT_TOKEN, base_url=fake.api_url))


def test_display_name_then_real_name_then_not_found(fake: FakeSlack) -> None:
    slack = gateway(fake)
    assert slack.display_name("U0SPEC031") == "dana"
    assert slack.display_name("U0SPEC032") == "Fox Mulder"  # display name left blank
    assert slack.display_name("U0NOBODY") is None  # user_not_found
    assert [c.args.get("user") for c in fake.calls_to("users.info")] == [
        "U0SPEC031", "U0SPEC032", "U0NOBODY"]
    assert fake.contract_violations == []  # UsersInfoArguments schema


def test_other_failures_are_delivery_errors(fake: FakeSlack) -> None:
    fake.fail("users.info", status=500, times=3)
    with pytest.raises(DeliveryError):
        gateway(fake).display_name("U0SPEC031")


def test_background_job_fills_the_cache_from_slack(db: Database, fake: FakeSlack) -> None:
    with db.transaction() as s:
        escalation(s, created=NOW - timedelta(days=1), claimed=timedelta(minutes=3),
                   owner="U0SPEC031")
        escalation(s, created=NOW - timedelta(days=1), claimed=timedelta(minutes=3),
                   owner="U0SPEC032")
        escalation(s, created=NOW - timedelta(days=1), claimed=timedelta(minutes=3),
                   owner="U0GONE")
    ctx = Context(db=db, slack=gateway(fake),
                  domains={"auth": Domain("auth", "Auth", "C0AUTH0001")}, clock=lambda: NOW)
    assert names.refresh_open_people(ctx) == 4  # three owners and the requester
    with db.read() as s:
        assert store.names_for(s, users=["U0SPEC031", "U0SPEC032", "U0GONE"]) == {
            "U0SPEC031": "dana", "U0SPEC032": "Fox Mulder"}
    assert names.refresh_open_people(ctx) == 0  # all fresh: Slack is not asked again
    assert len(fake.calls_to("users.info")) == 4
    assert fake.contract_violations == []


@requires_shared
def test_fake_users_info_has_slacks_shape(fake: FakeSlack) -> None:
    """Every key of the fake's user object is one Slack returns (java-slack-sdk's sample)."""
    sample = json.loads(shared_path("java-slack-sdk-json-logs", "api", "users.info.json")
                        .read_text(encoding="utf-8"))["user"]
    answer = gateway(fake).client.users_info(user="U0SPEC031")["user"]
    assert set(answer) <= set(sample)
    assert set(answer["profile"]) <= set(sample["profile"])
    assert {"display_name", "real_name"} <= set(answer["profile"])
