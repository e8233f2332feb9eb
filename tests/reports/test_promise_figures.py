"""Promises kept against the clocks, as a lead reads them (SQLite and PostgreSQL): customer
updates on time / late / missed per SEV, and every due credited to whoever owned the
escalation when it was due — a handoff between two due times credits each owner with their
own. Built from escalations with known times (a controlled clock), read back from the Slack
digest, the Markdown, the JSON and the CSV of the same report."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from bot.render.digest import digest_message
from commands.reports import make_report
from core.period import Period
from core.policy import DEFAULT_POLICY
from core.report import Report, ReportKind
from core.report_format import to_csv, to_json, to_markdown
from storage import repository as repo
from storage.database import Database
from storage.tables import EscalationRow, NudgeRow
from tests.markdown_lint import lint
from tests.reports.seed import escalation, severity_change

END = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
WEEK = Period(END - timedelta(days=7), END)
START = WEEK.start
H = timedelta(hours=1)
MIN = timedelta(minutes=1)
SEC = timedelta(seconds=1)


def report(db: Database, kind: ReportKind = ReportKind.DIGEST) -> Report:
    return make_report(db, kind=kind, period=WEEK, policy=DEFAULT_POLICY, now=END).report


def digest_text(r: Report) -> str:
    return "\n".join(b.text.text for b in digest_message(r).blocks  # type: ignore[attr-defined]
                     if getattr(b, "text", None) is not None and hasattr(b.text, "text"))


def figures(r: Report) -> dict[str, dict[str, object]]:
    return {f["key"]: f for s in json.loads(to_json(r))["sections"] for f in s["figures"]}


def tables(r: Report) -> dict[str, list[list[str]]]:
    return {t["key"]: t["rows"] for s in json.loads(to_json(r))["sections"]
            for t in s["tables"]}


def nudge(s: Session, eid: int, *, clock: str, basis: str, due: datetime,
          acted: datetime | None = None, stage: int = 0) -> None:
    action = {"update": "update_due" if stage == 0 else "update_overdue_owner",
              "customer_update": "customer_update_due"}[clock]
    s.add(NudgeRow(escalation_id=eid, kind=clock, basis=basis, stage=stage, action=action,
                   due_at=due, at=due + MIN, audience="thread", acted_at=acted))


def update(s: Session, eid: int, *, by: str, at: datetime) -> None:
    repo.add_audit(s, escalation_id=eid, actor=by, kind="update_posted", at=at)


def hand_over(s: Session, eid: int, *, to: str, at: datetime) -> None:
    """The handoff accepted: ``to`` owns it from ``at`` (as commands.ownership stores it)."""
    repo.add_audit(s, escalation_id=eid, actor=to, kind="handoff_accepted", at=at)
    row = s.get(EscalationRow, eid)
    assert row is not None
    row.owner_id = to
    s.add(row)


def told(s: Session, eid: int, *, by: str = "U0AGENT", at: datetime) -> None:
    """The requester recorded giving the customer an update (*Customer told*)."""
    repo.add_audit(s, escalation_id=eid, actor=by, kind="customer_told", at=at)


def test_empty_week_shows_no_customer_update_due(db: Database) -> None:
    r = report(db)
    f = figures(r)
    assert f["promises.customer_updates_due"]["this_period"] == 0
    assert f["promises.customer_updates_on_time"]["this_period"] is None
    assert tables(r)["customer_updates"] == [] and tables(r)["customer_agents"] == []
    assert "Customer updates on time: *—*" in digest_text(r)
    assert "No customer update was due." in to_markdown(r)


def test_customer_updates_on_time_late_and_missed_per_sev(db: Database) -> None:
    """SEV1 (customer update every 30 min): told before the customer reminder (on time),
    told after a reminder fired (late: one due, counted as missed), a reminder nobody
    answered (missed); a status update alone tells no customer. SEV2: told on time by
    another agent. SEV4 has no cadence: not counted."""
    with db.transaction() as s:
        sev1 = escalation(s, created=START + H, severity="SEV1", claimed=MIN, owner="U0A",
                          accepted=2 * MIN)
        update(s, sev1, by="U0A", at=START + H + 10 * MIN)              # not a customer update
        told(s, sev1, at=START + H + 20 * MIN)                          # on time
        nudge(s, sev1, clock="customer_update", basis="customer_update@b1",
              due=START + H + 50 * MIN, acted=START + 2 * H)
        told(s, sev1, at=START + 2 * H)                                 # late
        nudge(s, sev1, clock="customer_update", basis="customer_update@b2",
              due=START + 2 * H + 30 * MIN)                             # missed
        sev2 = escalation(s, created=START + H, severity="SEV2", claimed=MIN, owner="U0B",
                          accepted=2 * MIN, domain="billing", requester="U0AGENT2")
        told(s, sev2, by="U0AGENT2", at=START + 2 * H)                  # on time
        sev4 = escalation(s, created=START + H, severity="SEV4", claimed=MIN, owner="U0B",
                          accepted=2 * MIN)
        told(s, sev4, at=START + 2 * H)                                 # no cadence
    r = report(db)
    f = figures(r)
    assert f["promises.customer_updates_due"]["this_period"] == 4
    assert f["promises.customer_updates_on_time"]["this_period"] == 0.5
    assert f["promises.customer_updates_on_time.SEV1"]["this_period"] == round(1 / 3, 3)
    assert f["promises.customer_updates_on_time.SEV2"]["this_period"] == 1.0
    assert "promises.customer_updates_on_time.SEV4" not in f
    assert tables(r)["customer_updates"] == [["SEV1", "1", "3"], ["SEV2", "1", "1"]]
    assert tables(r)["customer_agents"] == [["U0AGENT", "1", "3", None],  # JSON: no name
                                            ["U0AGENT2", "1", "1", None]]
    # The Slack digest (and /escalation report, which posts the same blocks) …
    text = digest_text(r)
    assert "Customer updates on time: *50%*" in text
    assert "On time / due by SEV: SEV1 1/3 · SEV2 1/1" in text
    assert "By support agent: U0AGENT 1/3 · U0AGENT2 1/1" in text  # ids: no names cached
    assert "<@" not in text  # people by name as plain text, never mentions (no pings)
    # … the Markdown, the CSV.
    markdown = to_markdown(r)
    assert "### Customer updates on time per SEV" in markdown
    assert "| SEV1 | 1 | 3 |" in markdown and "| U0AGENT2 | 1 | 1 |" in markdown
    assert lint(markdown) == []
    assert "promises,promises.customer_updates_on_time,Customer updates on time,ratio,0.5," \
        in to_csv(r)
    # The status-update figure is its own: no update reminder fired, both on time.
    assert f["promises.updates_on_time"]["this_period"] == 1.0
    assert f["promises.updates_due"]["this_period"] == 1


def test_handoff_between_two_due_times_credits_each_owner(db: Database) -> None:
    """U0A owns it until the handoff at +4 h: one update on time, one reminder missed. U0B
    owns it after: one update on time, one reminder missed. Each is credited with their own,
    not everything with U0B, who owns it now. Customer updates stay support's."""
    with db.transaction() as s:
        eid = escalation(s, created=START, severity="SEV2", claimed=MIN, owner="U0A",
                         accepted=2 * MIN)
        update(s, eid, by="U0A", at=START + H)                          # U0A on time
        nudge(s, eid, clock="update", basis="update@b1", due=START + 3 * H,
              acted=START + 3 * H + 30 * MIN)                           # U0A missed
        update(s, eid, by="U0A", at=START + 3 * H + 30 * MIN)           # late
        hand_over(s, eid, to="U0B", at=START + 4 * H)
        update(s, eid, by="U0B", at=START + 5 * H)                      # U0B on time
        nudge(s, eid, clock="update", basis="update@b2", due=START + 8 * H)  # U0B missed
        nudge(s, eid, clock="customer_update", basis="customer_update@b1",
              due=START + 6 * H)                                        # the requester's
    r = report(db)
    header = next(t["columns"] for s in json.loads(to_json(r))["sections"]
                  for t in s["tables"] if t["key"] == "people")
    people = {row[0]: dict(zip(header, row, strict=True)) for row in tables(r)["people"]}
    assert people["U0A"]["Updates on time"] == "1/2"
    assert people["U0B"]["Updates on time"] == "1/2"
    text = digest_text(r)
    assert "U0A (auth): 0 open now, 1 owned this period" in text
    assert "U0B (auth): 1 open now, 1 owned this period" in text
    assert text.count("updates on time 1/2") == 2
    assert "<@" not in text
    f = figures(r)
    assert f["promises.updates_due"]["this_period"] == 4
    assert f["utilization.updates_on_time"]["this_period"] == 0.5
    assert tables(r)["customer_agents"] == [["U0AGENT", "0", "1", None]]  # no name cached


