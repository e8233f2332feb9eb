"""The labelled thread corpus (``benchmarks/threads/*.yml``) and its scorer.

Each file holds one invented support thread (``messages``: who, minutes after the start, Slack
mrkdwn text) and its gold annotation (``gold``). :func:`replies` turns a thread into the JSON
Slack's ``conversations.replies`` returns, so the drafter reads exactly what the bot reads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from core.drafting.model import Draft

THREADS = Path(__file__).resolve().parent / "threads"


@dataclass(frozen=True)
class Case:
    key: str
    title: str
    channel: str
    names: Mapping[str, str]
    raw: Mapping[str, Any]
    gold: Mapping[str, Any]
    # "dev": written before the drafter; "batch2" / "batch3": after it (first runs kept)
    split: str = "dev"


def load_corpus(folder: Path = THREADS) -> list[Case]:
    cases = []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        cases.append(Case(path.stem, data["title"], data["channel"], data.get("users", {}),
                          data, data["gold"], data.get("split", "dev")))
    return cases


def replies(case: Case) -> dict[str, Any]:
    """The thread as one ``conversations.replies`` response (Slack's documented shape)."""
    start = datetime.fromisoformat(case.raw["start"].replace("Z", "+00:00"))
    messages: list[dict[str, Any]] = []
    thread_ts = ""
    for i, m in enumerate(case.raw["messages"]):
        at = start + timedelta(minutes=m["at"], microseconds=i)
        ts = f"{at.timestamp():.6f}"
        thread_ts = thread_ts or ts
        message: dict[str, Any] = {"type": "message", "text": m["text"], "ts": ts,
                                   "thread_ts": thread_ts}
        if m.get("bot"):
            message.update(subtype="bot_message", bot_id=f"B{m['u'][1:]}",
                           username=case.names.get(m["u"], m["u"]))
        else:
            message["user"] = m["u"]
        if m.get("subtype"):
            message["subtype"] = m["subtype"]
        if i == 0:
            message.update(reply_count=len(case.raw["messages"]) - 1, latest_reply=ts)
        else:
            message["parent_user_id"] = case.raw["messages"][0]["u"]
        messages.append(message)
    return {"ok": True, "messages": messages, "has_more": False,
            "response_metadata": {"next_cursor": ""}}


# --- scoring ---------------------------------------------------------------------------------

RECALL_ITEMS = ("tickets", "versions", "error_lines", "tried", "blocker", "hypothesis",
                "posture_facts")
GOALS = {"tickets": 0.95, "versions": 0.95, "error_lines": 0.85, "tried": 0.85}


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _contains(haystack: str | None, needle: str) -> bool:
    if not haystack:
        return False
    hay, pin = _norm(haystack), _norm(str(needle))
    if re.fullmatch(r"[\w.]+", pin):
        return re.search(rf"(?<![\w.]){re.escape(pin)}(?![\w]|\.\d)", hay) is not None
    return pin in hay


def _hypothesis_part(text: str | None) -> str:
    """The hypothesis itself: what precedes the "Ruled out:" lines."""
    return (text or "").split("\nRuled out:")[0] if text else ""


@dataclass
class Score:
    found: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)
    pii_leaks: int = 0
    pii_total: int = 0
    remark_leaks: int = 0
    remark_total: int = 0
    false_tickets: int = 0
    refuted_in_hypothesis: int = 0
    exact: dict[str, list[bool]] = field(default_factory=dict)

    def add(self, item: str, ok: bool, what: str) -> None:
        self.total[item] = self.total.get(item, 0) + 1
        self.found[item] = self.found.get(item, 0) + int(ok)
        if not ok:
            self.misses.append(f"{item}: {what}")

    def recall(self, item: str) -> float | None:
        total = self.total.get(item, 0)
        return self.found.get(item, 0) / total if total else None

    def merge(self, other: Score) -> None:
        for item, n in other.total.items():
            self.total[item] = self.total.get(item, 0) + n
            self.found[item] = self.found.get(item, 0) + other.found.get(item, 0)
        for key, values in other.exact.items():
            self.exact.setdefault(key, []).extend(values)
        self.pii_leaks += other.pii_leaks
        self.pii_total += other.pii_total
        self.remark_leaks += other.remark_leaks
        self.remark_total += other.remark_total
        self.false_tickets += other.false_tickets
        self.refuted_in_hypothesis += other.refuted_in_hypothesis


