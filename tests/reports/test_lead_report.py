"""``/escalation report …``: parsed in the core, leads only, the same figures as the CLI."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from commands.reports import lead_report
from core import slash
from storage import names
from storage.database import Database
from tests.fakes import InMemorySlack
from tests.loop_helpers import LEAD, Clock, make_ctx
from tests.reports.seed import escalation


@pytest.mark.parametrize(("text", "expected"), [
    ("report", slash.ReportRequest("digest", "7d")),
    ("report utilization", slash.ReportRequest("utilization", "7d")),
    ("report deflection 30d", slash.ReportRequest("deflection", "30d")),
    ("REPORT 24h handoff", slash.ReportRequest("handoff", "24h")),
])
def test_parse_report(text: str, expected: slash.ReportRequest) -> None:
    assert slash.parse(text) == expected


@pytest.mark.parametrize("text", ["report weekly", "report 0d", "report digest 7d extra"])
def test_bad_report_requests_get_usage(text: str) -> None:
    assert isinstance(slash.parse(text), slash.Usage)


def test_leads_only_and_same_figures(db: Database, now: datetime) -> None:
    ctx = make_ctx(db, InMemorySlack(), Clock(now))
    with db.transaction() as s:
        escalation(s, created=now - timedelta(days=2))
        escalation(s, created=now - timedelta(days=9))
    refused = lead_report(ctx, user="U0AGENT", kind="digest", since="7d")
    assert refused.report is None and "leads" in refused.text
    result = lead_report(ctx, user=LEAD, kind="digest", since="7d")
    assert result.report is not None
    opened = result.report.figure("volume.opened")
    assert opened is not None and (opened.this, opened.last) == (1, 1)


def test_utilization_in_slack_shows_outside_hours_and_updates_on_time(
        db: Database, now: datetime) -> None:
    from bot.render.digest import digest_message

    ctx = make_ctx(db, InMemorySlack(), Clock(now))
    with db.transaction() as s:
        escalation(s, created=now - timedelta(days=2), claimed=timedelta(hours=1),
                   owner="U0SPEC", accepted=timedelta(hours=2))
        names.save(s, user="U0SPEC", name="Dana *Scully*", now=now)
    result = lead_report(ctx, user=LEAD, kind="utilization", since="7d")
    assert result.report is not None
    text = "\n".join(b.text.text for b in digest_message(result.report).blocks  # type: ignore[attr-defined]
                     if getattr(b, "text", None) is not None and hasattr(b.text, "text"))
    assert "Owned time outside business hours" in text
    # By name, not a mention (no ping), and the name's marks do not format.
    assert "Dana \u2217Scully\u2217 (auth): 1 open now, 1 owned this period, 47.0 h (" in text
    assert "<@" not in text
    assert "outside business hours), updates on time —" in text
