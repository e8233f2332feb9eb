"""Intake similarity search benchmark: 100,000 resolved escalations, then time the search.

    python benchmarks/bench_similar.py [--database-url URL] [--escalations 100000]
                                       [--articles 2000] [--queries 50] [--keep]
    python benchmarks/bench_similar.py --seeded URL   # time a kept database again

Seeds (a fresh SQLite file by default, or a private schema of the PostgreSQL server named by
``--database-url``) ``--escalations`` escalations over two years, every one resolved with a
resolution and checklist answers (actual behaviour, logs) written from a Zipf-distributed
vocabulary of 20,000 words (five domains with 400 topic words each), plus
``--articles`` approved knowledge-base articles; indexes them with migration 0010's backfill;
then times :func:`storage.similar.search` — what the readiness step runs — for ``--queries``
new cases written the same way (terms from :func:`core.similar.search_terms`). Goal: < 50 ms.

A measurement, not a test: prints numbers and never fails on a missed goal.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_db import add_database_arguments, bench_database  # noqa: E402
from core.model import Answers  # noqa: E402
from core.similar import search_terms  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.similar import search  # noqa: E402
from storage.tables import (  # noqa: E402
    ChecklistAnswerRow,
    EscalationRow,
    KbArticleRow,
    ResolutionRow,
)

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SPAN = timedelta(days=730)
LOOKBACK = timedelta(days=180)
DOMAINS = ("auth", "billing", "api", "mobile", "data")
# A vocabulary shaped like support text: 20,000 content words with Zipf frequencies (rank r
# is drawn with weight 1/r), and 400 topic words per domain (Zipf within the topic) that make up a
# third of a case's words. Words are made of syllables, so they look like words to the terms
# rules (no digits, nothing in the stop list).
_SYLLABLES = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"] + ["an", "er", "on", "ix"]


def _vocabulary(rnd: random.Random, size: int) -> list[str]:
    words: dict[str, None] = {}
    while len(words) < size:
        words.setdefault("".join(rnd.choice(_SYLLABLES) for _ in range(rnd.randint(2, 4))))
    return list(words)


_VOCAB_RND = random.Random(3)
VOCABULARY = _vocabulary(_VOCAB_RND, 20_000)
# Ranks 1–150 of natural text are function words ("the", "of", "is" …), which the stop list
# drops before searching: the content words start at rank 151.
FUNCTION_WORDS = 150
ZIPF = list(itertools.accumulate(1 / (r + FUNCTION_WORDS)
                                 for r in range(1, len(VOCABULARY) + 1)))
TOPICS = {d: _VOCAB_RND.sample(VOCABULARY[200:], 400) for d in DOMAINS}
TOPIC_ZIPF = list(itertools.accumulate(1 / r for r in range(1, 401)))


def _words(rnd: random.Random, domain: str, n: int) -> str:
    out = []
    for _ in range(n):
        if rnd.random() < 0.33:
            out.append(rnd.choices(TOPICS[domain], cum_weights=TOPIC_ZIPF)[0])
        else:
            out.append(rnd.choices(VOCABULARY, cum_weights=ZIPF)[0])
    return " ".join(out)


def case(rnd: random.Random, domain: str) -> dict[str, str]:
    return {"problem": _words(rnd, domain, 10), "actual": _words(rnd, domain, 12),
            "logs": f"ERROR {domain}.{rnd.choice(TOPICS[domain][:50])}: "
                    + _words(rnd, domain, 8)}


def seed(db: Database, *, escalations: int, articles: int) -> None:
    rnd = random.Random(11)
    esc = EscalationRow.__table__  # type: ignore[attr-defined]
    ans = ChecklistAnswerRow.__table__  # type: ignore[attr-defined]
    res = ResolutionRow.__table__  # type: ignore[attr-defined]
    art = KbArticleRow.__table__  # type: ignore[attr-defined]
    names = list(DOMAINS)
    rows: dict[str, list[dict[str, object]]] = {"esc": [], "ans": [], "res": []}
    with db.engine.begin() as conn:
        def flush() -> None:
            for key, table in (("esc", esc), ("ans", ans), ("res", res)):
                if rows[key]:
                    conn.execute(table.insert(), rows[key])
                    rows[key].clear()

        for i in range(1, escalations + 1):
            domain = names[i % len(names)]
            created = NOW - SPAN * (1 - i / escalations)
            resolved = created + timedelta(hours=rnd.expovariate(1 / 30))
            text = case(rnd, domain)
            rows["esc"].append({
                "id": i, "idempotency_key": f"bench-{i}", "state": "closed",
                "severity": "SEV3", "domain_key": domain, "channel_id": "C0BENCH001",
                "problem": text["problem"], "requester_id": "U0AGENT01", "customer": "C",
                "tier": "business", "affected_users": 5, "target_level": 2,
                "leadership_notified": False, "level_reason": "bench", "created_at": created,
                "version": 3, "resolved_at": min(resolved, NOW)})
            rows["ans"] += [{"escalation_id": i, "field": f, "value": text[f]}
                            for f in ("actual", "logs")]
            rows["res"].append({
                "escalation_id": i, "at": min(resolved, NOW), "by": "U0SPEC001",
                "category": rnd.choice(("code_fix", "known_issue", "user_error")),
                "root_cause": _words(rnd, domain, 8), "l1_takeaway": _words(rnd, domain, 8),
                "kb_warranted": False})
            if len(rows["esc"]) >= 10_000:
                flush()
        flush()
        conn.execute(art.insert(), [{
            "status": "approved", "title": _words(rnd, names[a % 5], 7),
            "symptoms": _words(rnd, names[a % 5], 15), "applies_to": "All versions",
            "cause": _words(rnd, names[a % 5], 8), "resolution": _words(rnd, names[a % 5], 10),
            "before_escalating": _words(rnd, names[a % 5], 8), "domain": names[a % 5],
            "tags": names[a % 5], "created_at": NOW, "updated_at": NOW, "version": 1}
            for a in range(articles)])
    # Index them the way migration 0010 backfills an existing database. First ANALYZE: on
    # PostgreSQL, without statistics on the freshly loaded tables the planner joined every
    # escalation to every resolution (the backfill's "newest resolution" subquery as a join
    # filter) and seeding never finished; a live database has its statistics. The GIN index
    # is built once after the load, as a bulk load would (the product's writers add one
    # document at a time).
    from importlib import import_module

    migration = import_module("storage.migrations.versions.0010_similar_search")
    postgres = db.engine.dialect.name == "postgresql"
    with db.engine.connect() as conn:
        conn.execute(sa.text("ANALYZE"))
        conn.commit()
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM search_doc"))
        if postgres:
            conn.execute(sa.text("DROP INDEX ix_search_doc_search_vector"))
            conn.execute(sa.text("SET LOCAL maintenance_work_mem = '128MB'"))
        conn.execute(sa.text(migration.BACKFILL_ESCALATIONS))
        conn.execute(sa.text(migration.BACKFILL_ARTICLES))
        if postgres:
            conn.execute(sa.text(migration.POSTGRES_FTS[1]))
    with db.engine.connect() as conn:
        conn.execute(sa.text("ANALYZE"))
        conn.commit()


def measure_search(db: Database, *, queries: int = 50) -> list[float]:
    """Time the readiness step's search for ``queries`` new cases; print and return ms."""
    rnd = random.Random(99)
    names = list(DOMAINS)
    cases = [Answers(**case(rnd, names[q % 5])) for q in range(queries)]
    timings, cpu, hits = [], [], []
    with db.read() as session:
        search(session, terms=search_terms(cases[0]), resolved_since=NOW - LOOKBACK, limit=3)
        for answers in cases:
            terms = search_terms(answers)
            began, began_cpu = time.perf_counter(), time.process_time()
            found = search(session, terms=terms, resolved_since=NOW - LOOKBACK, limit=3)
            timings.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
            hits.append(len(found))
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
    print(f"intake similarity search on {db.engine.dialect.name}, {len(timings)} queries "
          f"(terms each: up to 12; matches shown: {statistics.mean(hits):.1f} on average): "
          f"median {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, "
          f"max {timings[-1]:.1f} ms (goal < 50 ms); this process's CPU per query, median "
          f"{statistics.median(cpu):.1f} ms (SQLite runs in-process; PostgreSQL's work is in "
          f"the server); load average {os.getloadavg()[0]:.1f}")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_arguments(parser)
    parser.add_argument("--escalations", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=2_000)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    with bench_database(args, "bench-similar-") as (url, _workdir):
        db = Database.from_url(url)
        try:
            if not args.seeded:
                db.migrate()
                began = time.perf_counter()
                seed(db, escalations=args.escalations, articles=args.articles)
                print(f"seeded and indexed in {time.perf_counter() - began:.0f} s; load average "
                      f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; url: {url}")
            with db.engine.connect() as conn:
                docs = conn.execute(sa.text("SELECT count(*) FROM search_doc")).scalar_one()
            print(f"{docs:,} documents (resolved escalations and approved articles) on "
                  f"{db.engine.dialect.name}")
            measure_search(db, queries=args.queries)
        finally:
            db.dispose()


if __name__ == "__main__":
    main()
