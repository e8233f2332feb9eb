"""Specialist utilization and promises kept from escalations with known times (SQLite and
PostgreSQL): owned hours without the resolved→reopened gap, the share outside the timers'
business hours (per domain, across DST), and status updates on time against the reminders."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

from sqlmodel import Session

from commands.reports import make_report
from core.business_hours import BusinessHours
from core.period import Period
from core.policy import DEFAULT_POLICY, Policy
from core.report import Report, ReportKind
from core.report_format import to_dict
from storage import repository as repo
from storage.database import Database
from storage.tables import NudgeRow
from tests.reports.seed import escalation

END = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
WEEK = Period(END - timedelta(days=7), END)
H = timedelta(hours=1)
MIN = timedelta(minutes=1)


def u(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def report(db: Database, *, period: Period = WEEK, policy: Policy = DEFAULT_POLICY,
           kind: ReportKind = ReportKind.DIGEST) -> Report:
    return make_report(db, kind=kind, period=period, policy=policy, now=period.end).report


def value(r: Report, key: str) -> tuple[float | None, float | None]:
    fig = r.figure(key)
    assert fig is not None, key
    return fig.this, fig.last


def people(r: Report) -> dict[str, tuple[str, ...]]:
    section = r.section("utilization")
    assert section is not None
    return {f"{row[0]}|{row[1]}": row for row in section.tables[0].rows}


def close(a: float | None, b: float) -> bool:
    return a is not None and abs(a - b) < 1e-6


def test_empty_week(db: Database) -> None:
    r = report(db)
    assert value(r, "utilization.outside_hours") == (None, None)
    assert value(r, "utilization.updates_on_time") == (None, None)
    assert value(r, "promises.updates_on_time") == (None, None)
    assert value(r, "promises.updates_due") == (0, 0)
    assert value(r, "promises.nudges_sent") == (0, 0)
    assert people(r) == {}


def test_one_escalation_inside_and_outside_business_hours(db: Database) -> None:
    """Default business hours (UTC, Mon–Fri 09:00–17:30): owned Tuesday 08:00–20:00 is 12 h,
    8.5 h inside, 3.5 h outside."""
    with db.transaction() as s:
        escalation(s, created=u(2026, 11, 17, 7, 50), posted=MIN * 0, claimed=10 * MIN,
                   owner="U0A", resolved=timedelta(hours=12, minutes=10))
    r = report(db, kind=ReportKind.UTILIZATION)
    row = people(r)["U0A|auth"]
    assert row[4:6] == ("12.0", "29%")
    assert close(value(r, "utilization.outside_hours")[0], 3.5 / 12)
    domains = r.section("utilization").tables[1].rows  # type: ignore[union-attr]
    assert domains == (("auth", "12.0 (0.0)", "29% (—)"),)


def test_spanning_the_week_boundary(db: Database) -> None:
    """Claimed Sunday 20:00 before the week and still open: last week owned 13 h, all outside
    business hours; this week all 168 h, 5 × 8.5 h of them inside."""
    with db.transaction() as s:
        escalation(s, created=u(2026, 11, 15, 19, 0), claimed=H, owner="U0A",
                   accepted=2 * H)
    r = report(db)
    assert value(r, "utilization.owned_hours") == (168.0, 13.0)
    this, last = value(r, "utilization.outside_hours")
    assert close(this, (168 - 42.5) / 168) and close(last, 1.0)


def test_reopen_gap_is_not_owned(db: Database) -> None:
    """Owned Wednesday 10:00–12:00, resolved, reopened Saturday 10:00 and resolved at 11:00:
    3 owned hours (not the 70 h between), one of them on the weekend."""
    with db.transaction() as s:
        eid = escalation(s, created=u(2026, 11, 18, 9, 0), claimed=H, owner="U0A",
                         resolved=3 * H)
        repo.add_audit(s, escalation_id=eid, actor="U0AGENT", kind="reopened",
                       at=u(2026, 11, 21, 10, 0))
        repo.add_audit(s, escalation_id=eid, actor="U0A", kind="resolved",
                       at=u(2026, 11, 21, 11, 0))
    row = people(report(db))["U0A|auth"]
    assert row[4:6] == ("3.0", "33%")


def test_dst_and_per_domain_business_hours(db: Database) -> None:
    """New York hours by default, Berlin's for billing, in the week New York leaves DST
    (2026-11-01): 09:00 New York is 13:00 UTC on Friday and 14:00 UTC on Monday."""
    timers = replace(DEFAULT_POLICY.timers,
                     hours=BusinessHours(timezone="America/New_York", start=time(9),
                                         end=time(17, 30)),
                     domain_hours={"billing": BusinessHours(timezone="Europe/Berlin",
                                                            start=time(9), end=time(17, 30))})
    policy = replace(DEFAULT_POLICY, timers=timers)
    period = Period(u(2026, 10, 29, 0, 0), u(2026, 11, 5, 0, 0))
    with db.transaction() as s:
        # Friday 12:00 UTC (08:00 EDT) to Monday 15:00 UTC (10:00 EST): 75 h owned, inside
        # Friday 13:00–21:30 and Monday 14:00–15:00 UTC = 9.5 h.
        escalation(s, created=u(2026, 10, 30, 11, 0), claimed=H, owner="U0A",
                   resolved=timedelta(hours=76))
        # Billing, Monday 07:00–09:00 UTC: Berlin (CET) opens at 08:00 UTC, so half inside.
        escalation(s, created=u(2026, 11, 2, 6, 0), claimed=H, owner="U0B", domain="billing",
                   resolved=3 * H)
    rows = people(report(db, period=period, policy=policy, kind=ReportKind.UTILIZATION))
    assert rows["U0A|auth"][4:6] == ("75.0", f"{65.5 / 75:.0%}")
    assert rows["U0B|billing"][4:6] == ("2.0", "50%")


def _nudge(s: Session, eid: int, *, basis: str, stage: int, due: datetime,
           acted: datetime | None = None) -> None:
    s.add(NudgeRow(escalation_id=eid, kind="update", basis=basis, stage=stage,
                   action="update_due" if stage == 0 else "update_overdue_owner",
                   due_at=due, at=due + MIN, audience="thread", acted_at=acted))


def test_updates_on_time_match_the_reminders(db: Database) -> None:
    """SEV2 (update every 2 h): one update before its reminder (on time); one clock whose
    reminder fired and was then answered (late: one due, however many rungs fired); one
    clock whose reminder fired and nobody answered; a clock that fell due last week. SEV4 has
    no cadence: its update is not counted."""
    start = WEEK.start
    with db.transaction() as s:
        eid = escalation(s, created=start - 4 * H, claimed=H, accepted=2 * H, owner="U0A")
        _nudge(s, eid, basis="update@b0", stage=0, due=start - H,
               acted=start + 30 * MIN)
        _nudge(s, eid, basis="update@b0", stage=1, due=start + 10 * MIN,
               acted=start + 30 * MIN)
        repo.add_audit(s, escalation_id=eid, actor="U0A", kind="update_posted",
                       at=start + 30 * MIN)  # late: answers last week's due
        repo.add_audit(s, escalation_id=eid, actor="U0A", kind="update_posted",
                       at=start + 2 * H)     # on time
        _nudge(s, eid, basis="update@b2", stage=0, due=start + 4 * H, acted=start + 6 * H)
        _nudge(s, eid, basis="update@b2", stage=1, due=start + 5 * H, acted=start + 6 * H)
        repo.add_audit(s, escalation_id=eid, actor="U0A", kind="update_posted",
                       at=start + 6 * H)     # late
        _nudge(s, eid, basis="update@b3", stage=0, due=start + 8 * H)  # never answered
        sev4 = escalation(s, created=start, severity="SEV4", claimed=H, accepted=2 * H,
                          owner="U0B")
        repo.add_audit(s, escalation_id=sev4, actor="U0B", kind="update_posted",
                       at=start + 3 * H)
    r = report(db)
    assert value(r, "promises.updates_due") == (3, 1)
    assert value(r, "promises.updates_on_time") == (1 / 3, 0.0)
    assert value(r, "promises.updates_on_time.SEV2") == (1 / 3, 0.0)
    assert r.figure("promises.updates_on_time.SEV4") is None
    assert value(r, "promises.nudges_sent") == (4, 1)
    assert value(r, "promises.nudges_acted") == (3 / 4, 1.0)
    rows = people(r)
    assert rows["U0A|auth"][8] == "1/3"
    assert rows["U0B|auth"][8] == "—"
    # One source: the utilization figure is the owners' sum, equal to the SEVs' sum.
    assert value(r, "utilization.updates_on_time") == value(r, "promises.updates_on_time")
    figures = {f["key"]: f for s in to_dict(r)["sections"] for f in s["figures"]}
    assert figures["promises.updates_on_time"]["this_period"] == round(1 / 3, 3)


def test_returned_to_the_queue(db: Database) -> None:
    with db.transaction() as s:
        eid = escalation(s, created=END - 2 * H, claimed=MIN)
        repo.add_audit(s, escalation_id=eid, actor="bot", kind="returned_to_queue",
                       at=END - H)
    assert value(report(db), "promises.returned_to_queue") == (1, 0)
