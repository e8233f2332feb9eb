"""The knowledge loop end to end: the bot DMs the KB draft to the L1 agent, who approves it."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from commands import feedback, resolution
from commands.context import Context
from commands.ports import DeliveryError
from core.forms import AcceptInput
from storage import kb as store
from storage.database import Database
from tests.e2e.conftest import driver_for
from tests.e2e.harness import BotProcess
from tests.fakes import InMemorySlack
from tests.fakeslack import FakeSlack
from tests.loop_helpers import OWNER, REQUESTER, RESOLVE, claimed, make_ctx

pytestmark = pytest.mark.e2e


def wait_until(check: object, timeout: float = 30.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()  # type: ignore[operator]
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


class _Clock:
    def __call__(self) -> object:
        from core.timefmt import utcnow

        return utcnow()


def test_l1_agent_receives_the_draft_and_approves_it(fake: FakeSlack, bot_factory: object,
                                                      database_url: str) -> None:
    # The escalation's life up to Resolve happened while the bot's Slack was unreachable for
    # the draft: the draft waits in the outbox, and the running bot delivers it.
    db = Database.from_url(database_url)
    db.migrate()
    offline = InMemorySlack()
    offline.fail("send_kb_draft", DeliveryError("cannot reach Slack", outcome_unknown=False),
                 times=1)
    ctx: Context = make_ctx(db, offline, _Clock())  # type: ignore[arg-type]
    esc_id = claimed(ctx)
    assert feedback.accept(ctx, escalation_id=esc_id, user=OWNER, form=AcceptInput()).ok
    assert resolution.resolve(ctx, escalation_id=esc_id, user=OWNER,
                              form=replace(RESOLVE)).ok
    bot: BotProcess = bot_factory("http")  # type: ignore[operator]
    bot.start()
    draft = wait_until(lambda: next(
        (m for m in fake.messages(REQUESTER) if "KB draft" in str(m.get("blocks"))), None),
        timeout=40)
    drv = driver_for(fake, bot)
    channel = str(draft["channel"]) if "channel" in draft else REQUESTER  # type: ignore[index]
    drv.click("kb:approve", user_id=REQUESTER, message=(channel, str(draft["ts"])))  # type: ignore[index]
    wait_until(lambda: any("approved" in str(e.get("text")) for e in fake.ephemerals))
    with db.read() as session:
        [article] = store.approved(session)
        assert store.sources(session, article_id=article.id or 0) == [esc_id]
    db.dispose()