def test_returned_to_the_queue_dues_count_for_nobody(db: Database) -> None:
    """A reminder that fell due while the escalation was back in the queue counts per SEV,
    for no specialist; the one due after U0C claimed it is U0C's."""
    with db.transaction() as s:
        eid = escalation(s, created=START, severity="SEV1", claimed=MIN, owner="U0A",
                         accepted=2 * MIN)
        repo.add_audit(s, escalation_id=eid, actor="bot", kind="returned_to_queue",
                       at=START + 30 * MIN)
        nudge(s, eid, clock="update", basis="update@b1", due=START + 40 * MIN)
        repo.add_audit(s, escalation_id=eid, actor="U0C", kind="claimed", at=START + H)
        row = s.get(EscalationRow, eid)
        assert row is not None
        row.owner_id = "U0C"
        nudge(s, eid, clock="update", basis="update@b2", due=START + 2 * H)
    r = report(db)
    assert tables(r)["updates"] == [["SEV1", "0", "2"]]
    header = next(t["columns"] for s in json.loads(to_json(r))["sections"]
                  for t in s["tables"] if t["key"] == "people")
    people = {row[0]: dict(zip(header, row, strict=True)) for row in tables(r)["people"]}
    assert people["U0A"]["Updates on time"] == "—"
    assert people["U0C"]["Updates on time"] == "0/1"


