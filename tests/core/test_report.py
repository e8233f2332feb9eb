"""The report model and its Markdown / JSON / CSV forms, from plain figures."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from core.period import Period
from core.policy import DEFAULT_POLICY
from core.report import ReportKind, build, duration_text, overloaded
from core.report_data import (
    HandoffFigures,
    OpenItem,
    Opportunity,
    PeriodFigures,
    PersonLoad,
    Spread,
    VolumeCell,
)
from core.report_format import CSV_COLUMNS, to_csv, to_json, to_markdown
from tests.markdown_lint import lint

END = datetime(2026, 11, 23, 9, tzinfo=UTC)
WEEK = Period(END - timedelta(days=7), END)

THIS = PeriodFigures(
    volume=(VolumeCell("auth", "SEV1", opened=3, resolved=1, open_at_end=4),
            VolumeCell("billing", "SEV3", opened=2, resolved=2, open_at_end=0)),
    claim=(Spread("SEV1", 3, 600.0, 1500.0, breached=1),),
    handoff=HandoffFigures(yes=3, partly=1, had_to_ask=1, bounces=2, escalations=5,
                           weak_items=(("evidence_links", 3), ("posture", 1))),
    people=(PersonLoad("U0A", "auth", owned_in_period=2, open_now=6),
            PersonLoad("U0B", "auth", owned_in_period=1, open_now=1),
            PersonLoad("U0C", "auth", owned_in_period=3, open_now=2)),
    oldest_open=(OpenItem(7, "auth", "SEV1", None, END - timedelta(days=3, hours=2)),),
    opportunities=(Opportunity("known_issue", "Okta cert | rotation", 4, (3, 9, 12, 15),
                               ("Check the *IdP* cert date",)),),
)
LAST = PeriodFigures(volume=(VolumeCell("auth", "SEV1", opened=5, resolved=0, open_at_end=2),),
                     claim=(Spread("SEV1", 2, 300.0, 900.0, breached=0),))


def digest() -> object:
    return build(ReportKind.DIGEST, this=THIS, last=LAST, period=WEEK, policy=DEFAULT_POLICY,
                 generated_at=END)


def test_each_figure_has_this_week_last_week_and_the_change() -> None:
    report = build(ReportKind.DIGEST, this=THIS, last=LAST, period=WEEK,
                   policy=DEFAULT_POLICY, generated_at=END)
    opened = report.figure("volume.opened")
    assert opened is not None and (opened.this, opened.last, opened.change) == (5, 5, 0)
    open_end = report.figure("volume.open_at_end")
    assert open_end is not None and open_end.change == 2


def test_time_to_claim_is_checked_against_the_sev_deadline() -> None:
    report = build(ReportKind.DIGEST, this=THIS, last=LAST, period=WEEK,
                   policy=DEFAULT_POLICY, generated_at=END)
    median = report.figure("speed.claim.SEV1.median")
    p90 = report.figure("speed.claim.SEV1.p90")
    breached = report.figure("speed.claim.SEV1.breached")
    assert median is not None and median.target == 900 and median.target_met is True
    assert p90 is not None and p90.target_met is False  # 25 min > 15 min
    assert breached is not None and (breached.this, breached.last) == (1, 0)


def test_handoff_share_against_four_in_five() -> None:
    report = build(ReportKind.HANDOFF, this=THIS, last=LAST, period=WEEK,
                   policy=DEFAULT_POLICY, generated_at=END)
    share = report.figure("handoff.knew_first_move")
    assert share is not None and share.this == 0.6 and share.target_met is False
    assert share.last is None  # nobody rated last week: no share, not 0 %
    bounces = report.figure("handoff.bounces_per_escalation")
    assert bounces is not None and bounces.this == 0.4


def test_utilization_sorted_by_load_with_overload_against_domain_median() -> None:
    report = build(ReportKind.UTILIZATION, this=THIS, last=LAST, period=WEEK,
                   policy=DEFAULT_POLICY, generated_at=END)
    section = report.section("utilization")
    assert section is not None
    rows = section.tables[0].rows
    assert [r[0] for r in rows] == ["U0A", "U0C", "U0B"]  # by open count, not "performance"
    assert rows[0][-1] == "overloaded" and rows[1][-1] == ""


def test_overload_needs_a_clear_margin() -> None:
    assert overloaded([("a|x", 2), ("a|y", 1), ("a|z", 1)]) == set()
    assert overloaded([("a|x", 6), ("a|y", 2), ("a|z", 2)]) == {"a|x"}


def test_deflection_opportunities_ranked_with_their_escalations() -> None:
    report = build(ReportKind.DEFLECTION, this=THIS, last=LAST, period=WEEK,
                   policy=DEFAULT_POLICY, generated_at=END)
    section = report.section("deflection")
    assert section is not None
    row = section.tables[0].rows[0]
    assert row[2] == "4" and "ESC-3" in row[3] and "ESC-15" in row[3]


def test_markdown_lints_clean_and_escapes_user_text() -> None:
    text = to_markdown(digest())  # type: ignore[arg-type]
    assert lint(text) == []
    assert "Okta cert \\| rotation" in text and "\\*IdP\\*" in text
    assert "| Opened | 5 | 5 | ±0 | — |" in text


def test_empty_report_is_still_valid_markdown() -> None:
    report = build(ReportKind.DIGEST, this=PeriodFigures(), last=PeriodFigures(), period=WEEK,
                   policy=DEFAULT_POLICY, generated_at=END)
    text = to_markdown(report)
    assert lint(text) == []
    assert "Nothing is open." in text


def test_json_is_stable_and_machine_readable() -> None:
    first = to_json(digest())  # type: ignore[arg-type]
    assert first == to_json(digest())  # type: ignore[arg-type]
    data = json.loads(first)
    assert data["period"] == {"start": "2026-11-16T09:00:00+00:00",
                              "end": "2026-11-23T09:00:00+00:00"}
    speed = next(s for s in data["sections"] if s["key"] == "speed")
    median = next(f for f in speed["figures"] if f["key"] == "speed.claim.SEV1.median")
    assert median == {"key": "speed.claim.SEV1.median", "label": "SEV1 time to claim, median",
                      "unit": "seconds", "this_period": 600, "previous_period": 300,
                      "change": 300, "target": 900, "target_met": True}


def test_csv_has_one_row_per_figure() -> None:
    rows = list(csv.reader(io.StringIO(to_csv(digest()))))  # type: ignore[arg-type]
    assert tuple(rows[0]) == CSV_COLUMNS
    opened = next(r for r in rows if r[1] == "volume.opened")
    assert opened[4:7] == ["5", "5", "0"]


def test_duration_text() -> None:
    assert duration_text(None) == "—"
    assert duration_text(40) == "40s"
    assert duration_text(59.99996) == "1m"  # float noise from julianday arithmetic
    assert duration_text(3 * 3600 + 600) == "3h 10m"
    assert duration_text(2 * 86400 + 4 * 3600) == "2d 4h"
