"""Two real processes on one database (PostgreSQL, and one SQLite file) send every reminder
exactly once — also when a third one is SIGKILLed in the middle of its sweep."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from commands.context import Context
from commands.planning import plan_missing
from core.model import Domain
from storage.database import Database
from tests.fakes import InMemorySlack

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
# "A few thousand": 1,500 keeps CI fast on 2 shared cores; TIMERS_PROC_N=5000 for a longer run.
N = int(os.environ.get("TIMERS_PROC_N", "1500"))


def seed(db: Database, now: datetime, n: int) -> None:
    """``n`` posted, unclaimed SEV2 escalations whose first claim rung fell due."""
    posted = now - timedelta(minutes=31)
    rows = [{"k": f"K{i}", "t": posted, "ts": f"1700000000.{i:06d}"} for i in range(n)]
    with db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO escalation (idempotency_key, state, severity, domain_key, channel_id, "
            "problem, requester_id, customer, tier, affected_users, target_level, "
            "leadership_notified, level_reason, created_at, posted_at, message_ts, version) "
            "VALUES (:k, 'open', 'SEV2', 'auth', 'C0AUTH0001', 'SSO down', 'U0AGENT', 'Acme',"
            " 'business', 10, 3, false, 'why', :t, :t, :ts, 0)"), rows)
    ctx = Context(db=db, slack=InMemorySlack(), domains={"auth": Domain("auth", "A", "C0AUTH0001")},
                  clock=lambda: posted, worker="seed")
    assert plan_missing(ctx) == n


def spawn(url: str, worker: str, now: datetime, out: Path, **env: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-m", "tests.timers.proc_worker", url, worker,
                             now.isoformat(), str(out)], cwd=REPO, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            env={**os.environ, **env})
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def go(*procs: subprocess.Popen[str]) -> None:
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()


def sent(tmp_path: Path) -> list[str]:
    return [line for path in sorted(tmp_path.glob("sent-*.txt"))
            for line in path.read_text().splitlines()]


def test_two_processes_send_each_reminder_once(database_url: str, tmp_path: Path,
                                               now: datetime) -> None:
    db = Database.from_url(database_url)
    db.migrate()
    seed(db, now, N)
    a = spawn(database_url, "a", now, tmp_path / "sent-a.txt")
    b = spawn(database_url, "b", now, tmp_path / "sent-b.txt")
    go(a, b)
    assert a.wait(timeout=300) == 0 and b.wait(timeout=300) == 0
    lines = sent(tmp_path)
    assert len(lines) == N and len(set(lines)) == N
    # Both did part of the work (the leases split it), and the ledger agrees.
    assert (tmp_path / "sent-a.txt").exists() and (tmp_path / "sent-b.txt").exists()
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM nudge")).scalar() == N
        assert conn.execute(sa.text(
            "SELECT count(*) FROM outbox WHERE status <> 'done'")).scalar() == 0
    db.dispose()


def test_a_process_killed_mid_sweep_loses_and_doubles_nothing(database_url: str,
                                                               tmp_path: Path,
                                                               now: datetime) -> None:
    db = Database.from_url(database_url)
    db.migrate()
    seed(db, now, N // 5)
    victim = spawn(database_url, "victim", now, tmp_path / "sent-victim.txt",
                   SLOW_MS="5", LEASE_S="30")
    go(victim)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        path = tmp_path / "sent-victim.txt"
        if path.exists() and len(path.read_text().splitlines()) >= 40:
            break
        time.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    half_done = len(sent(tmp_path))
    assert 40 <= half_done < N // 5
    # The survivors run after the victim's leases expired.
    later = now + timedelta(seconds=31)
    a = spawn(database_url, "a", later, tmp_path / "sent-a.txt")
    b = spawn(database_url, "b", later, tmp_path / "sent-b.txt")
    go(a, b)
    assert a.wait(timeout=300) == 0 and b.wait(timeout=300) == 0
    lines = sent(tmp_path)
    assert len(set(lines)) == N // 5, "a reminder was lost"
    assert len(lines) == N // 5, "a reminder was sent twice"
    db.dispose()
