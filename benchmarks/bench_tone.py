"""Tone guardrail benchmark: caught and false-positive rates on the labelled set.

    python benchmarks/bench_tone.py [--errors] [--split dev|holdout|all]

``benchmarks/tone/dev.tsv`` was used to tune the rules; ``holdout.tsv`` was written at the same
time, before any tuning, and is only measured. "Caught" is the share of remarks the guardrail
refuses; "facts refused" is the share of fact sentences it wrongly refuses.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.tone import is_remark  # noqa: E402

SETS = ROOT / "benchmarks" / "tone"


@dataclass(frozen=True)
class Example:
    label: str
    category: str
    sentence: str


def load(split: str) -> list[Example]:
    out: list[Example] = []
    for line in (SETS / f"{split}.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, category, sentence = line.split("\t")
        out.append(Example(label, category, sentence))
    return out


@dataclass(frozen=True)
class Score:
    remarks: int
    caught: int
    facts: int
    refused: int

    @property
    def caught_rate(self) -> float:
        return self.caught / self.remarks if self.remarks else 0.0

    @property
    def refused_rate(self) -> float:
        return self.refused / self.facts if self.facts else 0.0


def score(examples: list[Example]) -> tuple[Score, list[Example], list[Example]]:
    missed = [e for e in examples if e.label == "remark" and not is_remark(e.sentence)]
    refused = [e for e in examples if e.label == "fact" and is_remark(e.sentence)]
    remarks = sum(e.label == "remark" for e in examples)
    return Score(remarks, remarks - len(missed), len(examples) - remarks, len(refused)), \
        missed, refused


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list every mistake")
    parser.add_argument("--split", choices=["dev", "holdout", "all"], default="all")
    args = parser.parse_args()
    splits = ["dev", "holdout"] if args.split == "all" else [args.split]
    print("| set | remarks | caught | facts | facts refused |")
    print("|---|---:|---:|---:|---:|")
    for split in splits:
        s, missed, refused = score(load(split))
        print(f"| {split} | {s.remarks} | {s.caught} ({s.caught_rate:.1%}) | {s.facts} "
              f"| {s.refused} ({s.refused_rate:.1%}) |")
        if args.errors:
            for e in missed:
                print(f"    missed  [{e.category}] {e.sentence}")
            for e in refused:
                print(f"    refused [{e.category}] {e.sentence}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
