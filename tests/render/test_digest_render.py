"""The digest message: valid Block Kit within Slack's limits, user text defused, late noted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.render.digest import SECTION_TEXT_MAX, digest_message
from core.period import Period
from core.policy import DEFAULT_POLICY
from core.report import ReportKind, build
from core.report_data import (
    OpenItem,
    Opportunity,
    PeriodFigures,
    PersonLoad,
    Spread,
    VolumeCell,
)
from tests.slack_contracts import check_message

END = datetime(2026, 11, 23, 8, tzinfo=UTC)
WEEK = Period(END - timedelta(days=7), END)


def report(**changes: object) -> object:
    this = PeriodFigures(
        volume=(VolumeCell("auth", "SEV1", 3, 1, 4),),
        claim=(Spread("SEV1", 3, 600.0, 1500.0, 1),),
        oldest_open=(OpenItem(7, "auth", "SEV1", "U0SPEC", END - timedelta(days=3)),),
        people=tuple(PersonLoad(f"U0SPEC{i:02d}", "auth", owned_in_period=i, open_now=i)
                     for i in range(40)),
        opportunities=(Opportunity("known_issue", "<!channel> cert *rotation*", 4, (3, 9),
                                   ("check the cert",)),),
        **changes,  # type: ignore[arg-type]
    )
    return build(ReportKind.DIGEST, this=this, last=PeriodFigures(), period=WEEK,
                 policy=DEFAULT_POLICY, generated_at=END)


def args(rendered: object) -> dict[str, object]:
    return {"channel": "C0DIGEST01", "text": rendered.text,  # type: ignore[attr-defined]
            "blocks": [b.to_dict() for b in rendered.blocks]}  # type: ignore[attr-defined]


def test_digest_is_valid_block_kit_with_meaningful_fallback() -> None:
    rendered = digest_message(report())  # type: ignore[arg-type]
    check_message(args(rendered))
    assert "3 opened, 1 resolved, 4 still open" in rendered.text
    assert len(rendered.blocks) <= 50


def test_sections_stay_within_slack_limits_and_user_text_cannot_ping() -> None:
    rendered = digest_message(report())  # type: ignore[arg-type]
    body = json.dumps([b.to_dict() for b in rendered.blocks], ensure_ascii=False)
    assert "<!channel>" not in body and "&lt;!channel&gt;" in body
    for block in rendered.blocks:
        text = block.to_dict().get("text", {})
        assert len(text.get("text", "")) <= SECTION_TEXT_MAX if isinstance(text, dict) else True
    assert "…and 35 more in the full report." in body  # 40 specialists, top 5 shown


def test_late_digest_says_so() -> None:
    rendered = digest_message(report(), late_note="Posted late: due 2026-11-23 08:00 UTC")  # type: ignore[arg-type]
    check_message(args(rendered))
    assert rendered.text.startswith("(late)")
    assert "Posted late" in json.dumps([b.to_dict() for b in rendered.blocks])


def test_empty_week_renders() -> None:
    empty = build(ReportKind.DIGEST, this=PeriodFigures(), last=PeriodFigures(), period=WEEK,
                  policy=DEFAULT_POLICY, generated_at=END)
    rendered = digest_message(empty)
    check_message(args(rendered))
    assert "Nothing was claimed in this period." in json.dumps(
        [b.to_dict() for b in rendered.blocks])
