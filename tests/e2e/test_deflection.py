"""Deflection at intake end to end: the real bot process shows an agent filling /escalate the
resolved escalation and the approved article like their case on the readiness step; the agent
escalates anyway, and ``escalation-bot report deflection`` counts it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from commands import feedback, kb, resolution
from commands.context import Context
from core.forms import AcceptInput, ResolutionCategory
from storage import kb as kb_store
from storage.database import Database
from tests.e2e.conftest import driver_for
from tests.e2e.harness import BotProcess, form_values
from tests.fakes import InMemorySlack
from tests.fakeslack import FakeSlack
from tests.loop_helpers import OWNER, REQUESTER, RESOLVE, claimed, make_ctx
from tests.slack_contracts import check_view
from tests.test_cli import run_cli

pytestmark = pytest.mark.e2e


class _Clock:
    def __call__(self) -> datetime:
        return datetime.now(UTC)


def test_agent_sees_similar_cases_escalates_anyway_and_the_report_counts_it(
        fake: FakeSlack, bot_factory: object, database_url: str) -> None:
    db = Database.from_url(database_url)
    db.migrate()
    ctx: Context = make_ctx(db, InMemorySlack(), _Clock())
    resolved = claimed(ctx, "earlier-case")
    assert feedback.accept(ctx, escalation_id=resolved, user=OWNER, form=AcceptInput()).ok
    assert resolution.resolve(ctx, escalation_id=resolved, user=OWNER, form=replace(
        RESOLVE, category=ResolutionCategory.KNOWN_ISSUE)).ok
    with db.read() as session:
        draft = kb_store.for_escalation(session, escalation_id=resolved)
    assert draft is not None and draft.id is not None
    assert kb.decide(ctx, article_id=draft.id, user=REQUESTER, approve=True).ok
    db.dispose()

    bot: BotProcess = bot_factory("http")  # type: ignore[operator]
    bot.start()
    drv = driver_for(fake, bot)
    assert drv.slash_command("SSO login fails with HTTP 500 for Acme").ok
    fake.wait_for("views.open")
    at = datetime.now(UTC).replace(second=0, microsecond=0)
    assert drv.submit_view(REQUESTER, form_values(at, "problem")).ok
    to_readiness = drv.submit_view(REQUESTER, form_values(at, "reproduction"))
    readiness = to_readiness.json["view"]
    check_view(readiness)
    text = json.dumps(readiness)
    assert readiness["callback_id"] == "escalate.handoff"
    assert f"Similar: ESC-{resolved}, resolved as known issue on {at:%Y-%m-%d}" in text
    assert f"KB: {draft.title}" in text
    assert "before you escalate, check: Check the audience URN" in text
    assert readiness["submit"]["text"] == "Escalate"

    done = drv.submit_view(REQUESTER, form_values(at, "handoff"))  # escalates anyway
    assert "is stored and is being posted" in json.dumps(done.json["view"])
    fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get("channel") == "C0AUTH0001"
                  and f"ESC-{resolved + 1}" in json.dumps(c.args.get("blocks")))

    report = run_cli("report", "deflection", "--since", "1d", "--format", "json",
                     cwd=bot.workdir, DATABASE_URL=database_url,
                     ESCALATION_CONFIG=str(bot.workdir / "escalation.yml"))
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    [section] = [s for s in data["sections"] if s["key"] == "deflection"]
    figures = {f["key"]: f["this_period"] for f in section["figures"]}
    assert figures["deflection.shown"] == 1
    assert figures["deflection.escalated_anyway"] == 1
    assert figures["deflection.not_escalated"] == 0
    [suggested] = [t for t in section["tables"] if t["key"] == "suggested"]
    assert sorted(r[0] for r in suggested["rows"]) == sorted([f"ESC-{resolved}",
                                                              f"KB-{draft.id}"])
