"""People by display name in the reports: the cache, filling it, and every output format.

Real database (SQLite and PostgreSQL), in-memory Slack, a controlled clock.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from commands import names
from commands.context import Context
from commands.ports import DeliveryError
from commands.reports import make_report
from core.model import Domain
from core.period import Period
from core.policy import DEFAULT_POLICY
from core.report import Report, ReportKind
from core.report_format import csv_text, to_csv, to_json, to_markdown
from storage import names as store
from storage.database import Database
from storage.migrate import upgrade
from tests.fakes import InMemorySlack
from tests.markdown_lint import lint
from tests.reports.seed import escalation

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
WEEK = Period(NOW - timedelta(days=7), NOW)
DOMAINS = {"auth": Domain("auth", "Authentication & SSO", "C0AUTH0001")}
HOSTILE = "Dana | *Boss* <!channel> [x](http://evil) @here"


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def ctx_for(db: Database, slack: InMemorySlack, at: datetime = NOW) -> Context:
    return Context(db=db, slack=slack, domains=DOMAINS, clock=Clock(at))


def seed(db: Database) -> None:
    with db.transaction() as s:
        escalation(s, created=NOW - timedelta(days=2), claimed=timedelta(minutes=5),
                   owner="U0SPEC031")
        escalation(s, created=NOW - timedelta(days=3), claimed=timedelta(minutes=9),
                   owner="U0SPEC032", accepted=timedelta(hours=1))
        escalation(s, created=NOW - timedelta(days=1), claimed=timedelta(minutes=2),
                   owner="U0SPEC033", resolved=timedelta(hours=3))


def utilization(db: Database) -> Report:
    return make_report(db, kind=ReportKind.UTILIZATION, period=WEEK, policy=DEFAULT_POLICY,
                       now=NOW).report


def digest(db: Database) -> Report:
    return make_report(db, kind=ReportKind.DIGEST, period=WEEK, policy=DEFAULT_POLICY,
                       now=NOW).report


# ------------------------------------------------------------------------------ the cache


def test_upsert_replaces_and_two_replicas_agree(db: Database) -> None:
    with db.transaction() as s:
        store.save(s, user="U0SPEC031", name="Dana", now=NOW)
    with db.transaction() as s:
        store.save(s, user="U0SPEC031", name="Dana Scully", now=NOW + timedelta(hours=1))
    errors: list[BaseException] = []

    def write(name: str) -> None:
        try:
            with db.transaction() as s:
                store.save(s, user="U0SPEC032", name=name, now=NOW)
        except BaseException as exc:  # pragma: no cover - the failure is the assertion
            errors.append(exc)

    threads = [threading.Thread(target=write, args=("Fox",)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.read() as s:
        assert store.names_for(s, users=["U0SPEC031", "U0SPEC032", "U0NOBODY"]) == {
            "U0SPEC031": "Dana Scully", "U0SPEC032": "Fox"}
        assert store.stale(s, users=["U0SPEC031", "U0NOBODY"],
                           fresh_after=NOW - timedelta(days=1)) == ["U0NOBODY"]
        count = s.execute(sa.text("SELECT count(*) FROM user_name")).scalar_one()
    assert count == 2


def test_migration_adds_the_cache_to_a_filled_database(database_url: str) -> None:
    """0012 → 0013 on a database holding an escalation: it survives; names can be stored."""
    db = Database.from_url(database_url)
    try:
        upgrade(db.engine, "0012")
        with db.transaction() as s:
            escalation(s, created=NOW - timedelta(days=2), claimed=timedelta(minutes=5),
                       owner="U0SPEC031")
        assert "user_name" not in sa.inspect(db.engine).get_table_names()
        db.migrate()
        with db.transaction() as s:
            store.save(s, user="U0SPEC031", name="Dana", now=NOW)
        report = utilization(db)
        assert report.section("utilization").tables[0].rows[0][0] == "U0SPEC031"  # type: ignore[union-attr]
        assert report.names == {"U0SPEC031": "Dana"}
    finally:
        db.dispose()


# ------------------------------------------------------------------ filling it from Slack


def test_open_people_are_named_once_a_day(db: Database) -> None:
    seed(db)
    slack = InMemorySlack(names={"U0SPEC031": "Dana", "U0SPEC032": "Fox Mulder",
                                 "U0AGENT": "Agent Smith"})
    ctx = ctx_for(db, slack)
    # The owners and requesters of open escalations (U0SPEC033's is resolved: it is named at
    # digest time).
    assert names.refresh_open_people(ctx, now=NOW) == 3
    assert sorted(slack.name_lookups) == ["U0AGENT", "U0SPEC031", "U0SPEC032"]
    assert names.refresh_open_people(ctx, now=NOW + timedelta(hours=23)) == 0  # fresh
    slack.names["U0SPEC031"] = "Dana Scully"  # renamed in Slack
    assert names.refresh_open_people(ctx, now=NOW + timedelta(hours=25)) == 3
    assert utilization(db).names == {"U0SPEC031": "Dana Scully", "U0SPEC032": "Fox Mulder"}


def test_unknown_user_is_remembered_and_shown_as_the_id(db: Database) -> None:
    seed(db)
    slack = InMemorySlack(names={"U0SPEC031": "Dana"})
    ctx = ctx_for(db, slack)
    assert names.refresh(ctx, ["U0SPEC031", "U0SPEC032", "unclaimed"], now=NOW) == 2
    assert names.refresh(ctx, ["U0SPEC032"], now=NOW + timedelta(hours=1)) == 0  # not re-asked
    assert slack.name_lookups == ["U0SPEC031", "U0SPEC032"]
    md = to_markdown(utilization(db))
    assert "| Dana | auth |" in md and "| U0SPEC032 | auth |" in md


def test_slack_failure_stops_the_run_and_keeps_old_names(db: Database) -> None:
    seed(db)
    with db.transaction() as s:
        store.save(s, user="U0SPEC031", name="Dana", now=NOW - timedelta(days=2))
    slack = InMemorySlack(names={"U0SPEC031": "Dana Scully", "U0SPEC032": "Fox"})
    slack.fail("display_name", DeliveryError("rate limited (ratelimited)"))
    ctx = ctx_for(db, slack)
    assert names.refresh_open_people(ctx, now=NOW) == 0
    assert slack.name_lookups == []  # stopped at the first failure, asks nobody else
    assert utilization(db).names == {"U0SPEC031": "Dana"}
    assert names.refresh_open_people(ctx, now=NOW + timedelta(minutes=1)) == 3  # next run


def test_digest_names_everyone_it_shows(db: Database) -> None:
    """The digest delivery refreshes the people in the report (also the resolved owner the
    minute job does not ask about) before posting: message, chart and report show names."""
    from commands import digest as digest_cmd
    from commands.digest import DigestSettings
    from core.period import DigestSchedule

    seed(db)
    slack = InMemorySlack(names={"U0SPEC031": "Dana", "U0SPEC032": "Fox",
                                 "U0SPEC033": "Walter"})
    ctx = ctx_for(db, slack)
    ctx.extra["digest"] = DigestSettings(DigestSchedule(), "C0DIGEST01", {})
    with db.transaction() as s:
        from commands.digest import rules
        for owed in rules.owed(DigestSchedule(), NOW, channel="C0DIGEST01", per_domain={}):
            from storage import digests
            digests.owe(s, digest=owed, late_note=None, now=NOW)
    assert digest_cmd.deliver_digests(ctx, NOW) == 1
    [message] = slack.digests("C0DIGEST01")
    assert message.report is not None
    assert message.report.names == {"U0SPEC031": "Dana", "U0SPEC032": "Fox",
                                    "U0SPEC033": "Walter"}


# ------------------------------------------------------------------ the outputs


def test_markdown_shows_names_escaped_and_lints_clean(db: Database) -> None:
    seed(db)
    with db.transaction() as s:
        store.save(s, user="U0SPEC031", name=HOSTILE, now=NOW)
        store.save(s, user="U0SPEC032", name="Fox Mulder", now=NOW)
    text = to_markdown(digest(db))
    assert lint(text) == []
    lines = text.splitlines()
    assert any(line.startswith("| Fox Mulder | auth | 1 | 1 |") for line in lines)  # load
    assert "| ESC-2 | auth | SEV2 | Fox Mulder | 3d |" in lines  # oldest open, its owner
    hostile = next(line for line in lines if line.startswith("| Dana"))
    # The row has as many cells as the header: the name's "|" cannot add one.
    header = next(line for line in lines if line.startswith("| Specialist |"))
    assert hostile.replace("\\|", "").count("|") == header.count("|")
    assert "\\*Boss\\*" in hostile and "\\<!channel\\>" in hostile and "\\[x\\]" in hostile
    assert "U0SPEC031" not in text and "U0SPEC033" in text  # no name cached: the id


def test_json_keeps_ids_and_adds_names(db: Database) -> None:
    seed(db)
    with db.transaction() as s:
        store.save(s, user="U0SPEC031", name="Dana", now=NOW)
    data = json.loads(to_json(utilization(db)))
    [people] = [t for t in data["sections"][0]["tables"] if t["key"] == "people"]
    assert people["columns"][0] == "Specialist" and people["columns"][-1] == "Specialist name"
    by_id = {row[0]: row[-1] for row in people["rows"]}
    assert by_id == {"U0SPEC031": "Dana", "U0SPEC032": None, "U0SPEC033": None}
    assert all(len(row) == len(people["columns"]) for row in people["rows"])


def test_csv_shows_names_and_cannot_run_formulas(db: Database) -> None:
    seed(db)
    with db.transaction() as s:
        store.save(s, user="U0SPEC031", name="=HYPERLINK(\"http://evil\",\"x\")", now=NOW)
        store.save(s, user="U0SPEC032", name="Fox, \"Spooky\" Mulder", now=NOW)
    rows = list(csv.reader(io.StringIO(to_csv(utilization(db)))))
    assert rows[0][:5] == ["section", "key", "label", "unit", "this_period"]
    assert all(len(r) == len(rows[0]) for r in rows)
    cells = {(r[2], r[4]) for r in rows if r[1].startswith("people.")}
    assert ("Fox, \"Spooky\" Mulder — Open now", "1") in cells
    assert ("U0SPEC033 — Specialist", "U0SPEC033") in cells  # unknown: the id
    assert ("'=HYPERLINK(\"http://evil\",\"x\") — Specialist",
            "'=HYPERLINK(\"http://evil\",\"x\")") in cells
    assert not any(r[2].startswith("=") or r[4].startswith("=") for r in rows)
    assert csv_text("-3") == "-3" and csv_text("-x") == "'-x"


def test_digest_message_names_people_without_pinging(db: Database) -> None:
    from bot.render.digest import digest_message

    seed(db)
    with db.transaction() as s:
        store.save(s, user="U0SPEC031", name=HOSTILE, now=NOW)
        store.save(s, user="U0SPEC032", name="Fox_Mulder~", now=NOW)
    rendered = digest_message(digest(db))
    text = json.dumps([b.to_dict() for b in rendered.blocks], ensure_ascii=False)
    assert "<@" not in text and "<!channel>" not in text  # nobody is pinged
    assert "&lt;!channel&gt;" in text and "@\u2060here" in text
    assert "Dana | \u2217Boss\u2217" in text and "Fox\u02cdMulder\u223c (auth)" in text
    assert "U0SPEC033 (auth)" in text  # no name known: the id, as plain text