def test_week_boundary(db: Database) -> None:
    """A customer reminder that fell due just before the week is last week's miss even when
    its answer comes this week; a told this week with no reminder pending is on time; a
    reminder due at the very end of the week is next week's. The same for a status update
    across a handoff: last week's miss stays U0A's."""
    with db.transaction() as s:
        eid = escalation(s, created=START - 3 * H, severity="SEV2", claimed=MIN, owner="U0A",
                         accepted=2 * MIN)
        nudge(s, eid, clock="customer_update", basis="customer_update@b0",
              due=START - MIN, acted=START + 10 * MIN)
        told(s, eid, at=START + 10 * MIN)                               # late: not on time
        told(s, eid, at=START + 2 * H)                                  # on time
        nudge(s, eid, clock="customer_update", basis="customer_update@b9", due=END)
        nudge(s, eid, clock="update", basis="update@b0", due=START - MIN,
              acted=START + 10 * MIN)
        update(s, eid, by="U0A", at=START + 10 * MIN)                   # late
        hand_over(s, eid, to="U0B", at=START + H)
        update(s, eid, by="U0B", at=START + 2 * H)                      # on time
    r = report(db)
    f = figures(r)
    assert f["promises.customer_updates_due"]["this_period"] == 1
    assert f["promises.customer_updates_due"]["previous_period"] == 1
    assert f["promises.customer_updates_on_time"]["this_period"] == 1.0
    assert f["promises.customer_updates_on_time"]["previous_period"] == 0.0
    assert tables(r)["customer_agents"] == [["U0AGENT", "1", "1", None]]
    header = next(t["columns"] for s in json.loads(to_json(r))["sections"]
                  for t in s["tables"] if t["key"] == "people")
    people = {row[0]: dict(zip(header, row, strict=True)) for row in tables(r)["people"]}
    assert people["U0B"]["Updates on time"] == "1/1"
    assert people.get("U0A", {"Updates on time": "—"})["Updates on time"] == "—"


