"""Timers benchmark: 10,000 open escalations with live deadlines.

Measures (run by hand: ``make bench-timers``; add ``--postgres URL`` for PostgreSQL too):

* **idle tick**: one ``sweep(now)`` when nothing is due (the claim query finds no row; the
  query plan is printed to show it reads only the ``(due_at, id)`` index);
* **1,000 due**: one sweep acting on 1,000 due reminders — the reminders' thread replies go to
  the fake Slack (real ``SlackGateway``, real HTTP) which answers more than one message per
  second per channel with 429 (``FakeSlack.pace_messages``), spread over 50 domain channels;
  reports the acting rate (database only) and the delivered rate (nudges/s to Slack);
* **lateness**: 300 reminders falling due at random instants over 30 s, with the ticker (the
  production APScheduler job) at a 2 s interval: sent-at minus due-at, median / p99
  (goal: p99 ≤ interval + 1 s);
* **start-up**: ``escalation-bot run --http`` until ``/healthz`` answers, on the seeded
  database (migrations checked, clocks of older escalations planned), and its RSS after start.

It is a measurement, not a test: it never fails on a missed goal.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.gateway import SlackGateway, make_client  # noqa: E402
from commands import timers  # noqa: E402
from commands.context import Context  # noqa: E402
from core.model import Domain  # noqa: E402
from schedules.jobs import build_scheduler  # noqa: E402
from storage.database import Database  # noqa: E402
from tests.e2e.harness import BOT_TOKEN, BotProcess, make_fake  # noqa: E402

N_OPEN = 10_000
N_DUE = 1_000
N_CHANNELS = 50
DOMAINS = {f"d{i}": Domain(f"d{i}", f"Domain {i}", f"C0DOM{i:05d}") for i in range(N_CHANNELS)}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def seed(db: Database, now: datetime, *, due: int) -> None:
    """N_OPEN posted, unclaimed SEV2 escalations; ``due`` of them past their claim deadline."""
    rows, clocks = [], []
    for i in range(N_OPEN):
        posted = now - timedelta(minutes=31) if i < due else now - timedelta(minutes=5)
        domain = DOMAINS[f"d{i % N_CHANNELS}"]
        rows.append({"id": i + 1, "k": f"K{i}", "d": domain.key, "c": domain.channel,
                     "t": posted, "ts": f"1700000000.{i:06d}"})
        clocks.append({"key": f"esc:{i + 1}:claim", "e": i + 1,
                       "basis": f"claim@{posted.isoformat()}",
                       "due": posted + timedelta(minutes=30), "t": now})
    with db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO escalation (id, idempotency_key, state, severity, domain_key, "
            "channel_id, problem, requester_id, customer, tier, affected_users, target_level, "
            "leadership_notified, level_reason, created_at, posted_at, message_ts, version) "
            "VALUES (:id, :k, 'open', 'SEV2', :d, :c, 'SSO down', 'U0AGENT', 'Acme', "
            "'business', 10, 3, false, 'why', :t, :t, :ts, 0)"), rows)
        conn.execute(sa.text(
            "INSERT INTO deadline (key, escalation_id, kind, basis, stage, due_at, generation,"
            " attempts, updated_at) VALUES (:key, :e, 'claim', :basis, 0, :due, 1, 0, :t)"),
            clocks)


def explain(db: Database, now: datetime) -> str:
    """The idle tick's query plan (storage.deadlines.any_due)."""
    sql = "SELECT due_at FROM deadline WHERE due_at <= :n ORDER BY due_at LIMIT 1"
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            rows = conn.execute(sa.text("EXPLAIN QUERY PLAN " + sql),
                                {"n": now.replace(tzinfo=None)}).all()
            return "; ".join(str(r[-1]) for r in rows)
        conn.execute(sa.text("ANALYZE deadline"))
        rows = conn.execute(sa.text("EXPLAIN " + sql), {"n": now}).all()
        return "; ".join(r[0].strip() for r in rows[:3])


def make_ctx(db: Database, fake_url: str, clock: object, worker: str = "bench") -> Context:
    client = make_client(token=BOT_TOKEN, base_url=fake_url)
    return Context(db=db, slack=SlackGateway(client), domains=DOMAINS,
                   clock=clock, worker=worker)  # type: ignore[arg-type]