def score(case: Case, draft: Draft) -> Score:
    gold, s = case.gold, Score()
    value = draft.value
    for ticket in gold.get("tickets") or []:
        s.add("tickets", _contains(value("linked_tickets"), ticket), ticket)
    for fake in gold.get("not_tickets") or []:
        if _contains(value("linked_tickets"), fake):
            s.false_tickets += 1
            s.misses.append(f"false ticket: {fake}")
    for version in gold.get("versions") or []:
        s.add("versions", _contains(value("build_version"), version), version)
    for line in gold.get("error_lines") or []:
        s.add("error_lines", _contains(value("logs"), line), line)
    tried_lines = (value("tried") or "").split("\n")
    for attempt in gold.get("tried") or []:
        ok = any(all(_contains(line, w) for w in attempt["attempt"])
                 and all(_contains(line, w) for w in attempt["outcome"]) for line in tried_lines)
        s.add("tried", ok, f"{attempt['attempt']} → {attempt['outcome']}")
    if gold.get("blocker"):
        s.add("blocker", all(_contains(value("blocker"), w) for w in gold["blocker"]),
              f"{gold['blocker']}")
    if gold.get("hypothesis"):
        part = _hypothesis_part(value("hypothesis"))
        refuted = [w for w in gold.get("not_hypothesis") or [] if _contains(part, w)]
        s.refuted_in_hypothesis += len(refuted)
        s.add("hypothesis", all(_contains(part, w) for w in gold["hypothesis"]) and not refuted,
              f"{gold['hypothesis']} (refuted present: {refuted})")
    for fact in gold.get("posture_facts") or []:
        s.add("posture_facts", _contains(value("posture"), fact), fact)
    everything = json.dumps(draft.as_dict(), ensure_ascii=False)
    for pii in gold.get("pii") or []:
        s.pii_total += 1
        variants = {pii, pii.replace(" ", ""), pii.replace(" ", "-"), json.dumps(pii)[1:-1]}
        if any(v in everything for v in variants):
            s.pii_leaks += 1
            s.misses.append(f"PII leaked: {pii}")
    for remark in gold.get("temperament") or []:
        s.remark_total += 1
        if remark.lower() in everything.lower():
            s.remark_leaks += 1
            s.misses.append(f"remark leaked: {remark}")
    checks = {
        "severity": (value("severity"), gold.get("severity")),
        "customer": (value("customer"), gold.get("customer")),
        "tier": (value("tier"), gold.get("tier")),
        "affected_users": (value("affected_users"), gold.get("affected_users")),
        "deflection": (draft.deflection is not None, bool(gold.get("deflection"))),
        "duplicate": (bool(draft.duplicate and gold.get("duplicate")
                           and gold["duplicate"] in draft.duplicate.text)
                      if gold.get("duplicate") else draft.duplicate is None, True),
    }
    for key, (got, want) in checks.items():
        ok = got == want
        s.exact.setdefault(key, []).append(ok)
        if not ok:
            s.misses.append(f"{key}: got {got!r}, want {want!r}")
    return s


def table(total: Score, cases: int, label: str = "") -> str:
    rows = [f"Drafter quality on {cases} labelled threads{label}", "",
            "| item | recall | found / gold | goal |", "|---|---|---|---|"]
    for item in RECALL_ITEMS:
        r = total.recall(item)
        goal = GOALS.get(item)
        mark = "" if goal is None else (f"≥ {goal:.0%} " + ("met" if r is not None
                                                             and r >= goal else "MISSED"))
        rows.append(f"| {item} | {'-' if r is None else f'{r:.0%}'} | "
                    f"{total.found.get(item, 0)} / {total.total.get(item, 0)} | {mark} |")
    rows += ["", "| leaks and errors | count | goal |", "|---|---|---|",
             f"| PII strings leaked | {total.pii_leaks} of {total.pii_total} | 0 |",
             f"| temperament remarks leaked | {total.remark_leaks} of {total.remark_total} | 0 |",
             f"| record/invoice ids taken for tickets | {total.false_tickets} | 0 |",
             f"| refuted guesses given as the hypothesis | {total.refuted_in_hypothesis} | 0 |",
             "", "| suggestion | correct |", "|---|---|"]
    for key, values in total.exact.items():
        rows.append(f"| {key} | {sum(values)} / {len(values)} |")
    return "\n".join(rows)


def run(cases: Sequence[Case], drafter_of: Any) -> tuple[Score, list[tuple[Case, Score]]]:
    total, per = Score(), []
    for case in cases:
        one = score(case, drafter_of(case))
        total.merge(one)
        per.append((case, one))
    return total, per