def test_handoff_splits_owned_hours_and_claim_speed_stays_with_the_claimer(
        db: Database) -> None:
    """U0A claims (10 min after the post), accepts (20 min later) and hands over to U0B at
    +4 h; U0B resolves it at +10 h. Each specialist's row shows their own part: U0A took it
    on, owned it 3.8 h and has the claim and accept times; U0B took it on by the handoff and
    owned it 6 h."""
    with db.transaction() as s:
        eid = escalation(s, created=START, severity="SEV2", claimed=10 * MIN + 5 * SEC,
                         owner="U0A", accepted=30 * MIN + 5 * SEC, resolved=10 * H)
        hand_over(s, eid, to="U0B", at=START + 4 * H)
    r = report(db, ReportKind.UTILIZATION)
    header = next(t["columns"] for s in json.loads(to_json(r))["sections"]
                  for t in s["tables"] if t["key"] == "people")
    people = {row[0]: dict(zip(header, row, strict=True)) for row in tables(r)["people"]}
    assert {k: people["U0A"][k] for k in ("Owned", "Owned hours", "Median to claim",
                                          "Median to accept")} == \
        {"Owned": "1", "Owned hours": "3.8", "Median to claim": "10m",
         "Median to accept": "20m"}
    assert {k: people["U0B"][k] for k in ("Owned", "Owned hours", "Median to claim",
                                          "Median to accept")} == \
        {"Owned": "1", "Owned hours": "6.0", "Median to claim": "—", "Median to accept": "—"}
    text = digest_text(r)
    assert "U0A (auth): 0 open now, 1 owned this period, 3.8 h (" in text
    assert "U0B (auth): 0 open now, 1 owned this period, 6.0 h (" in text
    assert figures(r)["utilization.owned_hours"]["this_period"] == 9.8


def test_each_due_counts_for_the_severity_it_had_then(db: Database) -> None:
    """A SEV3 raised to SEV1 at +4 h: the reminder missed and the late update before the raise
    are SEV3's, the update and the miss after it SEV1's. A SEV4 (no cadence) raised to SEV2:
    its update before the raise is not counted, the one after is."""
    with db.transaction() as s:
        raised = escalation(s, created=START, severity="SEV1", claimed=MIN, owner="U0A",
                            accepted=2 * MIN)
        nudge(s, raised, clock="update", basis="update@b1", due=START + 2 * H,
              acted=START + 3 * H)                                      # SEV3 missed
        update(s, raised, by="U0A", at=START + 3 * H)                   # SEV3 late
        severity_change(s, escalation_id=raised, at=START + 4 * H, before="SEV3",
                        after="SEV1")
        update(s, raised, by="U0A", at=START + 5 * H)                   # SEV1 on time
        nudge(s, raised, clock="update", basis="update@b2", due=START + 6 * H)  # SEV1 missed
        quiet = escalation(s, created=START, severity="SEV2", claimed=MIN, owner="U0B",
                           accepted=2 * MIN)
        update(s, quiet, by="U0B", at=START + 30 * MIN)                 # SEV4: no cadence
        severity_change(s, escalation_id=quiet, at=START + H, before="SEV4", after="SEV2")
        update(s, quiet, by="U0B", at=START + 2 * H)                    # SEV2 on time
    r = report(db)
    assert tables(r)["updates"] == [["SEV1", "1", "2"], ["SEV2", "1", "1"],
                                    ["SEV3", "0", "1"]]
    assert "On time / due by SEV: SEV1 1/2 · SEV2 1/1 · SEV3 0/1" in digest_text(r)