def run_backend(name: str, url: str, out: list[str]) -> None:
    fake = make_fake(contract_data=None)
    for d in DOMAINS.values():
        fake.add_channel(d.channel, f"esc-{d.key}")
    fake.pace_messages(1.0)
    db = Database.from_url(url)
    db.migrate()
    now = datetime.now(UTC).replace(microsecond=0)
    seed(db, now, due=N_DUE)
    for i in range(N_OPEN):  # the packets the thread replies go under
        d = DOMAINS[f"d{i % N_CHANNELS}"]
        fake.add_message(d.channel, "packet", user="U0BOT", ts=f"1700000000.{i:06d}")
    ctx = make_ctx(db, fake.api_url, lambda: now)

    # Idle tick: nothing due before the 1,000 that were pushed past their deadline? Use an
    # instant before them: now - 2 min (every deadline is later).
    idle_at = now - timedelta(minutes=2)
    for _ in range(20):
        timers.sweep(ctx, idle_at)
    idle = []
    for _ in range(300):
        t = time.perf_counter()
        timers.sweep(ctx, idle_at)
        idle.append((time.perf_counter() - t) * 1000)
    plan = explain(db, idle_at)

    # 1,000 due: acting (database), then delivering (Slack with pacing).
    t0 = time.perf_counter()
    result = timers.sweep(ctx, now, deliver=False)
    act_s = time.perf_counter() - t0
    assert result.fired == N_DUE, result
    t1 = time.perf_counter()
    from commands.deliver import deliver_due

    # What the sweep would deliver inline: hand the owed items to the paced delivery.
    with db.read() as session:
        rows = session.execute(sa.text(
            "SELECT id, escalation_id FROM outbox WHERE kind = 'nudge'")).all()
    from storage.tables import OutboxRow

    owed: dict[int, list[OutboxRow]] = {}
    with db.read() as session:
        for item_id, esc_id in rows:
            owed.setdefault(esc_id, []).append(session.get(OutboxRow, item_id))  # type: ignore[arg-type]
    delivered = timers.deliver_owed(ctx, list(owed.items()))
    deliver_s = time.perf_counter() - t1
    deliver_due(ctx)
    posts = [c for c in fake.calls_to("chat.postMessage") if c.status == 200]
    rate_limited = sum(1 for c in fake.calls_to("chat.postMessage") if c.status == 429)

    # Lateness with the real ticker.
    lat = lateness(db, fake, url)
    db.dispose()
    fake.stop()

    out.append(f"### {name}\n")
    out.append("| metric | value |\n|---|---:|")
    out.append(f"| open escalations with live deadlines | {N_OPEN:,} |")
    out.append(f"| idle tick, median / p99 | {statistics.median(idle):.2f} / "
               f"{pct(idle, 0.99):.2f} ms |")
    out.append(f"| 1,000 due: acting (ledger + outbox, no Slack) | {act_s:.1f} s "
               f"({N_DUE / act_s:.0f}/s) |")
    out.append(f"| 1,000 due: delivering over {N_CHANNELS} channels at 1 msg/s/channel | "
               f"{deliver_s:.1f} s ({delivered / deliver_s:.1f} nudges/s; {len(posts)} posts, "
               f"{rate_limited} answered 429) |")
    out.append(f"| lateness (2 s ticker), median / p99 | {lat[0]:.2f} / {lat[1]:.2f} s |")
    out.append(f"\nIdle query plan: `{plan}`\n")


def lateness(db: Database, fake: object, url: str) -> tuple[float, float]:
    """300 reminders due at random instants over 30 s; the ticker sweeps every 2 s."""
    start = datetime.now(UTC) + timedelta(seconds=2)
    rng = random.Random(7)
    due = sorted(start + timedelta(seconds=rng.uniform(0, 30)) for _ in range(300))
    base = N_OPEN + 1
    with db.engine.begin() as conn:
        for i, at in enumerate(due):
            posted = at - timedelta(minutes=30)
            d = DOMAINS[f"d{i % N_CHANNELS}"]
            conn.execute(sa.text(
                "INSERT INTO escalation (id, idempotency_key, state, severity, domain_key, "
                "channel_id, problem, requester_id, customer, tier, affected_users, "
                "target_level, leadership_notified, level_reason, created_at, posted_at, "
                "message_ts, version) VALUES (:id, :k, 'open', 'SEV2', :d, :c, 'SSO down', "
                "'U0AGENT', 'Acme', 'business', 10, 3, false, 'why', :t, :t, :ts, 0)"),
                {"id": base + i, "k": f"L{i}", "d": d.key, "c": d.channel, "t": posted,
                 "ts": f"1700000001.{i:06d}"})
            conn.execute(sa.text(
                "INSERT INTO deadline (key, escalation_id, kind, basis, stage, due_at, "
                "generation, attempts, updated_at) VALUES (:key, :e, 'claim', :b, 0, :due, 1, "
                "0, :due)"), {"key": f"esc:{base + i}:claim", "e": base + i,
                              "b": f"claim@{posted.isoformat()}", "due": at})
    sent: dict[int, float] = {}
    ctx = make_ctx(db, fake.api_url, lambda: datetime.now(UTC), worker="ticker")  # type: ignore[attr-defined]
    real_send = ctx.slack.send_nudge

    def timed(esc, nudge, *, look_first):  # type: ignore[no-untyped-def]
        real_send(esc, nudge, look_first=look_first)
        sent[esc.id] = time.time()

    ctx.slack.send_nudge = timed  # type: ignore[method-assign]
    scheduler = build_scheduler(ctx, delivery_interval_s=15, sweep_interval_s=2)
    scheduler.start()
    try:
        deadline = time.monotonic() + 60
        while len(sent) < len(due) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        scheduler.shutdown(wait=True)
    late = [sent[base + i] - at.timestamp() for i, at in enumerate(due) if base + i in sent]
    return statistics.median(late), pct(late, 0.99)


def startup(url: str) -> tuple[float, float]:
    fake = make_fake(contract_data=None)
    with tempfile.TemporaryDirectory() as tmp:
        bot = BotProcess(fake=fake, workdir=Path(tmp), database_url=url)
        t = time.perf_counter()
        bot.start(timeout=120)
        took = time.perf_counter() - t
        assert bot.process is not None
        rss = 0.0
        for line in Path(f"/proc/{bot.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
        bot.stop()
    fake.stop()
    return took, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", help="also run on this PostgreSQL URL (private schema)")
    args = parser.parse_args()
    out: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        run_backend("SQLite", url, out)
        took, rss = startup(url)
        out.append(f"Start-up on the seeded SQLite database: {took:.2f} s to `/healthz`; "
                   f"RSS after start {rss:.0f} MB.\n")
    if args.postgres:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(args.postgres)
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in args.postgres else "?"
        url = f"{args.postgres}{sep}options={quote(f'-csearch_path={schema}')}"
        try:
            run_backend("PostgreSQL", url, out)
            took, rss = startup(url)
            out.append(f"Start-up on the seeded PostgreSQL database: {took:.2f} s to "
                       f"`/healthz`; RSS after start {rss:.0f} MB.\n")
        finally:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    print("\n".join(out))


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()
