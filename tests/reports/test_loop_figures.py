"""Handoff quality, failure modes and deflection opportunities from the feedback loop's data,
each matching the escalations behind it (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from commands import escalate
from commands.context import Context
from commands.reports import make_report
from core.model import Domain
from core.period import Period
from core.policy import DEFAULT_POLICY
from core.report import Report, ReportKind
from storage.database import Database
from tests.builders import good_answers
from tests.fakes import InMemorySlack
from tests.reports import seed

END = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WEEK = Period(END - timedelta(days=7), END)
DAY = timedelta(days=1)


def build(db: Database, kind: ReportKind = ReportKind.DIGEST) -> Report:
    return make_report(db, kind=kind, period=WEEK, policy=DEFAULT_POLICY, now=END).report


def value(report: Report, key: str) -> tuple[float | None, float | None]:
    fig = report.figure(key)
    assert fig is not None, key
    return fig.this, fig.last


def test_handoff_ratings_against_four_in_five(db: Database) -> None:
    with db.transaction() as s:
        ids = [seed.escalation(s, created=END - 3 * DAY, claimed=timedelta(minutes=5),
                               owner="U0SPEC") for _ in range(5)]
        for eid, given in zip(ids, ("yes", "yes", "yes", "partly", "had_to_ask"), strict=True):
            seed.rating(s, escalation_id=eid, at=END - 2 * DAY, rating=given)
        old = seed.escalation(s, created=END - 10 * DAY, claimed=timedelta(minutes=5),
                              owner="U0SPEC")
        seed.rating(s, escalation_id=old, at=END - 9 * DAY, rating="yes")
    report = build(db, ReportKind.HANDOFF)
    assert value(report, "handoff.knew_first_move") == (0.6, 1.0)
    share = report.figure("handoff.knew_first_move")
    assert share is not None and share.target_met is False
    assert value(report, "handoff.had_to_ask") == (1, 0)
    assert value(report, "failures.had_to_ask") == (1, 0)


def test_bounces_per_resolved_escalation(db: Database) -> None:
    with db.transaction() as s:
        a = seed.escalation(s, created=END - 4 * DAY, resolved=DAY, bounces=3)
        seed.escalation(s, created=END - 4 * DAY, resolved=DAY, bounces=0)
        seed.info_request(s, escalation_id=a, at=END - 3 * DAY - timedelta(hours=1))
        seed.info_request(s, escalation_id=a, at=END - 3 * DAY - timedelta(hours=2))
    report = build(db, ReportKind.HANDOFF)
    assert value(report, "handoff.bounces_per_escalation") == (1.5, None)
    assert value(report, "failures.bounced") == (1, 0)  # escalations bounced, not questions


def test_failure_modes_from_resolutions_severity_and_handoffs(db: Database) -> None:
    with db.transaction() as s:
        a = seed.escalation(s, created=END - 4 * DAY, resolved=DAY)
        b = seed.escalation(s, created=END - 4 * DAY, resolved=DAY)
        c = seed.escalation(s, created=END - 4 * DAY, resolved=DAY)
        seed.resolution(s, escalation_id=a, at=END - 3 * DAY, category="user_error",
                        root_cause="SSO button hidden")
        seed.resolution(s, escalation_id=b, at=END - 3 * DAY, category="known_issue",
                        root_cause="Cert rotation")
        seed.resolution(s, escalation_id=c, at=END - 3 * DAY, category="code_fix",
                        root_cause="Null pointer")
        seed.severity_change(s, escalation_id=a, at=END - 3 * DAY, before="SEV3", after="SEV2")
        seed.severity_change(s, escalation_id=b, at=END - 3 * DAY, before="SEV2", after="SEV3")
        seed.handoff(s, escalation_id=c, at=END - 3 * DAY)  # pending for days
        seed.handoff(s, escalation_id=a, at=END - 3 * DAY, decided=END - 3 * DAY + 3600 * (
            timedelta(seconds=1)))  # accepted within the hour
        seed.handoff(s, escalation_id=b, at=END - timedelta(hours=2))  # not a day old yet
    report = build(db)
    assert value(report, "failures.over_escalated") == (2, 0)
    assert value(report, "failures.severity_raised") == (1, 0)
    assert value(report, "failures.stale_handoffs") == (1, 0)


def test_deflection_opportunities_match_their_escalations(db: Database) -> None:
    with db.transaction() as s:
        ids = []
        for i in range(3):
            eid = seed.escalation(s, created=END - 4 * DAY, resolved=DAY)
            ids.append(eid)
            seed.resolution(s, escalation_id=eid, at=END - 3 * DAY + i * timedelta(hours=1),
                            category="known_issue",
                            root_cause="  Okta certificate rotation " if i else
                            "okta certificate rotation",
                            takeaway=f"Check the IdP certificate date ({i})")
        other = seed.escalation(s, created=END - 4 * DAY, resolved=DAY)
        seed.resolution(s, escalation_id=other, at=END - 3 * DAY, category="documentation_gap",
                        root_cause="Webhook retries undocumented")
        fixed = seed.escalation(s, created=END - 4 * DAY, resolved=DAY)
        seed.resolution(s, escalation_id=fixed, at=END - 3 * DAY, category="code_fix",
                        root_cause="Race in the job runner")
        warranted = seed.escalation(s, created=END - 4 * DAY, resolved=DAY)
        seed.resolution(s, escalation_id=warranted, at=END - 3 * DAY, category="code_fix",
                        root_cause="Rate limit on exports", kb_warranted=True)
    report = build(db, ReportKind.DEFLECTION)
    section = report.section("deflection")
    assert section is not None
    rows = section.tables[0].rows
    assert len(rows) == 3  # the plain code fix is not a KB article
    top = rows[0]
    assert top[0] == "known_issue" and top[2] == "3"
    assert top[3] == ", ".join(f"ESC-{i}" for i in ids)
    assert "Check the IdP certificate date (2)" in top[4]
    assert value(report, "deflection.opportunities") == (5, 0)


def test_weak_checklist_items_recorded_at_submit(db: Database) -> None:
    ctx = Context(db=db, slack=InMemorySlack(),
                  domains={"auth": Domain("auth", "Auth", "C0AUTH0001")},
                  clock=lambda: END - DAY)
    escalate.submit(ctx, key="k1", requester="U0AGENT",
                    answers=good_answers(END - DAY, evidence_links=None))
    escalate.submit(ctx, key="k2", requester="U0AGENT",
                    answers=good_answers(END - DAY, evidence_links=None, posture=None,
                                         deadline=None, renewal_at_stake=False))
    escalate.submit(ctx, key="k3", requester="U0AGENT", answers=good_answers(END - DAY))
    report = build(db, ReportKind.HANDOFF)
    section = report.section("handoff")
    assert section is not None
    assert section.tables[0].rows == (("evidence_links", "2"), ("posture", "1"))
