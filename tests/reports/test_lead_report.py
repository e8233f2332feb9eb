"""``/escalation report …``: parsed in the core, leads only, the same figures as the CLI."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from commands.reports import lead_report
from core import slash
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
