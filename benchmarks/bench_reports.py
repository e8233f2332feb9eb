"""Reports benchmark: seed two years of escalations, then time the digest and each report.

    python benchmarks/bench_reports.py [--database-url URL] [--escalations 100000]
                                       [--events 1000000] [--keep]

Seeds (into a fresh SQLite file by default, or a private schema of the PostgreSQL server
named by ``--database-url``) ``--escalations`` escalations over two years with ``--events``
audit events (created, posted, claimed, accepted, a handoff for one in ten, a severity raise
for one in twenty, updates, customer told, resolved, closed) and status- and customer-update
reminders, then measures:

* the weekly digest's figures (both weeks, every section) in-process: goal < 1 s;
* each ``escalation-bot report … --chart`` as a real process, end to end (start-up, queries,
  rendering, the PNG): goal < 2 s, peak RSS < 200 MB;
* intake similarity search: measured by ``bench_similar.py`` on its own corpus of resolved
  escalations with realistic text (this seed has no resolutions to search).

A measurement, not a test: prints a table and never fails on a missed goal.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_db import add_database_arguments, bench_database  # noqa: E402
from commands.reports import make_report  # noqa: E402
from core.period import DigestSchedule  # noqa: E402
from core.policy import DEFAULT_POLICY  # noqa: E402
from core.report import ReportKind  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.tables import AuditEventRow, EscalationRow, NudgeRow  # noqa: E402

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SPAN = timedelta(days=730)
DOMAINS = ("auth", "billing", "api", "mobile", "data")
SEVS = ("SEV1", "SEV2", "SEV3", "SEV4")
SEV_WEIGHTS = (0.05, 0.2, 0.45, 0.3)
PEOPLE = [f"U0SPEC{i:03d}" for i in range(60)]
CATEGORIES = ("code_fix", "configuration", "known_issue", "documentation_gap", "user_error",
              "cannot_reproduce", "duplicate", "wont_fix")
BATCH = 20_000


def seed(db: Database, *, escalations: int, events: int) -> None:
    rnd = random.Random(7)
    sqlite = db.engine.dialect.name == "sqlite"
    per_escalation = max(events / escalations, 3)
    esc_table = EscalationRow.__table__  # type: ignore[attr-defined]
    audit_table = AuditEventRow.__table__  # type: ignore[attr-defined]
    nudge_table = NudgeRow.__table__  # type: ignore[attr-defined]
    esc_rows: list[dict[str, object]] = []
    audit_rows: list[dict[str, object]] = []
    nudge_rows: list[dict[str, object]] = []

    def flush(conn: sa.Connection) -> None:
        if esc_rows:
            conn.execute(esc_table.insert(), esc_rows)
            esc_rows.clear()
        if audit_rows:
            conn.execute(audit_table.insert(), audit_rows)
            audit_rows.clear()
        if nudge_rows:
            conn.execute(nudge_table.insert(), nudge_rows)
            nudge_rows.clear()

    with db.engine.begin() as conn:
        for i in range(1, escalations + 1):
            created = NOW - SPAN * (1 - i / escalations) - timedelta(minutes=rnd.randint(0, 60))
            sev = rnd.choices(SEVS, SEV_WEIGHTS)[0]
            domain = DOMAINS[i % len(DOMAINS)]
            owner = rnd.choice(PEOPLE)
            posted = created + timedelta(seconds=rnd.randint(1, 30))
            claimed = posted + timedelta(minutes=rnd.expovariate(1 / 25))
            recent = NOW - created < timedelta(days=10)
            done = not recent or rnd.random() < 0.5
            accepted = claimed + timedelta(minutes=rnd.expovariate(1 / 20))
            resolved = accepted + timedelta(hours=rnd.expovariate(1 / 30))
            if resolved > NOW:
                done = False
            esc_rows.append({
                "id": i, "idempotency_key": f"bench-{i}",
                "state": "closed" if done else "accepted", "severity": sev,
                "domain_key": domain, "channel_id": "C0BENCH001",
                "problem": f"Problem {i} in {domain}", "requester_id": f"U0AGENT{i % 40:02d}",
                "customer": f"Customer {i % 900}", "tier": "business", "affected_users": 5,
                "target_level": 2, "leadership_notified": False, "level_reason": "bench",
                "first_reported_at": created - timedelta(hours=rnd.expovariate(1 / 6)),
                "created_at": created, "posted_at": posted,
                "message_ts": f"{i}.000100", "owner_id": owner,
                "claimed_at": claimed, "version": 3,
            })
            kinds: list[tuple[str, datetime]] = [("created", created), ("posted", posted),
                                                 ("claimed", claimed), ("accepted", accepted)]
            # Each update brings ~0.7 "customer told" events: the total stays near --events.
            updates = max(round((per_escalation - (6 if done else 4)) / 1.7), 0)
            # One in ten is handed off after its first update: per-owner figures credit each
            # due to the owner at the time (the claim's actor before, the new owner after).
            first_owner = owner
            if updates >= 2 and rnd.random() < 0.1:
                first_owner = rnd.choice([p for p in PEOPLE if p != owner])
                kinds.append(("handoff_accepted", accepted + timedelta(hours=1, minutes=30)))
            raised_from = None
            if sev != "SEV4" and rnd.random() < 0.05:  # raised once: dues count per SEV then
                raised_from = f"SEV{int(sev[-1]) + 1}"
                kinds.append(("severity_changed", accepted + timedelta(minutes=30)))
            for u in range(updates):
                posted_update = accepted + timedelta(hours=u + 1)
                kinds.append(("update_posted", posted_update))
                if rnd.random() < 0.7:  # the requester passes the draft on: Customer told
                    kinds.append(("customer_told",
                                  posted_update + timedelta(minutes=rnd.randint(1, 30))))
                if rnd.random() < 0.2 and posted_update <= NOW:  # late: the reminder fired
                    due = posted_update - timedelta(minutes=rnd.randint(1, 50))
                    # The status-update reminder, and mostly the requester's customer-update
                    # one too (the same cadence by default).
                    for clock, action in (("update", "update_due"),
                                          ("customer_update", "customer_update_due")):
                        if clock == "customer_update" and rnd.random() < 0.3:
                            continue
                        nudge_rows.append({
                            "escalation_id": i, "kind": clock, "basis": f"{clock}@{u}",
                            "stage": 0, "action": action, "due_at": due, "at": due,
                            "audience": "thread", "recipients": owner, "superseded": 0,
                            "detail": "{}", "acted_at": posted_update, "acted_by": owner,
                            "cancelled": False})
            if done:
                kinds += [("resolved", resolved), ("closed", resolved + timedelta(hours=2))]
            for kind, moment in kinds:
                if moment > NOW:
                    continue
                audit_rows.append({"escalation_id": i, "at": moment,
                                   "actor": first_owner if kind == "claimed" else
                                   f"U0AGENT{i % 40:02d}" if kind == "customer_told" else owner,
                                   "kind": kind,
                                   "detail": "{}" if kind != "severity_changed" else
                                   json.dumps({"from_severity": raised_from,
                                               "to_severity": sev})})
            if len(audit_rows) >= BATCH:
                flush(conn)
        flush(conn)
        if not sqlite:
            conn.execute(sa.text("SELECT setval(pg_get_serial_sequence('escalation', 'id'), "
                                 "(SELECT max(id) FROM escalation))"))
            conn.execute(sa.text("ANALYZE"))
        else:
            conn.execute(sa.text("ANALYZE"))


def timed(fn: object, repeat: int = 5) -> list[float]:
    out = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append((time.perf_counter() - began) * 1000)
    return out


def run_cli(url: str, workdir: Path, *args: str) -> tuple[float, float, float]:
    """Wall time (ms), CPU time (ms) and peak RSS (MB) of one ``escalation-bot`` process."""
    env = {**os.environ, "DATABASE_URL": url, "ESCALATION_CONFIG": str(workdir / "e.yml")}
    began = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = (time.perf_counter() - began) * 1000
    if status != 0:
        raise SystemExit(f"escalation-bot {' '.join(args)} failed: "
                         f"{proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, (usage.ru_utime + usage.ru_stime) * 1000, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_arguments(parser)
    parser.add_argument("--escalations", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    with bench_database(args, "bench-reports-") as (url, workdir):
        (workdir / "e.yml").write_text(
            "domains:\n" + "".join(f"  - {{key: {d}, name: {d}, channel: C0{d.upper():0<8}}}\n"
                                   for d in DOMAINS)
            + "digest_channel: C0DIGEST01\n"
            + "business_hours: {timezone: America/New_York, days: [mon, tue, wed, thu, fri], "
              "start: '09:00', end: '17:30'}\n")
        db = Database.from_url(url)
        try:
            began = time.perf_counter()
            if not args.seeded:
                db.migrate()
                seed(db, escalations=args.escalations, events=args.events)
            with db.engine.connect() as conn:
                n_esc = conn.execute(sa.text("SELECT count(*) FROM escalation")).scalar_one()
                n_ev = conn.execute(sa.text("SELECT count(*) FROM audit_event")).scalar_one()
            print(f"url: {url}")
            print(f"seeded {n_esc:,} escalations and {n_ev:,} audit events on "
                  f"{db.engine.dialect.name} in {time.perf_counter() - began:.0f} s")
            schedule = DigestSchedule()
            week = schedule.week_ending(schedule.occurrence_at_or_before(NOW))
            digest_ms = timed(lambda: make_report(db, kind=ReportKind.DIGEST, period=week,
                                                  policy=DEFAULT_POLICY, now=NOW, series=True))
            print(f"digest figures (both weeks, all sections, 8-week series), in-process: "
                  f"median {statistics.median(digest_ms):.0f} ms, max {max(digest_ms):.0f} ms "
                  f"(goal < 1000 ms)")
            print(f"load average before the runs: {os.getloadavg()[0]:.1f} "
                  f"on {os.cpu_count()} CPUs")
            print("| command | wall, ms (median of 3) | CPU, ms (median) | peak RSS, MB |")
            print("|---|---:|---:|---:|")
            for kind in ReportKind:
                runs = [run_cli(url, workdir, "report", kind.value, "--from", "2026-11-23",
                                "--to", "2026-11-29", "--chart", str(workdir / f"{kind}.png"))
                        for _ in range(3)]
                print(f"| `report {kind.value} --chart` "
                      f"| {statistics.median(r[0] for r in runs):.0f}"
                      f" | {statistics.median(r[1] for r in runs):.0f}"
                      f" | {max(r[2] for r in runs):.0f} |")
        finally:
            db.dispose()


if __name__ == "__main__":
    main()
