"""Quality of the rules drafter on the labelled corpus: per-item recall and leaks.

``make bench-drafter`` (or ``python benchmarks/bench_drafter.py [-v]``) drafts every thread in
``benchmarks/threads`` through the same pipeline the bot uses (redaction, remarks dropped,
rules drafter) and prints the table the README quotes. ``-v`` lists every miss per thread.
It measures; it exits 0 whatever the numbers (the unit tests hold the goals).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.drafter_corpus import Case, Score, load_corpus, replies, run, table
from core.drafting.model import Draft
from core.drafting.pipeline import draft_thread
from core.drafting.rules import RulesDrafter
from core.drafting.thread import parse_replies


def draft_case(case: Case) -> Draft:
    thread = parse_replies([replies(case)], channel=case.channel, names=case.names)
    return draft_thread(thread, RulesDrafter(case.names))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list misses per thread")
    parser.add_argument("--split", choices=("dev", "batch2", "batch3", "all"), default=None,
                        help="one part of the corpus (default: each part, then all)")
    args = parser.parse_args()
    corpus = load_corpus()
    splits = [args.split] if args.split else ["dev", "batch2", "batch3", "all"]
    per: list[tuple[Case, Score]] = []
    for split in splits:
        cases = [c for c in corpus if split == "all" or c.split == split]
        started = time.perf_counter()
        total, per = run(cases, draft_case)
        elapsed = time.perf_counter() - started
        label = {"dev": " — dev part (written before the drafter)",
                 "batch2": " — batch 2 (written after the first drafter, then tuned on; "
                           "its first run: benchmarks/batch2_first_run.txt)",
                 "batch3": " — batch 3 (written after the drafter was finished, then tuned on; "
                           "its first run: benchmarks/batch3_first_run.txt)",
                 "all": " — whole corpus"}[split]
        print(table(total, len(cases), label))
        print(f"\n{len(cases)} threads drafted in {elapsed * 1000:.0f} ms\n")
    if args.verbose:
        for case, one in per:
            if one.misses:
                print(f"\n{case.key}:")
                for miss in one.misses:
                    print(f"  - {miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
