"""Every report figure from escalations with known times, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from commands.reports import make_report
from core.period import DigestSchedule, Period
from core.policy import DEFAULT_POLICY
from core.report import Report, ReportKind
from storage import repository as repo
from storage.database import Database
from tests.reports.seed import escalation

END = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WEEK = Period(END - timedelta(days=7), END)
MIN = timedelta(minutes=1)


def digest(db: Database, period: Period = WEEK, domain: str | None = None) -> Report:
    return make_report(db, kind=ReportKind.DIGEST, period=period, policy=DEFAULT_POLICY,
                       now=period.end, domain=domain).report


def value(report: Report, key: str) -> tuple[float | None, float | None]:
    fig = report.figure(key)
    assert fig is not None, key
    return fig.this, fig.last


def test_empty_week(db: Database) -> None:
    report = digest(db)
    assert value(report, "volume.opened") == (0, 0)
    assert value(report, "volume.open_at_end") == (0, 0)
    assert report.figure("speed.claim.SEV1.median") is None
    volume = report.section("volume")
    assert volume is not None and volume.tables[1].rows == ()


def test_one_escalation(db: Database) -> None:
    with db.transaction() as s:
        escalation(s, created=END - timedelta(days=2), severity="SEV1",
                   posted=timedelta(seconds=5), claimed=timedelta(minutes=10), owner="U0SPEC")
    report = digest(db)
    assert value(report, "volume.opened") == (1, 0)
    assert value(report, "volume.opened.SEV1") == (1, 0)
    assert value(report, "volume.open_at_end") == (1, 0)
    assert value(report, "speed.claim.SEV1.median") == (595, None)
    assert value(report, "speed.claim.SEV1.breached") == (0, 0)
    volume = report.section("volume")
    assert volume is not None
    assert volume.tables[1].rows == (("ESC-1", "auth", "SEV1", "U0SPEC", "2d"),)


def test_escalation_spanning_the_week_boundary(db: Database) -> None:
    """Opened last week, claimed and resolved this week: each fact lands in its own week."""
    with db.transaction() as s:
        escalation(s, created=WEEK.start - timedelta(hours=3), severity="SEV2",
                   claimed=timedelta(hours=4), owner="U0SPEC", resolved=timedelta(hours=30))
    report = digest(db)
    assert value(report, "volume.opened") == (0, 1)
    assert value(report, "volume.open_at_end") == (0, 1)  # open at last week's end
    assert value(report, "volume.resolved") == (1, 0)
    assert value(report, "speed.claim.SEV2.median")[0] == 4 * 3600 - 5
    assert value(report, "speed.claim.SEV2.breached") == (1, 0)  # SEV2 must be claimed in 30m
    assert value(report, "speed.resolve.SEV2.median") == (30 * 3600, None)


def test_reopened_escalation_is_open_again(db: Database) -> None:
    with db.transaction() as s:
        eid = escalation(s, created=END - timedelta(days=3), claimed=MIN, owner="U0SPEC",
                         resolved=timedelta(days=1), state="claimed")
        repo.add_audit(s, escalation_id=eid, actor="U0AGENT", kind="reopened",
                       at=END - timedelta(days=1))
    assert value(digest(db), "volume.open_at_end") == (1, 0)


def test_resolved_before_the_end_and_reopened_after_it_was_not_open(db: Database) -> None:
    """Resolved last week, reopened and resolved again this week: not open at last week's
    end, not open at this week's end; owned hours run from the reopening to the second
    resolution (the time between the first resolution and the reopening is nobody's work)."""
    with db.transaction() as s:
        eid = escalation(s, created=WEEK.start - timedelta(days=3), claimed=MIN,
                         owner="U0SPEC", resolved=timedelta(days=1))
        repo.add_audit(s, escalation_id=eid, actor="U0AGENT", kind="reopened",
                       at=WEEK.start + timedelta(days=1))
        repo.add_audit(s, escalation_id=eid, actor="U0SPEC", kind="resolved",
                       at=WEEK.start + timedelta(days=2))
    report = digest(db)
    assert value(report, "volume.open_at_end") == (0, 0)
    assert value(report, "volume.resolved") == (1, 1)
    people = report.section("utilization")
    assert people is not None
    assert people.tables[0].rows[0][:5] == ("U0SPEC", "auth", "0", "0", "24.0")


def test_median_and_p90_are_nearest_rank(db: Database) -> None:
    with db.transaction() as s:
        for minutes in range(1, 11):  # claimed 1 … 10 minutes after posting
            escalation(s, created=END - timedelta(days=1), severity="SEV3", posted=MIN * 0,
                       claimed=MIN * minutes, owner="U0SPEC")
    report = digest(db)
    assert value(report, "speed.claim.SEV3.median") == (300, None)
    assert value(report, "speed.claim.SEV3.p90") == (540, None)


def test_under_escalation_and_late_claims(db: Database) -> None:
    with db.transaction() as s:
        # SEV1's queue threshold is 1 h: reported 2 h before escalating is under-escalated.
        escalation(s, created=END - timedelta(days=1), severity="SEV1",
                   reported=timedelta(hours=2))
        escalation(s, created=END - timedelta(days=1), severity="SEV1",
                   reported=timedelta(minutes=30), claimed=timedelta(minutes=5), owner="U1")
        # SEV1 must be claimed within 15 min of posting: one still unclaimed at 20 min …
        escalation(s, created=END - timedelta(minutes=20), severity="SEV1", posted=MIN * 0)
        # … and one posted 10 min before the end (its deadline is next week).
        escalation(s, created=END - timedelta(minutes=10), severity="SEV1", posted=MIN * 0)
    report = digest(db)
    assert value(report, "failures.under_escalated") == (1, 0)
    # The first escalation is unclaimed past its deadline too.
    assert value(report, "failures.unclaimed_past_deadline") == (2, 0)


def test_utilization_per_specialist(db: Database) -> None:
    with db.transaction() as s:
        # Claimed 2 days before the end and still open: 48 owned hours this week.
        escalation(s, created=END - timedelta(days=2), claimed=MIN * 0, posted=MIN * 0,
                   owner="U0A")
        # Claimed before the week, resolved 1 day into it: 24 owned hours this week.
        escalation(s, created=WEEK.start - timedelta(days=1), posted=MIN * 0,
                   claimed=MIN * 0, owner="U0A", resolved=timedelta(days=2))
        escalation(s, created=END - timedelta(days=1), claimed=MIN * 30, posted=MIN * 0,
                   owner="U0B", domain="billing")
    report = make_report(db, kind=ReportKind.UTILIZATION, period=WEEK, policy=DEFAULT_POLICY,
                         now=END).report
    section = report.section("utilization")
    assert section is not None
    rows = {r[0]: r for r in section.tables[0].rows}
    assert rows["U0A"][1:5] == ("auth", "1", "1", "72.0")
    assert rows["U0B"][1:5] == ("billing", "1", "1", "23.5")  # claimed 30 min in
    assert rows["U0B"][6] == "30m"


def test_domain_filter(db: Database) -> None:
    with db.transaction() as s:
        escalation(s, created=END - timedelta(days=1), domain="auth")
        escalation(s, created=END - timedelta(days=1), domain="billing")
        escalation(s, created=END - timedelta(days=1), domain="billing")
    assert value(digest(db, domain="billing"), "volume.opened") == (2, 0)
    assert value(digest(db, domain="auth"), "volume.opened") == (1, 0)


def test_weekly_series_for_the_chart(db: Database) -> None:
    with db.transaction() as s:
        for weeks_back in (0, 0, 1, 7):
            escalation(s, created=END - timedelta(weeks=weeks_back, days=1),
                       resolved=timedelta(hours=1))
        escalation(s, created=END - timedelta(weeks=9))  # outside the 8 weeks
    series = make_report(db, kind=ReportKind.DIGEST, period=WEEK, policy=DEFAULT_POLICY,
                         now=END, series=True).series
    assert series is not None
    assert series.opened == (1, 0, 0, 0, 0, 0, 1, 2)
    assert series.resolved == (1, 0, 0, 0, 0, 0, 1, 2)
    assert series.week_starts[-1] == WEEK.start


def test_digest_week_follows_local_time_across_dst(db: Database) -> None:
    """Berlin digest, Monday 09:00: the week before 2026-03-30 is 167 h; an escalation at
    08:30 CET on Monday 23 March belongs to the week before it, one at 09:30 CET to it."""
    schedule = DigestSchedule("mon", time(9, 0), "Europe/Berlin")
    due = schedule.next_after(datetime(2026, 3, 28, tzinfo=UTC))
    week = schedule.week_ending(due)
    with db.transaction() as s:
        escalation(s, created=datetime(2026, 3, 23, 7, 30, tzinfo=UTC))  # 08:30 CET
        escalation(s, created=datetime(2026, 3, 23, 8, 30, tzinfo=UTC))  # 09:30 CET
        escalation(s, created=datetime(2026, 3, 30, 6, 30, tzinfo=UTC))  # 08:30 CEST
        escalation(s, created=datetime(2026, 3, 30, 7, 30, tzinfo=UTC))  # 09:30 CEST: next
    report = digest(db, week)
    assert value(report, "volume.opened") == (2, 1)
